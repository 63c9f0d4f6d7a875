//! The kill switch held live, and actions remembered while they wait, on
//! the in-memory broker and a fake clock:
//! - a flip of the control topic reaches a running remediator: a `control`
//!   line in the audit log (who, when, why, before and after); an action
//!   waiting for a slot is abandoned with the reason; a new issue is
//!   skipped, naming who disabled actions; after `enable` it acts again;
//! - restored from the audit log, an action queued but never started is
//!   resumed (recently queued) or abandoned as stale (queued long ago),
//!   and an action that succeeded but was never verified is watched
//!   again, so its chain still escalates.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_control::LiveSwitch;
use forewarn_core::contracts::{
    ActionResult, ControlMessage, IssueStatus, PredictedIssue, RecommendedAction, SwitchState,
};
use forewarn_kafka::{MemoryBroker, MemorySink, MemorySource};
use forewarn_remediate::audit::{self, AuditLog, Entry, Extra, Phase};
use forewarn_remediate::executor::{Execution, Outcome};
use forewarn_remediate::runtime::{self, Options};
use forewarn_remediate::{Policy, Remediator, Step};

mod common;

const POLICY: &str = r#"
version: 1
mode: live
cooldown: 10m
max_actions: 10
window: 1h
concurrency: 1
verify_within: 5m
actions:
  restart: { command: ["sleep", "1"], timeout: 5s }
  notify: { command: ["true"], timeout: 5s }
services:
  "*":
    enabled: true
    chains:
      memory_exhaustion: [restart, notify]
"#;

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn flip(id: &str, state: SwitchState) -> ControlMessage {
    ControlMessage {
        schema_version: 1,
        id: id.into(),
        ts: Utc::now(),
        state,
        by: "ops@bastion".into(),
        reason: "incident 7".into(),
        previous: None,
    }
}

fn lines(path: &std::path::Path) -> Vec<Entry> {
    audit::read(path).unwrap_or_default()
}

fn of(lines: &[Entry], issue: &str, phase: Phase) -> Option<Entry> {
    lines
        .iter()
        .find(|e| e.outcome.issue_id == issue && e.phase == phase)
        .cloned()
}

