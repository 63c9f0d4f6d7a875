//! A real log shipper: rsyslog (imfile + omkafka, Debian package
//! rsyslog-kafka) follows an application's log file and produces it, with
//! the configuration shipped in `pipelines/rsyslog-forewarn.conf`, into the
//! logs topic on tansu; `forewarn score` consumes it from there, mines the
//! templates, and predicts the burst of errors the file ends with. The one
//! line of another shape reaches the dead-letter topic with its reason.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{ScorerProcess, default_pipeline, kcat_binary, kcat_consume, start_tansu, wait_for};
use forewarn_e2e::workspace_root;

/// rsyslogd, or a skip notice (a failure when CI=true).
fn rsyslogd_binary() -> Option<PathBuf> {
    let found = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let has_omkafka = Path::new("/usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so").is_file()
        || Path::new("/usr/lib/aarch64-linux-gnu/rsyslog/omkafka.so").is_file();
    common::required(
        found.filter(|_| has_omkafka),
        "rsyslogd with omkafka (apt-get install rsyslog rsyslog-kafka)",
    )
}

/// An rsyslogd process, stopped when dropped.
struct Rsyslog(Child);

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A tiny deterministic generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// 150 minutes of an API's log in `<time> <LEVEL> <message>` lines, a
/// burst of a never-seen error from minute 120 for three minutes, and one
/// line of another shape. Returns the lines.
fn app_log() -> Vec<String> {
    let mut rng = Lcg(3);
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-01T08:00:00Z")
        .unwrap()
        .to_utc();
    let mut lines = Vec::new();
    for m in 0..150i64 {
        let mut minute = Vec::new();
        for _ in 0..(18 + rng.next(5)) {
            let (id, ms) = (rng.next(90_000), 3 + rng.next(80));
            minute.push(("INFO", format!("GET /api/v1/items/{id} 200 in {ms}ms")));
        }
        for _ in 0..(3 + rng.next(3)) {
            let (u, a) = (rng.next(10_000), rng.next(255));
            minute.push(("INFO", format!("user {u} logged in from 10.0.7.{a}")));
        }
        if rng.next(3) == 0 {
            let ms = 200 + rng.next(800);
            minute.push((
                "WARNING",
                format!("slow query took {ms}ms on table \"orders\""),
            ));
        }
        if (120..123).contains(&m) {
            for _ in 0..40 {
                let n = 1 + rng.next(9);
                minute.push((
                    "ERROR",
                    format!("connection refused by db-3:5432 after {n} retries"),
                ));
            }
        }
        let step = 60_000 / minute.len() as i64;
        for (i, (level, msg)) in minute.into_iter().enumerate() {
            let ts = start + chrono::TimeDelta::milliseconds(m * 60_000 + i as i64 * step);
            lines.push(format!(
                "{} {level} {msg}",
                ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            ));
        }
        if m == 60 {
            lines.push("--- log rotated by logrotate ---".into());
        }
    }
    lines
}

#[test]
fn a_log_file_shipped_by_rsyslog_is_mined_and_its_error_burst_predicted() {
    let Some(broker) = start_tansu() else { return };
    let Some(kcat) = kcat_binary() else { return };
    let Some(rsyslogd) = rsyslogd_binary() else {
        return;
    };
    let b = broker.addr.as_str();
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-rsyslog-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("work")).unwrap();

    // The default pipeline, its topics renamed `r.*`; the scorer creates
    // them (2 partitions) before rsyslog produces.
    let pipeline = default_pipeline(&dir, "r");
    let scorer = ScorerProcess::start_with(
        b,
        &pipeline,
        "r",
        dir.join("score.log"),
        &["--create-topics", "2"],
    );
    wait_for("the scorer to join", Duration::from_secs(60), || {
        scorer.get("/health").is_some_and(|(s, _)| s == 200)
    });

    // The application's log file, and rsyslog following it.
    let lines = app_log();
    let log_file = dir.join("api.log");
    std::fs::write(&log_file, lines.join("\n") + "\n").unwrap();
    let conf = std::fs::read_to_string(workspace_root().join("pipelines/rsyslog-forewarn.conf"))
        .unwrap()
        .replace("@WORK_DIR@", dir.join("work").to_str().unwrap())
        .replace("@LOG_FILE@", log_file.to_str().unwrap())
        .replace("@SERVICE@", "api")
        .replace("@BROKERS@", b)
        .replace("@TOPIC@", "r.logs");
    assert!(!conf.contains("@WORK") && !conf.contains("@TOPIC"));
    let conf_path = dir.join("rsyslog.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let rsyslog_log = std::fs::File::create(dir.join("rsyslogd.out")).unwrap();
    let _rsyslog = Rsyslog(
        Command::new(&rsyslogd)
            .arg("-n")
            .arg("-f")
            .arg(&conf_path)
            .arg("-i")
            .arg(dir.join("rsyslogd.pid"))
            .stdout(rsyslog_log.try_clone().unwrap())
            .stderr(rsyslog_log)
            .stdin(Stdio::null())
            .spawn()
            .expect("start rsyslogd"),
    );

    // Every line reaches the scorer: the good ones decoded, the one of
    // another shape rejected.
    let good = lines.len() as f64 - 1.0;
    wait_for("every shipped line", Duration::from_secs(120), || {
        scorer.metric("forewarn_logs_decoded_total") >= good
            && scorer.metric("forewarn_records_rejected_total") >= 1.0
    });
    assert_eq!(scorer.metric("forewarn_logs_decoded_total"), good);
    assert_eq!(
        scorer.metric("forewarn_records_rejected_total{reason=\"malformed_log\"}"),
        1.0
    );

    // The burst is predicted, with its template and the lines themselves.
    let mut issues = Vec::new();
    wait_for("the log anomaly", Duration::from_secs(60), || {
        issues = kcat_consume(&kcat, b, "r.predictions")
            .iter()
            .map(|r| {
                serde_json::from_str::<serde_json::Value>(r["payload"].as_str().unwrap()).unwrap()
            })
            .filter(|e| e["kind"] == "log_anomaly" && e["status"] == "open")
            .collect();
        !issues.is_empty()
    });
    assert_eq!(issues.len(), 1, "{issues:#?}");
    let e = &issues[0];
    assert_eq!(e["service"], "api");
    assert_eq!(
        e["log"]["template"],
        "connection refused by db-3:5432 after <*> retries"
    );
    let examples = e["log"]["examples"].as_array().unwrap();
    assert!(!examples.is_empty());
    for x in examples {
        let x = x.as_str().unwrap();
        assert!(
            lines.iter().any(|l| l.ends_with(&format!("ERROR {x}"))),
            "{x} is a line of the file"
        );
    }
    let opened = e["opened_at"].as_str().unwrap();
    assert!(
        opened.starts_with("2026-03-01T10:0"),
        "opened in the burst (10:00-10:03), at the file's own times: {opened}"
    );

    // The line of another shape, in the dead-letter topic as rsyslog sent
    // it, with the reason (its first word is no time).
    let dead = kcat_consume(&kcat, b, "r.dead-letter");
    assert_eq!(dead.len(), 1, "{dead:?}");
    let payload = dead[0]["payload"].as_str().unwrap();
    assert!(payload.contains("rotated by logrotate ---"), "{payload}");
    let headers = dead[0]["headers"].to_string();
    assert!(headers.contains(r#""forewarn.reason","ts: "#), "{headers}");
    drop(scorer);
    let _ = std::fs::remove_dir_all(&dir);
}
