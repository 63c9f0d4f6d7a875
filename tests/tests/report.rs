//! `forewarn report` as a person uses it: a known sequence of events
//! (crates/ledger/tests/data, hand-computed in crates/ledger/tests/
//! known_sequence.rs) published to the pipeline's topics on a real broker
//! (tansu) and an audit log written by the remediator's own code; the
//! report read from the topics twice is the same, and equal to the
//! report of the same events read from files. And its errors are clear:
//! a bad range, a missing topic, an audit log whose chain is broken.

use std::path::{Path, PathBuf};
use std::time::Duration;

use forewarn_e2e::{forewarn, workspace_root};
use forewarn_kafka::{Producer, ensure_topics};
use forewarn_remediate::audit::{AuditLog, Phase};

mod common;
use common::start_tansu;

const FROM: &str = "2023-11-14T22:13:20Z";
const TO: &str = "2023-11-15T01:00:00Z";

fn data(name: &str) -> PathBuf {
    workspace_root().join("crates/ledger/tests/data").join(name)
}

fn temp(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("forewarn-e2e-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The fixture's audit lines appended through the remediator's own audit
/// log, so the hash chain and its head file are real.
fn chained_audit(dir: &Path) -> PathBuf {
    let path = dir.join("audit.jsonl");
    let (mut log, _) = AuditLog::open(&path).unwrap();
    for line in std::fs::read_to_string(data("known-audit.jsonl"))
        .unwrap()
        .lines()
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let phase: Phase = serde_json::from_value(v["phase"].clone()).unwrap();
        let kind = serde_json::from_value(v["kind"].clone()).unwrap();
        let outcome = serde_json::from_value(v["outcome"].clone()).unwrap();
        log.append(phase, kind, v["step"].as_u64().unwrap() as usize, &outcome)
            .unwrap();
    }
    path
}

/// Run `forewarn report ARGS --out DIR`; (success, stderr).
fn report(args: &[&str], out: &Path) -> (bool, String) {
    let mut all: Vec<&str> = vec!["report", "--quiet", "--out"];
    let out = out.display().to_string();
    all.push(&out);
    all.extend_from_slice(args);
    let o = forewarn(&all);
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("report.json")).unwrap()
}

#[test]
fn the_report_from_the_topics_is_stable_and_equals_the_one_from_files() {
    let Some(broker) = start_tansu() else {
        return;
    };
    let b = broker.addr.as_str();
    let dir = temp("topics");
    let pipeline = data("known-pipeline.yaml").display().to_string();
    let audit = chained_audit(&dir).display().to_string();
    let (predictions, outcomes, events, metrics) = (
        "known.predictions",
        "known.outcomes",
        "known.service-events",
        "known.metrics",
    );
    // Before the topics exist: a clear error naming each.
    let (ok, err) = report(
        &[
            "--brokers",
            b,
            "--pipeline",
            &pipeline,
            "--from",
            FROM,
            "--to",
            TO,
        ],
        &dir.join("none"),
    );
    assert!(!ok);
    assert!(err.contains("missing topics on"), "{err}");
    for t in [predictions, outcomes, events, metrics] {
        assert!(err.contains(t), "{t} not named: {err}");
    }
    ensure_topics(
        b,
        &[],
        &[predictions, outcomes, events, metrics],
        3,
        Duration::from_secs(30),
    )
    .unwrap();
    // Every event to its topic, keyed by service (as the services do).
    let producer = Producer::new(b, &[]).unwrap();
    let mut sent = 0;
    for line in std::fs::read_to_string(data("known-events.jsonl"))
        .unwrap()
        .lines()
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let topic = if v.get("metric").is_some() {
            metrics
        } else if v.get("issue_id").is_some() {
            outcomes
        } else if v.get("horizon_s").is_some() {
            predictions
        } else {
            events
        };
        let key = v["service"].as_str().unwrap().as_bytes();
        producer.send(topic, key, line.as_bytes()).unwrap();
        sent += 1;
    }
    let d = producer.flush(Duration::from_secs(30)).unwrap();
    assert_eq!((d.acked, d.failed), (sent, 0));
    let range = ["--from", FROM, "--to", TO];
    let mut from_topics = Vec::new();
    for run in ["first", "second"] {
        let out = dir.join(run);
        let mut args = vec!["--brokers", b, "--pipeline", &pipeline, "--audit", &audit];
        args.extend_from_slice(&range);
        let (ok, err) = report(&args, &out);
        assert!(ok, "{err}");
        from_topics.push(json(&out));
    }
    assert_eq!(
        from_topics[0], from_topics[1],
        "two reads of the topics differ"
    );
    let files = dir.join("files");
    let events_file = data("known-events.jsonl").display().to_string();
    let mut args = vec![
        "--events",
        &events_file,
        "--pipeline",
        &pipeline,
        "--audit",
        &audit,
    ];
    args.extend_from_slice(&range);
    let (ok, err) = report(&args, &files);
    assert!(ok, "{err}");
    assert_eq!(from_topics[0], json(&files), "topics and files differ");
    // The figures are the hand-computed ones (see known_sequence.rs).
    let r: serde_json::Value = serde_json::from_str(&from_topics[0]).unwrap();
    assert_eq!(r["fleet"]["uptime"], 0.855);
    assert_eq!(r["fleet"]["time_to_recover_s"]["mean"], 450.0);
    assert_eq!(r["fleet"]["outages_prevented"], 1);
    assert_eq!(r["fleet"]["false_alarms"], 1);
    assert_eq!(r["services"][0]["service"], "api");
    assert_eq!(r["services"][0]["slos"][0]["sli"], 0.71);
    // The latency and error-rate samples came through the metrics topic
    // too, uncompacted: latency SLI 1 - 60/300 = 0.8, error rate 1.
    let slos = &r["services"][0]["slos"];
    assert_eq!(slos[1]["name"], "latency");
    assert!(
        (slos[1]["sli"].as_f64().unwrap() - 0.8).abs() < 1e-9,
        "{slos}"
    );
    assert_eq!(slos[2]["name"], "error_rate");
    assert_eq!(slos[2]["sli"], 1.0);
    // The HTML stands alone: no script, nothing fetched.
    let html = std::fs::read_to_string(files.join("report.html")).unwrap();
    assert!(!html.contains("<script") && !html.contains(" src="));
    assert_eq!(
        html.matches("http").count(),
        html.matches("http://www.w3.org/2000/svg").count(),
        "only the SVG namespace may name a URL"
    );
    let md = std::fs::read_to_string(files.join("report.md")).unwrap();
    assert!(md.contains("| MTTR | 7 min 30 s |"), "{md}");
    assert!(
        md.contains("| api | latency ≤ 500 ms | 99 % | 80 % |"),
        "{md}"
    );
}