#[test]
fn a_flip_reaches_a_running_remediator_and_is_audited() {
    let dir = std::env::temp_dir().join(format!("forewarn-live-switch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let b = MemoryBroker::new();
    for t in ["p", "outcomes", "dead"] {
        b.create_topic(t, 1);
    }
    let switch = LiveSwitch::following(true);
    switch.mark_read();
    let opts = Options {
        brokers: "memory".into(),
        group: "rem".into(),
        client: Vec::new(),
        predictions: "p".into(),
        optimizations: None,
        outcomes: "outcomes".into(),
        dead_letter: "dead".into(),
        audit: path.clone(),
        enabled: true,
        switch: Some(switch.clone()),
        audit_key: None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let run = {
        let source = Box::new(MemorySource::new(&b, "rem"));
        let sink = Arc::new(MemorySink::new(&b));
        let policy = Policy::parse(POLICY).unwrap();
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || runtime::run_on(source, sink, policy, opts, stop))
    };
    let send = |id: &str, service: &str| {
        let i = common::memory_issue(id, service, IssueStatus::Open, Utc::now());
        b.produce(
            "p",
            service.as_bytes(),
            &serde_json::to_vec(&i).unwrap(),
            Vec::new(),
        );
    };
    // One slot: `a` runs (a second), `b` waits for it.
    send("a", "api");
    send("b", "web");
    wait_for("b queued", || {
        of(&lines(&path), "b", Phase::Queued).is_some()
    });
    assert!(of(&lines(&path), "b", Phase::Started).is_none());
    switch.apply(flip("off-1", SwitchState::Disabled), false);
    wait_for("the control line", || {
        of(&lines(&path), "control:off-1", Phase::Control).is_some()
    });
    let c = of(&lines(&path), "control:off-1", Phase::Control).unwrap();
    let rec = c.control.unwrap();
    assert_eq!(rec.message.by, "ops@bastion");
    assert_eq!(rec.message.reason, "incident 7");
    assert!(rec.was_enabled && !rec.enabled);
    wait_for("b abandoned", || {
        of(&lines(&path), "b", Phase::Skipped).is_some()
    });
    let b_skip = of(&lines(&path), "b", Phase::Skipped).unwrap();
    assert!(
        b_skip
            .outcome
            .detail
            .starts_with("abandoned while queued: kill switch"),
        "{}",
        b_skip.outcome.detail
    );
    assert!(
        of(&lines(&path), "b", Phase::Started).is_none(),
        "never started"
    );
    send("c", "db");
    wait_for("c skipped", || {
        of(&lines(&path), "c", Phase::Skipped).is_some()
    });
    let detail = of(&lines(&path), "c", Phase::Skipped)
        .unwrap()
        .outcome
        .detail;
    assert!(
        detail.contains("disabled on the control topic by ops@bastion"),
        "{detail}"
    );
    switch.apply(flip("on-1", SwitchState::Enabled), false);
    wait_for("the second control line", || {
        of(&lines(&path), "control:on-1", Phase::Control).is_some()
    });
    send("d", "cache");
    wait_for("d started", || {
        of(&lines(&path), "d", Phase::Started).is_some()
    });
    stop.store(true, Ordering::Relaxed);
    run.join().unwrap().unwrap();
    // `a` ran to its end, untouched by the switch (it had started).
    assert!(of(&lines(&path), "a", Phase::Finished).is_some());
    // Control lines are the log's own: not published as outcomes.
    assert!(
        b.records("outcomes")
            .iter()
            .all(|r| { !String::from_utf8_lossy(&r.payload).contains("control:") })
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn t0() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap()
}

/// An audit log at a fresh path holding what `r` recorded of `issue`,
/// up to and including the line `until` returns true for.
fn log_of(name: &str, steps: &[(Phase, &Step, Option<&PredictedIssue>)]) -> Vec<Entry> {
    let dir = std::env::temp_dir().join(format!("forewarn-queued-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let (mut log, _) = AuditLog::open(&path).unwrap();
    for (phase, step, issue) in steps {
        let Step::Record {
            kind,
            step,
            outcome,
            ..
        } = step
        else {
            panic!("{step:?}")
        };
        let extra = Extra {
            issue: issue.cloned(),
            control: None,
        };
        log.append_entry(*phase, *kind, *step, outcome, extra)
            .unwrap();
    }
    drop(log);
    let (_, past) = AuditLog::open(&path).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    past
}

/// The `Queued` line the runtime writes for `p`, as a step.
fn queued_line(r: &Remediator, p: &forewarn_remediate::engine::Planned) -> Step {
    Step::Record {
        phase: Phase::Queued,
        kind: p.issue.kind,
        step: p.step,
        outcome: r.queued(p),
    }
}

#[test]
fn a_queued_action_is_resumed_after_a_restart_or_abandoned_when_stale() {
    let policy = Policy::parse(POLICY).unwrap();
    let mut r = Remediator::new(policy.clone(), true);
    let issue = common::memory_issue("q", "api", IssueStatus::Open, t0());
    let steps = r.on_event(&issue, t0());
    let Some(Step::Execute(p)) = steps.first() else {
        panic!("{steps:?}")
    };
    // SIGKILL while it waited: only its Queued line is on disk.
    let past = log_of(
        "resume",
        &[(Phase::Queued, &queued_line(&r, p), Some(&issue))],
    );
    let mut again = Remediator::new(policy.clone(), true);
    let steps = again.restore_at(&past, t0() + TimeDelta::minutes(1));
    match steps.as_slice() {
        [Step::Resume(q)] => {
            assert_eq!(
                (q.issue.id.as_str(), q.action),
                ("q", RecommendedAction::Restart)
            );
            assert_eq!(q.at, t0(), "planned when it was queued");
        }
        other => panic!("expected a resume: {other:?}"),
    }
    // The same issue read again is a duplicate: not planned twice.
    assert!(
        again
            .on_event(&issue, t0() + TimeDelta::minutes(1))
            .is_empty()
    );

    let mut late = Remediator::new(policy.clone(), true);
    let steps = late.restore_at(&past, t0() + TimeDelta::minutes(6));
    match steps.as_slice() {
        [
            Step::Record {
                phase: Phase::Skipped,
                outcome,
                ..
            },
        ] => {
            assert!(outcome.detail.contains("stale"), "{}", outcome.detail);
            assert_eq!(outcome.result, ActionResult::Skipped);
        }
        other => panic!("expected an abandonment: {other:?}"),
    }

    // Started after it was queued: nothing to resume (the Started line
    // closes it; it is reported interrupted instead).
    let started = r.started(p);
    let past = log_of(
        "started",
        &[
            (Phase::Queued, &queued_line(&r, p), Some(&issue)),
            (Phase::Started, &started, None),
        ],
    );
    let steps = Remediator::new(policy, true).restore_at(&past, t0());
    assert!(
        matches!(
            steps.as_slice(),
            [Step::Record { phase: Phase::Finished, outcome, .. }] if outcome.result == ActionResult::Interrupted
        ),
        "{steps:?}"
    );
}

#[test]
fn a_verification_pending_at_a_restart_still_escalates() {
    let policy = Policy::parse(POLICY).unwrap();
    let mut r = Remediator::new(policy.clone(), true);
    let issue = common::memory_issue("v", "api", IssueStatus::Open, t0());
    let steps = r.on_event(&issue, t0());
    let Some(Step::Execute(p)) = steps.first() else {
        panic!("{steps:?}")
    };
    let ex = Execution {
        outcome: Outcome::Succeeded,
        attempts: 1,
        duration: Duration::from_secs(2),
        detail: "ok".into(),
    };
    let finished = r.on_result(p, &ex, t0() + TimeDelta::seconds(2));
    assert_eq!(r.watching(), 1);
    let past = log_of(
        "verify",
        &[
            (Phase::Queued, &queued_line(&r, p), Some(&issue)),
            (Phase::Started, &r.started(p), None),
            (Phase::Finished, &finished[0], None),
        ],
    );
    let mut again = Remediator::new(policy, true);
    assert!(
        again
            .restore_at(&past, t0() + TimeDelta::seconds(3))
            .is_empty()
    );
    assert_eq!(again.watching(), 1, "the verification is pending again");
    assert!(
        again.tick(t0() + TimeDelta::minutes(4)).is_empty(),
        "not due yet"
    );
    let steps = again.tick(t0() + TimeDelta::minutes(6));
    assert!(
        matches!(
            &steps[0],
            Step::Record { phase: Phase::Verified, outcome, .. } if outcome.verified == Some(false)
        ),
        "{steps:?}"
    );
    assert!(
        matches!(&steps[1], Step::Execute(n) if n.action == RecommendedAction::Notify),
        "escalated: {steps:?}"
    );
}
