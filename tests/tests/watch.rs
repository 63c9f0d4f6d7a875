//! `forewarn watch` with real child processes: a crash loop restarted
//! with growing delays until the start limit (exact event sequence), a
//! hung HTTP child killed and restarted, the kill switch (one start
//! only), log capture (bytes passed through unchanged, levels parsed), RSS
//! sampled rising, and, on tansu, a restart command from the command
//! topic with the events on the service-events topic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use forewarn_e2e::forewarn_bin;

mod common;
use common::{free_port, start_tansu, wait_for};

/// Every JSON line of `--out` whose topic is `topic`, as its value.
fn values(out: &Path, topic: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["topic"] == topic)
        .map(|v| v["value"].clone())
        .collect()
}

fn kinds(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect()
}

fn watch(dir: &Path, extra: &[&str], cmd: &[&str], env: &[(&str, &str)]) -> (Output, PathBuf) {
    let out = dir.join("out.jsonl");
    let mut c = Command::new(forewarn_bin());
    c.args(["watch", "--service", "svc", "--instance", "i0", "--out"])
        .arg(&out)
        .args(extra)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    (c.output().expect("run forewarn watch"), out)
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("forewarn-watch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ts_ms(e: &serde_json::Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(e["ts"].as_str().unwrap())
        .unwrap()
        .timestamp_millis()
}

#[test]
fn a_crash_loop_is_restarted_with_growing_delays_until_the_start_limit() {
    let dir = tempdir("crash");
    let (o, out) = watch(
        &dir,
        &[
            "--backoff-initial",
            "200ms",
            "--backoff-jitter",
            "0",
            "--start-limit-burst",
            "4",
            "--start-limit-interval",
            "60s",
        ],
        &["sh", "-c", "echo dying; exit 3"],
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "exits with the child's status");
    let events = values(&out, "forewarn.service-events");
    assert_eq!(
        kinds(&events),
        [
            "started",
            "crashed",
            "restarted",
            "crashed",
            "restarted",
            "crashed",
            "restarted",
            "crashed",
            "gave_up"
        ]
    );
    let crashed: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["kind"] == "crashed").collect();
    let delays: Vec<u64> = crashed[..3]
        .iter()
        .map(|e| e["next_delay_ms"].as_u64().unwrap())
        .collect();
    assert_eq!(delays, [200, 400, 800], "doubling without jitter");
    assert!(
        crashed[3].get("next_delay_ms").is_none(),
        "no restart planned"
    );
    for c in &crashed {
        assert_eq!(c["exit_code"], 3);
        assert_eq!(c["last_lines"].as_array().unwrap().last().unwrap(), "dying");
    }
    // The waits really happened and grew: crashed → restarted gaps.
    let gaps: Vec<i64> = events
        .windows(2)
        .filter(|w| w[0]["kind"] == "crashed" && w[1]["kind"] == "restarted")
        .map(|w| ts_ms(&w[1]) - ts_ms(&w[0]))
        .collect();
    assert_eq!(gaps.len(), 3);
    for (gap, want) in gaps.iter().zip([200, 400, 800]) {
        assert!(
            *gap >= want - 5 && *gap < want + 300,
            "gap {gap} ms, want ~{want}"
        );
    }
    let restarts: Vec<u64> = events
        .iter()
        .map(|e| e["restarts"].as_u64().unwrap())
        .collect();
    assert_eq!(restarts, [0, 0, 1, 1, 2, 2, 3, 3, 3]);
    assert!(
        events.last().unwrap()["reason"]
            .as_str()
            .unwrap()
            .contains("start limit")
    );
}

#[test]
fn the_kill_switch_watches_and_reports_but_never_restarts() {
    let dir = tempdir("kill-switch");
    let (o, out) = watch(
        &dir,
        &["--backoff-initial", "100ms"],
        &["sh", "-c", "exit 5"],
        &[("RELIABILITY_ENGINE_ENABLED", "false")],
    );
    assert_eq!(o.status.code(), Some(5));
    let events = values(&out, "forewarn.service-events");
    assert_eq!(kinds(&events), ["started", "crashed", "gave_up"]);
    assert!(
        events[2]["reason"]
            .as_str()
            .unwrap()
            .contains("RELIABILITY_ENGINE_ENABLED=false")
    );
}

