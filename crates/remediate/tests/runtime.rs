//! The remediator's runtime ([`runtime::run_on`]) on the in-memory broker,
//! no broker process: a predicted issue in → its decisions in the audit
//! log and as remediation outcomes on their topic, the action executed
//! and its offset committed; a malformed event → the dead-letter topic
//! with its bytes, source and reason.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use forewarn_core::contracts::{ActionResult, IssueStatus, PredictedIssue, RemediationOutcome};
use forewarn_kafka::{MemoryBroker, MemorySink, MemorySource};
use forewarn_remediate::audit::Phase;
use forewarn_remediate::runtime::{self, Options};
use forewarn_remediate::{Policy, audit};

mod common;

const POLICY: &str = r#"
version: 1
mode: live
cooldown: 10m
max_actions: 3
window: 1h
circuit_breaker: { failures: 2, open_for: 30m }
verify_within: 5m
actions:
  restart: { command: ["true"], timeout: 5s }
services:
  api:
    enabled: true
    chains:
      memory_exhaustion: [restart]
"#;

fn issue(id: &str) -> PredictedIssue {
    common::memory_issue(id, "api", IssueStatus::Open, Utc::now())
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn events_in_audit_lines_and_outcomes_out_malformed_to_dead_letters() {
    let dir = std::env::temp_dir().join(format!("forewarn-remediate-rt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let b = MemoryBroker::new();
    for t in ["p", "outcomes", "dead"] {
        b.create_topic(t, 2);
    }
    let event = serde_json::to_vec(&issue("i-1")).unwrap();
    b.produce("p", b"api", &event, Vec::new());
    let (bad_p, bad_o) = b.produce("p", b"api", b"{not an event", Vec::new());

    let opts = Options {
        brokers: "memory".into(),
        group: "rem".into(),
        client: Vec::new(),
        predictions: "p".into(),
        optimizations: None,
        outcomes: "outcomes".into(),
        dead_letter: "dead".into(),
        audit: dir.join("audit.jsonl"),
        enabled: true,
        switch: None,
        audit_key: None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let run = {
        let source = Box::new(MemorySource::new(&b, "rem"));
        let sink = Arc::new(MemorySink::new(&b));
        let policy = Policy::parse(POLICY).unwrap();
        let (opts, stop) = (opts.clone(), Arc::clone(&stop));
        std::thread::spawn(move || runtime::run_on(source, sink, policy, opts, stop))
    };
    let outcomes = || -> Vec<RemediationOutcome> {
        b.records("outcomes")
            .iter()
            .map(|r| serde_json::from_slice(&r.payload).unwrap())
            .collect()
    };
    wait_for("the action's result", || {
        outcomes()
            .iter()
            .any(|o| o.result == ActionResult::Succeeded)
    });
    wait_for("the dead letter", || !b.records("dead").is_empty());
    stop.store(true, Ordering::Relaxed);
    let counts = run.join().unwrap().unwrap();
    assert_eq!((counts.events, counts.executed), (1, 1), "{counts:?}");

    // Every decision is in the audit log (a valid chain), and published.
    let lines = audit::read(&opts.audit).unwrap();
    assert!(lines.len() >= 2, "{lines:?}");
    assert_eq!(
        audit::verify(&opts.audit).unwrap().entries,
        lines.len() as u64
    );
    let published = outcomes();
    assert!(published.iter().all(|o| o.issue_id == "i-1"));
    // `queued` lines are the log's own (written before the action waits
    // for a slot): every other line is an outcome, published.
    let phases: Vec<Phase> = lines.iter().map(|e| e.phase).collect();
    assert_eq!(
        &phases[..2],
        &[Phase::Queued, Phase::Started],
        "queued before started"
    );
    assert!(lines[0].issue.as_ref().is_some_and(|i| i.id == "i-1"));
    assert!(published.len() >= lines.len() - 1);

    // The malformed event: its bytes, where it came from, and why.
    let dead = b.records("dead");
    assert_eq!(dead.len(), 1);
    let d = &dead[0];
    assert_eq!(d.payload, b"{not an event");
    let header = |k: &str| String::from_utf8(d.header(k).unwrap().to_vec()).unwrap();
    assert_eq!(header("forewarn.source.topic"), "p");
    assert_eq!(header("forewarn.source.partition"), bad_p.to_string());
    assert_eq!(header("forewarn.source.offset"), bad_o.to_string());
    assert!(header("forewarn.reason").contains("not a predicted-issue event"));

    // Both events are done with: their offsets are committed.
    assert!(b.caught_up("rem", "p"), "{:?}", b.committed("rem", "p"));
    let _ = std::fs::remove_dir_all(&dir);
}
