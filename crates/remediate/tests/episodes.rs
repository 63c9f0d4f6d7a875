//! Acting on causes and on advice, on a fake clock: the members of an
//! episode of the fleet correlator are not remediated one by one — the
//! episode's action is taken once, on its root cause, and each member is
//! recorded as covered by it (also after a restart); without an action on
//! the root, or without an episode, members are handled alone. Optimization
//! advice (`scale_up_ahead`) becomes a scale action, shadow by default,
//! under the same cooldown, rate limit, kill switch and audit, also
//! through the Kafka runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{
    EpisodeMember, EpisodeRef, IssueKind, IssueStatus, OptimizationEvent, OptimizationKind,
    PredictedIssue, RecommendedAction, RemediationOutcome,
};
use forewarn_kafka::{MemoryBroker, MemorySink, MemorySource};
use forewarn_remediate::audit::{self, AuditLog, Phase};
use forewarn_remediate::episode::Gate;
use forewarn_remediate::runtime::{self, Options};
use forewarn_remediate::{Policy, Remediator, Step};

mod common;

const EPISODES: &str = r#"
version: 1
mode: live
cooldown: 10m
max_actions: 10
window: 1h
episodes: { hold: 45m }
actions:
  restart: { command: ["true"], timeout: 5s }
services:
  db: { enabled: true, chains: { memory_exhaustion: [restart] } }
  api: { enabled: true, chains: { memory_exhaustion: [restart] } }
  gateway: { enabled: true, chains: { memory_exhaustion: [restart] } }
"#;

fn t0() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap()
}

fn mins(m: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(m)
}

fn member(service: &str) -> PredictedIssue {
    common::memory_issue(&format!("i-{service}"), service, IssueStatus::Open, t0())
}

/// The correlator's cascading_failure issue for db ← api ← gateway.
fn cascade(root: &str) -> PredictedIssue {
    let mut c = common::memory_issue("c-1", root, IssueStatus::Open, t0());
    c.kind = IssueKind::CascadingFailure;
    c.root_cause_service = Some(root.into());
    c.episode = Some(Box::new(EpisodeRef {
        id: "e-1".into(),
        root_cause_service: root.into(),
        members: ["db", "api", "gateway"]
            .iter()
            .map(|s| EpisodeMember {
                id: format!("i-{s}"),
                service: (*s).into(),
                kind: "memory_exhaustion".into(),
                onset: t0(),
                observed: false,
            })
            .collect(),
    }));
    c
}

fn executed(steps: &[Step]) -> Vec<(String, String, RecommendedAction)> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Execute(p) => Some((p.issue.id.clone(), p.issue.service.clone(), p.action)),
            _ => None,
        })
        .collect()
}

/// The ids of the issues held (their `held` lines).
fn held(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Hold { issue, .. } => Some(issue.id.clone()),
            _ => None,
        })
        .collect()
}

