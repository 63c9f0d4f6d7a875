//! The remediator with real processes on a real broker (tansu):
//!
//! - a service that really leaks memory streams its metrics (through kcat)
//!   to `forewarn score`; the scorer predicts the OOM and `forewarn
//!   remediate` restarts the service (a command, no shell) before it dies;
//!   the lead is measured and printed. With the kill switch
//!   (`RELIABILITY_ENGINE_ENABLED=false`) the same service dies.
//! - a flood of duplicate, related and malformed events (kcat) triggers at
//!   most what the policy allows, the malformed ones go to the dead-letter
//!   topic, and a remediator killed mid-flood and restarted repeats no
//!   action; the audit log's chain verifies, and a tampered line is named.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use forewarn_e2e::{forewarn, forewarn_bin, workspace_root};

mod common;
use common::{
    ScorerProcess, default_pipeline, kcat_binary, kcat_consume, kcat_produce, start_tansu, wait_for,
};

fn leaky_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_leaky_service"))
}

/// A `forewarn remediate` process, killed when dropped.
struct Remediator {
    child: Child,
}

impl Drop for Remediator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn remediator(
    brokers: &str,
    pipeline: &Path,
    policy: &Path,
    audit: &Path,
    log: &Path,
    group: &str,
    kill_switch: bool,
) -> Remediator {
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let mut cmd = Command::new(forewarn_bin());
    cmd.args([
        "remediate",
        "--brokers",
        brokers,
        "--create-topics",
        "3",
        "--log",
        "info",
    ])
    .args(["--group", group])
    .arg("--pipeline")
    .arg(pipeline)
    .arg("--policy")
    .arg(policy)
    .arg("--audit")
    .arg(audit)
    .current_dir(workspace_root())
    .stdout(Stdio::null())
    .stderr(stderr);
    if kill_switch {
        cmd.env("RELIABILITY_ENGINE_ENABLED", "false");
    } else {
        cmd.env_remove("RELIABILITY_ENGINE_ENABLED");
    }
    Remediator {
        child: cmd.spawn().expect("start forewarn remediate"),
    }
}