#[test]
fn output_passes_through_unchanged_and_lines_become_log_records() {
    let dir = tempdir("capture");
    let script = r#"printf '{"level":"error","msg":"db down","pool":"main"}\n'; printf 'ts=1 level=warn msg=slow\n'; printf 'DEBUG cache miss\r\n' >&2; printf 'plain line\n\001\377 raw'; exit 0"#;
    let bare = Command::new("sh").args(["-c", script]).output().unwrap();
    let (o, out) = watch(&dir, &[], &["sh", "-c", script], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(o.stdout, bare.stdout, "stdout byte for byte");
    assert!(
        o.stderr.starts_with(&bare.stderr)
            || o.stderr
                .windows(bare.stderr.len())
                .any(|w| w == bare.stderr),
        "stderr carries the child's bytes"
    );
    let logs = values(&out, "forewarn.logs");
    let got: Vec<(String, String)> = logs
        .iter()
        .map(|l| {
            (
                l["level"].as_str().unwrap().into(),
                l["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    for want in [
        ("error", "db down"),
        ("warn", "ts=1 level=warn msg=slow"),
        ("debug", "DEBUG cache miss"),
        ("info", "plain line"),
    ] {
        assert!(
            got.contains(&(want.0.into(), want.1.into())),
            "{want:?} in {got:#?}"
        );
    }
    let db = logs.iter().find(|l| l["message"] == "db down").unwrap();
    assert_eq!(db["fields"]["pool"], "main");
    assert_eq!(db["fields"]["stream"], "stdout");
    assert_eq!(
        logs.len(),
        5,
        "the last line without a newline is a record too"
    );
    let events = values(&out, "forewarn.service-events");
    assert_eq!(kinds(&events), ["started", "stopped"], "a clean exit stops");
}

/// Up to `n` records of `topic` (key, JSON), waiting at most 5 s; none
/// while the topic does not exist yet.
fn read_topic(brokers: &str, topic: &str, n: usize) -> Vec<(String, serde_json::Value)> {
    let Ok(reader) = forewarn_kafka::TopicReader::new(brokers, &[], topic) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while out.len() < n && std::time::Instant::now() < deadline {
        if let Some(m) = reader.next(Duration::from_millis(200)) {
            out.push((
                String::from_utf8(m.key).unwrap(),
                serde_json::from_slice(&m.payload).unwrap(),
            ));
        }
    }
    out
}

fn leaky_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_leaky_service"))
}

#[test]
fn rss_of_a_child_that_allocates_is_sampled_rising() {
    let dir = tempdir("rss");
    let leaky = leaky_bin();
    let restart_file = dir.join("restart");
    let status = dir.join("status");
    let (_, out) = watch(
        &dir,
        &["--sample-every", "150ms", "--restart", "never"],
        &[
            "timeout",
            "3",
            leaky.to_str().unwrap(),
            "--service",
            "x",
            "--tick-ms",
            "100",
            "--leak-mb",
            "8",
            "--limit-mb",
            "4000",
            "--restart-file",
            restart_file.to_str().unwrap(),
            "--status",
            status.to_str().unwrap(),
        ],
        &[],
    );
    let rss: Vec<f64> = values(&out, "forewarn.metrics")
        .iter()
        .filter(|m| m["metric"] == "memory_rss_bytes")
        .map(|m| m["value"].as_f64().unwrap())
        .collect();
    assert!(rss.len() >= 10, "{rss:?}");
    let (first, last) = (rss[1], rss[rss.len() - 2]);
    assert!(
        last > first + 50e6,
        "RSS rose by 50 MB or more: {first} → {last}"
    );
    let names: Vec<String> = values(&out, "forewarn.metrics")
        .iter()
        .map(|m| m["metric"].as_str().unwrap().to_string())
        .collect();
    for want in [
        "cpu_utilization",
        "process_threads",
        "process_open_fds",
        "process_max_fds",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} missing");
    }
}

#[test]
fn a_hung_http_child_is_detected_killed_and_restarted() {
    let dir = tempdir("hang");
    let port = free_port();
    let out = dir.join("out.jsonl");
    let mut c = Command::new(forewarn_bin())
        .args(["watch", "--service", "web", "--out"])
        .arg(&out)
        .args([
            "--health-http",
            &format!("http://127.0.0.1:{port}/health"),
            "--health-interval",
            "300ms",
            "--health-timeout",
            "200ms",
            "--failures-before-hung",
            "3",
            "--backoff-initial",
            "100ms",
            "--stop-timeout",
            "2s",
            "--",
        ])
        .arg(forewarn_bin())
        .args([
            "bench",
            "serve",
            "--port",
            &port.to_string(),
            "--hang-after",
            "2s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("two hangs and restarts", Duration::from_secs(30), || {
        kinds(&values(&out, "forewarn.service-events"))
            .iter()
            .filter(|k| *k == "restarted")
            .count()
            >= 2
    });
    let _ = Command::new("kill")
        .args(["-TERM", &c.id().to_string()])
        .status();
    let status = c.wait().unwrap();
    let events = values(&out, "forewarn.service-events");
    let k = kinds(&events);
    assert_eq!(
        &k[..7],
        [
            "started",
            "health_failed",
            "hung",
            "restarted",
            "recovered",
            "health_failed",
            "hung"
        ],
        "{k:?}"
    );
    let hung = &events[2];
    assert!(
        hung["reason"]
            .as_str()
            .unwrap()
            .contains("3 times in a row"),
        "{hung}"
    );
    assert!(hung["next_delay_ms"].as_u64().is_some());
    assert_ne!(events[0]["pid"], events[3]["pid"], "a new process");
    assert_eq!(k.last().unwrap(), "stopped");
    assert_eq!(
        status.code(),
        Some(143),
        "128 + SIGTERM, the child's status"
    );
    let up: Vec<f64> = values(&out, "forewarn.metrics")
        .iter()
        .filter(|m| m["metric"] == "health_up")
        .map(|m| m["value"].as_f64().unwrap())
        .collect();
    assert!(up.contains(&1.0) && up.contains(&0.0), "{up:?}");
}

#[test]
fn a_restart_command_on_kafka_restarts_the_child_and_events_are_published() {
    let Some(broker) = start_tansu() else { return };
    let b = broker.addr.as_str();
    let port = free_port();
    let mut c = Command::new(forewarn_bin())
        .args([
            "watch",
            "--service",
            "api",
            "--instance",
            "api-0",
            "--brokers",
            b,
            "--create-topics",
            "1",
            "--sample-every",
            "500ms",
            "--health-http",
        ])
        .arg(format!("http://127.0.0.1:{port}/health"))
        .args(["--health-interval", "500ms", "--"])
        .arg(forewarn_bin())
        .args(["bench", "serve", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let events = |n: usize| read_topic(b, "forewarn.service-events", n);
    wait_for("started", Duration::from_secs(60), || !events(1).is_empty());
    // Give the command consumer time to join its group.
    std::thread::sleep(Duration::from_secs(3));
    let producer = forewarn_kafka::Producer::new(b, &[]).unwrap();
    let other = r#"{"service":"db","instance":"","issue_id":"x","kind":"memory_exhaustion","action":"restart","probability":0.9}"#;
    let ours = r#"{"service":"api","instance":"api-0","issue_id":"i-42","kind":"memory_exhaustion","action":"restart","probability":0.9}"#;
    producer
        .send("forewarn.commands", b"db", other.as_bytes())
        .unwrap();
    producer
        .send("forewarn.commands", b"api", ours.as_bytes())
        .unwrap();
    producer.flush(Duration::from_secs(10)).unwrap();
    wait_for("restarted", Duration::from_secs(60), || {
        events(2).iter().any(|(_, e)| e["kind"] == "restarted")
    });
    let _ = Command::new("kill")
        .args(["-TERM", &c.id().to_string()])
        .status();
    let _ = c.wait();
    let all = events(3);
    let k: Vec<&str> = all
        .iter()
        .map(|(_, e)| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(&k[..2], ["started", "restarted"], "{k:?}");
    let restarted = &all[1].1;
    assert_eq!(all[1].0, "api", "keyed by service");
    assert!(
        restarted["reason"].as_str().unwrap().contains("i-42"),
        "{restarted}"
    );
    assert_eq!(restarted["restarts"], 1);
    assert_eq!(
        k.iter().filter(|k| **k == "restarted").count(),
        1,
        "the db command is not ours: {k:?}"
    );
    let metrics = read_topic(b, "forewarn.metrics", 5);
    assert!(
        metrics
            .iter()
            .any(|(_, m)| m["metric"] == "memory_rss_bytes" && m["instance"] == "api-0")
    );
}