fn skipped(steps: &[Step]) -> Vec<(String, String)> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Record {
                phase: Phase::Skipped,
                outcome,
                ..
            } => Some((outcome.issue_id.clone(), outcome.detail.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn an_episode_is_acted_on_once_with_its_members_recorded_as_covered() {
    let policy = Policy::parse(EPISODES).unwrap();
    let mut engine = Remediator::new(policy.clone(), true);
    let mut gate = Gate::new(&policy);
    for s in ["db", "api", "gateway"] {
        let steps = gate.on_event(&mut engine, &member(s), mins(1));
        assert_eq!(
            held(&steps),
            [format!("i-{s}")],
            "a held line, nothing else"
        );
        assert_eq!(steps.len(), 1);
    }
    assert!(
        gate.on_event(&mut engine, &member("api"), mins(2))
            .is_empty(),
        "held once"
    );
    assert_eq!(gate.held(), 3);
    let steps = gate.on_event(&mut engine, &cascade("db"), mins(31));
    assert_eq!(
        executed(&steps),
        [(
            "c-1".to_string(),
            "db".to_string(),
            RecommendedAction::Restart
        )],
        "one action, on the root"
    );
    let covered = skipped(&steps);
    let ids: Vec<&str> = covered.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(ids, ["i-db", "i-api", "i-gateway"]);
    assert!(covered.iter().all(
        |(_, d)| d.contains("covered by episode e-1") && d.contains("restart on root cause db")
    ));
    assert_eq!(gate.held(), 0);
    // Nothing more: not when the holds would have run out, not for a
    // repeated episode, not for a member's update.
    assert!(gate.tick(&mut engine, mins(120)).is_empty());
    assert!(executed(&gate.on_event(&mut engine, &cascade("db"), mins(32))).is_empty());
    let mut update = member("api");
    update.status = IssueStatus::Updated;
    update.revision = 1;
    assert!(gate.on_event(&mut engine, &update, mins(33)).is_empty());

    // The members are in the audit log: a restarted remediator does not act
    // on them when their events are read again.
    let dir = std::env::temp_dir().join(format!("forewarn-episodes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let (mut log, _) = AuditLog::open(&path).unwrap();
    for s in &steps {
        if let Step::Record {
            phase,
            kind,
            step,
            outcome,
        } = s
        {
            log.append(*phase, *kind, *step, outcome).unwrap();
        }
    }
    drop(log);
    let lines = audit::read(&path).unwrap();
    let mut again = Remediator::new(policy.clone(), true);
    again.restore(&lines);
    let mut gate = Gate::new(&Policy {
        episodes: None,
        ..policy
    });
    for s in ["db", "api", "gateway"] {
        assert!(executed(&gate.on_event(&mut again, &member(s), mins(40))).is_empty());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_an_action_on_the_root_the_members_stand_alone() {
    let text = EPISODES.replace(
        "  db: { enabled: true, chains: { memory_exhaustion: [restart] } }\n",
        "",
    );
    let policy = Policy::parse(&text).unwrap();
    let mut engine = Remediator::new(policy.clone(), true);
    let mut gate = Gate::new(&policy);
    for s in ["db", "api", "gateway"] {
        gate.on_event(&mut engine, &member(s), mins(1));
    }
    let steps = gate.on_event(&mut engine, &cascade("db"), mins(31));
    let services: Vec<String> = executed(&steps).into_iter().map(|e| e.1).collect();
    assert_eq!(services, ["api", "gateway"]);
    assert!(
        skipped(&steps)
            .iter()
            .any(|(i, d)| i == "i-db" && d.contains("no chain"))
    );
}

#[test]
fn an_issue_no_episode_claims_is_acted_on_alone_when_its_hold_ends() {
    let policy = Policy::parse(EPISODES).unwrap();
    let mut engine = Remediator::new(policy.clone(), true);
    let mut gate = Gate::new(&policy);
    assert_eq!(
        held(&gate.on_event(&mut engine, &member("api"), mins(0))),
        ["i-api"]
    );
    assert!(gate.tick(&mut engine, mins(44)).is_empty());
    let steps = gate.tick(&mut engine, mins(45));
    assert_eq!(executed(&steps).len(), 1);
    // Cleared while held: never acted on.
    gate.on_event(&mut engine, &member("gateway"), mins(50));
    let mut resolved = member("gateway");
    resolved.status = IssueStatus::Resolved;
    let cleared = skipped(&gate.on_event(&mut engine, &resolved, mins(51)));
    assert_eq!(cleared.len(), 1, "{cleared:?}");
    assert!(cleared[0].0 == "i-gateway" && cleared[0].1.contains("cleared while held"));
    assert!(gate.tick(&mut engine, mins(200)).is_empty());
}

const ADVICE: &str = r#"
version: 1
MODE
cooldown: 10m
max_actions: 2
window: 1h
actions:
  scale: { kafka: { topic: ops.commands }, timeout: 5s }
optimizations:
  scale_up_ahead: [scale]
services:
  "*": { enabled: true }
"#;

fn advice(id: &str, service: &str, kind: OptimizationKind) -> OptimizationEvent {
    OptimizationEvent {
        schema_version: 1,
        id: id.into(),
        ts: t0(),
        service: service.into(),
        kind,
        rationale: "memory grows 2%/h; the limit is reached in 20 h".into(),
        expected_effect: "no OOM kill".into(),
    }
}

fn on_advice(
    engine: &mut Remediator,
    gate: &mut Gate,
    e: &OptimizationEvent,
    at: DateTime<Utc>,
) -> Vec<Step> {
    gate.on_event(engine, &forewarn_remediate::optimization::as_issue(e), at)
}

#[test]
fn scale_up_ahead_is_a_scale_shadow_by_default_under_cooldown_rate_limit_and_kill_switch() {
    use OptimizationKind::{OverProvisioned, ScaleUpAhead};
    // Shadow by default.
    let shadow = Policy::parse(&ADVICE.replace("MODE", "")).unwrap();
    let (mut engine, mut gate) = (Remediator::new(shadow.clone(), true), Gate::new(&shadow));
    let steps = on_advice(
        &mut engine,
        &mut gate,
        &advice("o-1", "api", ScaleUpAhead),
        mins(0),
    );
    assert!(executed(&steps).is_empty());
    let s = skipped(&steps);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0, "o-1");
    assert!(
        s[0].1.contains("optimization scale_up_ahead")
            && s[0].1.contains("shadow mode: would scale api"),
        "{s:?}"
    );

    // Live: a scale, then the cooldown, then the rate limit.
    let live = Policy::parse(&ADVICE.replace("MODE", "mode: live")).unwrap();
    let (mut engine, mut gate) = (Remediator::new(live.clone(), true), Gate::new(&live));
    let steps = on_advice(
        &mut engine,
        &mut gate,
        &advice("o-1", "api", ScaleUpAhead),
        mins(0),
    );
    assert_eq!(
        executed(&steps),
        [(
            "o-1".to_string(),
            "api".to_string(),
            RecommendedAction::Scale
        )]
    );
    let again = on_advice(
        &mut engine,
        &mut gate,
        &advice("o-1", "api", ScaleUpAhead),
        mins(1),
    );
    assert!(again.is_empty(), "the same advice twice is one");
    let steps = on_advice(
        &mut engine,
        &mut gate,
        &advice("o-2", "api", ScaleUpAhead),
        mins(2),
    );
    assert!(
        skipped(&steps)[0].1.contains("cooldown"),
        "{:?}",
        skipped(&steps)
    );
    let steps = on_advice(
        &mut engine,
        &mut gate,
        &advice("o-3", "db", ScaleUpAhead),
        mins(3),
    );
    assert_eq!(executed(&steps).len(), 1);
    let steps = on_advice(
        &mut engine,
        &mut gate,
        &advice("o-4", "web", ScaleUpAhead),
        mins(4),
    );
    assert!(
        skipped(&steps)[0].1.contains("rate limit"),
        "{:?}",
        skipped(&steps)
    );
    // A kind without a chain is recorded, not acted on.
    let steps = on_advice(
        &mut engine,
        &mut gate,
        &advice("o-5", "api", OverProvisioned),
        mins(5),
    );
    assert!(executed(&steps).is_empty() && skipped(&steps)[0].1.contains("no chain"));

    // Kill switch.
    let (mut engine, mut gate) = (Remediator::new(live.clone(), false), Gate::new(&live));
    let steps = on_advice(
        &mut engine,
        &mut gate,
        &advice("o-1", "api", ScaleUpAhead),
        mins(0),
    );
    assert!(executed(&steps).is_empty());
    assert!(skipped(&steps)[0].1.contains("kill switch"));

    // An action the chain names needs an entry under `actions`.
    let bad = ADVICE.replace("MODE", "").replace(
        "scale_up_ahead: [scale]",
        "scale_up_ahead: [scale, restart]",
    );
    let bad = bad.replace("optimizations:\n", "optimizations:\n  bogus: [scale]\n");
    let problems = Policy::parse(&bad).unwrap_err().0;
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("optimizations.bogus: unknown kind")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("optimizations.scale_up_ahead[1]")),
        "{problems:?}"
    );
}

#[test]
fn the_runtime_reads_optimization_events_and_audits_their_actions() {
    let dir = std::env::temp_dir().join(format!("forewarn-advice-rt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let b = MemoryBroker::new();
    for t in ["p", "opt", "outcomes", "dead", "ops.commands"] {
        b.create_topic(t, 1);
    }
    let mut e = advice("o-9", "api", OptimizationKind::ScaleUpAhead);
    e.ts = Utc::now();
    b.produce("opt", b"api", &serde_json::to_vec(&e).unwrap(), Vec::new());
    let opts = Options {
        brokers: "memory".into(),
        group: "rem".into(),
        client: Vec::new(),
        predictions: "p".into(),
        optimizations: Some("opt".into()),
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
        let policy = Policy::parse(&ADVICE.replace("MODE", "mode: live")).unwrap();
        let (opts, stop) = (opts.clone(), Arc::clone(&stop));
        std::thread::spawn(move || runtime::run_on(source, sink, policy, opts, stop))
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while b.records("ops.commands").is_empty() {
        assert!(Instant::now() < deadline, "no scale command");
        std::thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    let counts = run.join().unwrap().unwrap();
    assert_eq!(counts.executed, 1, "{counts:?}");
    let lines = audit::read(&opts.audit).unwrap();
    assert!(lines.iter().any(|l| l.phase == Phase::Started
        && l.outcome.issue_id == "o-9"
        && l.outcome.action == RecommendedAction::Scale));
    let outcomes: Vec<RemediationOutcome> = b
        .records("outcomes")
        .iter()
        .map(|r| serde_json::from_slice(&r.payload).unwrap())
        .collect();
    assert!(outcomes.iter().any(|o| o.issue_id == "o-9"));
    assert!(b.records("dead").is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