fn audit_entries(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Run the leaking service against a scorer and a remediator on
/// `PREFIX.*` topics; returns its status lines and the audit entries.
fn leak_scenario(
    broker: &str,
    kcat: &Path,
    dir: &Path,
    prefix: &str,
    kill_switch: bool,
) -> (String, Vec<serde_json::Value>) {
    let pipeline = default_pipeline(dir, prefix);
    let scorer = ScorerProcess::start(
        broker,
        &pipeline,
        &format!("{prefix}-scorer"),
        dir.join(format!("{prefix}-scorer.log")),
    );
    scorer.wait_partitions(3.0, Duration::from_secs(60));
    let policy = dir.join(format!("{prefix}-policy.yaml"));
    std::fs::write(
        &policy,
        format!(
            r#"version: 1
mode: live
verify_within: 1m
actions:
  restart: {{ command: ["touch", "{}/{prefix}-restart-{{service}}"], timeout: 5s }}
services:
  leaky:
    enabled: true
    chains:
      memory_exhaustion: [restart]
"#,
            dir.display()
        ),
    )
    .unwrap();
    let audit = dir.join(format!("{prefix}-audit.jsonl"));
    let _rem = remediator(
        broker,
        &pipeline,
        &policy,
        &audit,
        &dir.join(format!("{prefix}-remediate.log")),
        &format!("{prefix}-remediator"),
        kill_switch,
    );
    std::thread::sleep(Duration::from_secs(2)); // let it join its group
    let status = dir.join(format!("{prefix}-status.txt"));
    let mut service = Command::new(leaky_bin())
        .args([
            "--service",
            "leaky",
            "--limit-mb",
            "300",
            "--leak-mb",
            "1",
            "--tick-ms",
            "30",
            "--minutes",
            "420",
        ])
        .arg("--restart-file")
        .arg(dir.join(format!("{prefix}-restart-leaky")))
        .arg("--status")
        .arg(&status)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut shipper = Command::new(kcat)
        .args([
            "-P",
            "-b",
            broker,
            "-t",
            &format!("{prefix}.metrics"),
            "-K",
            "\t",
            "-X",
            "linger.ms=1",
        ])
        .stdin(service.stdout.take().unwrap())
        .spawn()
        .unwrap();
    let code = service.wait().unwrap();
    let _ = shipper.wait();
    std::thread::sleep(Duration::from_secs(2)); // last outcomes
    let text = std::fs::read_to_string(&status).unwrap_or_default();
    eprintln!("{prefix}: service exited with {code}; status:\n{text}");
    (text, audit_entries(&audit))
}

#[test]
fn a_leaking_service_is_restarted_before_it_dies_unless_the_kill_switch_is_on() {
    let Some(broker) = start_tansu() else { return };
    let Some(kcat) = kcat_binary() else { return };
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-remediate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let (status, audit) = leak_scenario(&broker.addr, &kcat, &dir, "live", false);
    assert!(!status.contains("oom"), "the service died: {status}");
    let restart = status
        .lines()
        .find(|l| l.starts_with("restarted"))
        .unwrap_or_else(|| panic!("never restarted: {status}\naudit: {audit:?}"));
    let left: f64 = restart
        .rsplit("minutes_left=")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    eprintln!(
        "MEASURED: restarted {left:.0} simulated minutes ({:.1} s at 30 ms per minute) before the OOM",
        left * 0.03
    );
    assert!(left >= 10.0, "restarted too late: {restart}");
    let phases: Vec<&str> = audit.iter().map(|e| e["phase"].as_str().unwrap()).collect();
    assert!(
        phases.contains(&"started") && phases.contains(&"finished"),
        "{phases:?}"
    );
    assert!(
        audit
            .iter()
            .any(|e| e["phase"] == "finished" && e["outcome"]["result"] == "succeeded"),
        "{audit:?}"
    );

    let (status, audit) = leak_scenario(&broker.addr, &kcat, &dir, "off", true);
    assert!(
        status.contains("oom"),
        "with the kill switch on, nothing should restart it: {status}"
    );
    assert!(!status.contains("restarted"));
    assert!(
        audit.iter().any(|e| e["phase"] == "skipped"
            && e["outcome"]["detail"]
                .as_str()
                .unwrap()
                .contains("kill switch")),
        "{audit:?}"
    );
    assert!(!audit.iter().any(|e| e["phase"] == "started"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn event(id: &str, service: &str, status: &str) -> String {
    format!(
        "{service}\t{{\"schema_version\":1,\"id\":\"{id}\",\"revision\":0,\"status\":\"{status}\",\"kind\":\"memory_exhaustion\",\"service\":\"{service}\",\"instance\":\"{service}-0\",\"severity\":\"critical\",\"probability\":0.95,\"detected_at\":\"2027-01-01T00:00:00Z\",\"opened_at\":\"2027-01-01T00:00:00Z\",\"horizon_s\":7200.0,\"evidence\":[],\"model\":{{\"name\":\"t\",\"version\":\"1\"}}}}"
    )
}

#[test]
fn a_flood_acts_at_most_as_allowed_and_a_restart_repeats_nothing() {
    let Some(broker) = start_tansu() else { return };
    let Some(kcat) = kcat_binary() else { return };
    let b = broker.addr.as_str();
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-flood-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pipeline = default_pipeline(&dir, "f");
    let actions = dir.join("actions.log");
    let policy = dir.join("policy.yaml");
    std::fs::write(
        &policy,
        format!(
            r#"version: 1
mode: live
cooldown: 10m
max_actions: 5
actions:
  restart: {{ command: ["{}", "record", "--hold-ms", "2000", "{}", "{{service}}", "{{issue_id}}"], timeout: 10s }}
services:
  "*":
    enabled: true
    chains:
      memory_exhaustion: [restart]
"#,
            leaky_bin().display(),
            actions.display()
        ),
    )
    .unwrap();
    let audit = dir.join("audit.jsonl");
    let log = dir.join("remediate.log");
    let count = || {
        std::fs::read_to_string(&actions)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    let mut first = remediator(b, &pipeline, &policy, &audit, &log, "flood", false);
    // Part 1: the same incident 50 times, 50 related incidents of the same
    // service and kind, 20 malformed events.
    let mut part1 = Vec::new();
    for i in 0..50 {
        part1.push(event(
            "incident-a",
            "api",
            if i % 2 == 0 { "open" } else { "updated" },
        ));
        part1.push(event(&format!("related-{i}"), "api", "open"));
    }
    for i in 0..20 {
        part1.push(format!("api\t{{\"not\": \"an event\", \"n\": {i}}}"));
    }
    kcat_produce(&kcat, &dir, b, "f.predictions", &part1);
    wait_for("the first action", Duration::from_secs(60), || count() >= 1);
    // Killed mid-flood, restarted, while the first action still runs (it
    // holds 2 s after leaving its trace): its result is unknown, so the
    // restart records it as interrupted and does not run it again.
    let _ = first.child.kill();
    let _ = first.child.wait();
    let _second = remediator(b, &pipeline, &policy, &audit, &log, "flood", false);
    let mut part2 = Vec::new();
    for i in 0..50 {
        part2.push(event("incident-a", "api", "open"));
        part2.push(event(&format!("related-b{i}"), "api", "open"));
    }
    part2.push(event("incident-w", "web", "open"));
    kcat_produce(&kcat, &dir, b, "f.predictions", &part2);
    wait_for("the web action", Duration::from_secs(60), || count() >= 2);
    std::thread::sleep(Duration::from_secs(3)); // anything else would show by now
    let lines = std::fs::read_to_string(&actions).unwrap();
    assert_eq!(
        lines.lines().collect::<Vec<_>>(),
        vec!["api incident-a", "web incident-w"],
        "one action per service: duplicates de-duplicated, related events in cooldown, nothing repeated after the restart"
    );
    // Malformed events: in the dead-letter topic with their reason.
    let dead = kcat_consume(&kcat, b, "f.dead-letter");
    // Each malformed event is there (at least once: those read again after
    // the kill, before their offsets were committed, are there twice).
    let sources: std::collections::BTreeSet<String> = dead
        .iter()
        .map(|d| {
            let h = d["headers"].as_array().unwrap();
            let at = h
                .iter()
                .position(|x| x == "forewarn.source.offset")
                .unwrap();
            h[at + 1].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(sources.len(), 20, "{sources:?}");
    assert!(dead.iter().all(|d| {
        d["headers"]
            .to_string()
            .contains("not a predicted-issue event")
    }));
    // Every decision is also a remediation-outcome event.
    let outcomes: Vec<serde_json::Value> = kcat_consume(&kcat, b, "f.remediation-outcomes")
        .iter()
        .map(|r| serde_json::from_str(r["payload"].as_str().unwrap()).unwrap())
        .collect();
    // Each action ran has one finished outcome: the one the kill cut
    // short is interrupted (recorded at the restart), the other succeeded.
    let finished: Vec<(&str, &str)> = outcomes
        .iter()
        .filter(|o| o["mode"] == "live" && o["verified"].is_null())
        .filter(|o| o["result"] == "succeeded" || o["result"] == "interrupted")
        .map(|o| {
            (
                o["issue_id"].as_str().unwrap(),
                o["result"].as_str().unwrap(),
            )
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        finished,
        vec![("incident-a", "interrupted"), ("incident-w", "succeeded")],
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .any(|o| o["result"] == "skipped" && o["detail"].as_str().unwrap().contains("cooldown")),
        "{outcomes:?}"
    );
    // The audit chain verifies; a tampered line is named.
    let o = forewarn(&["audit", "verify", audit.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let text = std::fs::read_to_string(&audit).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(lines.len() >= 4, "{text}");
    lines[2] = lines[2].replace("api", "apx");
    let tampered = dir.join("tampered.jsonl");
    std::fs::write(&tampered, lines.join("\n") + "\n").unwrap();
    let o = forewarn(&["audit", "verify", tampered.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("tampered.jsonl:3:"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