#[test]
fn errors_say_what_is_wrong() {
    let dir = temp("errors");
    let pipeline = data("known-pipeline.yaml").display().to_string();
    let events = data("known-events.jsonl").display().to_string();
    let base = ["--pipeline", pipeline.as_str(), "--events", events.as_str()];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--from", TO, "--to", FROM],
            "bad range: --from 2023-11-15T01:00:00+00:00 is not before --to",
        ),
        (
            vec!["--from", "yesterday"],
            "--from \"yesterday\" is not a time",
        ),
        (
            vec!["--service", "ghost"],
            "--service \"ghost\": no event names it",
        ),
    ];
    for (extra, want) in cases {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(extra);
        let (ok, err) = report(&args, &dir);
        assert!(!ok, "{args:?} succeeded");
        assert!(err.contains(want), "{args:?}: want {want:?} in {err}");
    }
    // Nothing to read.
    let (ok, err) = report(&["--pipeline", &pipeline], &dir);
    assert!(!ok && err.contains("nothing to read"), "{err}");
    // The fixture's audit lines carry no hash chain: refused as an audit log.
    let unchained = data("known-audit.jsonl").display().to_string();
    let (ok, err) = report(&["--pipeline", &pipeline, "--audit", &unchained], &dir);
    assert!(!ok && err.contains("does not verify"), "{err}");
    // A line that is no event names its file and line.
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"hello\": 1}\n").unwrap();
    let bad = bad.display().to_string();
    let (ok, err) = report(&["--pipeline", &pipeline, "--events", &bad], &dir);
    assert!(!ok && err.contains("bad.jsonl:1: not an event"), "{err}");
}

/// `health_up` every 10 s for a day on two instances, with two outages
/// on one: `(t, instance, value)`.
fn dense_health() -> Vec<(i64, &'static str, f64)> {
    let mut out = Vec::new();
    for t in (0..86_400).step_by(10) {
        let down = (3_600..3_900).contains(&t) || (50_000..52_000).contains(&t);
        out.push((t, "api-0", if down { 0.0 } else { 1.0 }));
        out.push((t, "api-1", 1.0));
    }
    out
}

fn health_line(t: i64, instance: &str, value: f64) -> String {
    let ts =
        chrono::DateTime::<chrono::Utc>::UNIX_EPOCH + chrono::TimeDelta::seconds(1_700_000_000 + t);
    serde_json::json!({"ts": ts, "service": "api", "instance": instance,
        "metric": "health_up", "value": value})
    .to_string()
}

#[test]
fn dense_health_samples_give_the_report_of_their_transitions() {
    let dir = temp("dense");
    let dense = dense_health();
    // Only what changes something: each instance's first sample and its
    // transitions.
    let mut last: std::collections::HashMap<&str, f64> = Default::default();
    let sparse: Vec<_> = dense
        .iter()
        .filter(|(_, i, v)| last.insert(i, *v) != Some(*v))
        .copied()
        .collect();
    assert!(sparse.len() < 10 && dense.len() == 17_280);
    let mut reports = Vec::new();
    for (name, lines) in [("dense", &dense), ("sparse", &sparse)] {
        let file = dir.join(format!("{name}.jsonl"));
        let text: Vec<String> = lines
            .iter()
            .map(|(t, i, v)| health_line(*t, i, *v))
            .collect();
        std::fs::write(&file, text.join("\n")).unwrap();
        let out = dir.join(name);
        let file = file.display().to_string();
        let (ok, err) = report(
            &[
                "--events",
                &file,
                "--from",
                FROM,
                "--to",
                "2023-11-15T22:13:20Z",
                "--format",
                "json",
            ],
            &out,
        );
        assert!(ok, "{err}");
        let mut v: serde_json::Value = serde_json::from_str(&json(&out)).unwrap();
        v["intake"] = serde_json::Value::Null;
        reports.push(v);
    }
    assert_eq!(reports[0], reports[1]);
    // The service is down while any instance is: 300 s + 2000 s of the
    // 86400 s observed.
    let up = reports[0]["fleet"]["uptime"].as_f64().unwrap();
    assert!((up - (1.0 - 2300.0 / 86_400.0)).abs() < 1e-12, "{up}");
    assert_eq!(reports[0]["fleet"]["incidents"], 2);
}
