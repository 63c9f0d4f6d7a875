//! Issues held for their episode survive a restart, on a fake clock: the
//! gate's steps are written to a real audit log as the runtime writes
//! them (a `held` line with the issue before it waits), the log is read
//! back by a new remediator and gate, and each held issue is decided
//! exactly once: after the rest of its hold, at once when its hold ended
//! while the remediator was down, or covered by an episode already acted
//! on.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{
    EpisodeMember, EpisodeRef, IssueKind, IssueStatus, PredictedIssue, RecommendedAction,
};
use forewarn_remediate::audit::{self, AuditLog, Extra, Phase};
use forewarn_remediate::episode::Gate;
use forewarn_remediate::{Policy, Remediator, Step};

mod common;

const POLICY: &str = r#"
version: 1
mode: live
cooldown: 10m
max_actions: 10
window: 1h
episodes: { hold: 45m }
actions:
  restart: { command: ["true"], timeout: 5s }
services:
  "*": { enabled: true, chains: { memory_exhaustion: [restart] } }
"#;

fn mins(m: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap() + TimeDelta::minutes(m)
}

fn member(service: &str) -> PredictedIssue {
    common::memory_issue(&format!("i-{service}"), service, IssueStatus::Open, mins(0))
}

fn cascade() -> PredictedIssue {
    let mut c = common::memory_issue("c-1", "db", IssueStatus::Open, mins(0));
    c.kind = IssueKind::CascadingFailure;
    c.root_cause_service = Some("db".into());
    c.episode = Some(Box::new(EpisodeRef {
        id: "e-1".into(),
        root_cause_service: "db".into(),
        members: ["db", "api"]
            .iter()
            .map(|s| EpisodeMember {
                id: format!("i-{s}"),
                service: (*s).into(),
                kind: "memory_exhaustion".into(),
                onset: mins(0),
                observed: false,
            })
            .collect(),
    }));
    c
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let d = std::env::temp_dir().join(format!("forewarn-held-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Self(d)
    }

    fn log(&self) -> PathBuf {
        self.0.join("audit.jsonl")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Write `steps` as the runtime does (an executed action is its `queued`
/// line here: the crash comes before it starts).
fn write(path: &Path, engine: &Remediator, steps: &[Step]) {
    let (mut log, _) = AuditLog::open(path).unwrap();
    for s in steps {
        match s {
            Step::Record {
                phase,
                kind,
                step,
                outcome,
            } => {
                log.append(*phase, *kind, *step, outcome).unwrap();
            }
            Step::Execute(p) => {
                let extra = Extra {
                    issue: Some(p.issue.clone()),
                    control: None,
                };
                let o = engine.queued(p);
                log.append_entry(Phase::Queued, p.issue.kind, p.step, &o, extra)
                    .unwrap();
            }
            Step::Hold { issue, outcome } => {
                let extra = Extra {
                    issue: Some((**issue).clone()),
                    control: None,
                };
                log.append_entry(Phase::Held, issue.kind, 0, outcome, extra)
                    .unwrap();
            }
            Step::Resume(_) => {}
        }
    }
}

/// A remediator and gate started on the log at `now`, and what they did.
fn restart(path: &Path, now: DateTime<Utc>) -> (Remediator, Gate, Vec<Step>) {
    let policy = Policy::parse(POLICY).unwrap();
    let lines = audit::read(path).unwrap();
    let mut engine = Remediator::new(policy.clone(), true);
    let mut steps = engine.restore_at(&lines, now);
    let mut gate = Gate::new(&policy);
    steps.extend(gate.restore(&mut engine, &lines, now));
    (engine, gate, steps)
}

/// Actions decided (planned now).
fn executed(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Execute(p) => Some(p.issue.id.clone()),
            _ => None,
        })
        .collect()
}

/// Actions queued before the stop and queued again (the same action, not
/// a new one: its `queued` line is the one written before).
fn resumed(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Resume(p) => Some(p.issue.id.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_held_issue_is_held_again_after_a_restart_and_acted_on_once() {
    let dir = Dir::new("again");
    let policy = Policy::parse(POLICY).unwrap();
    let mut engine = Remediator::new(policy.clone(), true);
    let mut gate = Gate::new(&policy);
    let steps = gate.on_event(&mut engine, &member("api"), mins(0));
    write(&dir.log(), &engine, &steps);
    let lines = audit::read(&dir.log()).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].phase, Phase::Held);
    assert_eq!(
        lines[0].issue.as_ref().map(|i| i.id.as_str()),
        Some("i-api")
    );
    assert!(
        lines[0]
            .outcome
            .detail
            .contains("held for its episode until")
    );

    // Crash; restart 10 minutes later: held again, not decided yet.
    let (mut engine, mut gate, steps) = restart(&dir.log(), mins(10));
    assert!(steps.is_empty(), "{steps:?}");
    assert_eq!(gate.held(), 1);
    // Its event read again (offset not committed yet): held once.
    assert!(
        gate.on_event(&mut engine, &member("api"), mins(11))
            .is_empty()
    );
    assert!(gate.tick(&mut engine, mins(44)).is_empty());
    let steps = gate.tick(&mut engine, mins(45));
    assert_eq!(executed(&steps), ["i-api"], "alone, when the hold ends");
    write(&dir.log(), &engine, &steps);

    // Another restart (the action still queued): done with, nothing held,
    // nothing decided again.
    let (mut engine, mut gate, steps) = restart(&dir.log(), mins(50));
    assert!(executed(&steps).is_empty(), "{steps:?}");
    assert_eq!(resumed(&steps), ["i-api"]);
    assert_eq!(gate.held(), 0);
    assert!(executed(&gate.on_event(&mut engine, &member("api"), mins(51))).is_empty());
}

#[test]
fn a_hold_that_ended_while_down_is_decided_at_once_alone() {
    let dir = Dir::new("ended");
    let policy = Policy::parse(POLICY).unwrap();
    let mut engine = Remediator::new(policy.clone(), true);
    let mut gate = Gate::new(&policy);
    let steps = gate.on_event(&mut engine, &member("api"), mins(0));
    write(&dir.log(), &engine, &steps);
    let (_, gate, steps) = restart(&dir.log(), mins(90));
    assert_eq!(executed(&steps), ["i-api"]);
    assert_eq!(gate.held(), 0);
    write(&dir.log(), &engine, &steps);
    let (_, gate, steps) = restart(&dir.log(), mins(91));
    assert!(executed(&steps).is_empty(), "exactly once: {steps:?}");
    assert_eq!(resumed(&steps), ["i-api"], "the same action, still queued");
    assert_eq!(gate.held(), 0);
}

#[test]
fn members_of_an_episode_acted_on_before_the_stop_are_covered() {
    let dir = Dir::new("covered");
    let policy = Policy::parse(POLICY).unwrap();
    let mut engine = Remediator::new(policy.clone(), true);
    let mut gate = Gate::new(&policy);
    let mut steps = gate.on_event(&mut engine, &member("db"), mins(0));
    steps.extend(gate.on_event(&mut engine, &member("api"), mins(0)));
    let episode = gate.on_event(&mut engine, &cascade(), mins(31));
    // The crash comes after the episode's `queued` line, before the
    // members' `covered` lines.
    steps.extend(
        episode
            .into_iter()
            .filter(|s| matches!(s, Step::Execute(_))),
    );
    write(&dir.log(), &engine, &steps);
    let (_, gate, steps) = restart(&dir.log(), mins(35));
    assert!(executed(&steps).is_empty(), "no member acted on: {steps:?}");
    assert_eq!(resumed(&steps), ["c-1"], "the episode's action resumed");
    let covered: Vec<(String, RecommendedAction)> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Record {
                phase: Phase::Skipped,
                outcome,
                ..
            } if outcome.detail.contains("covered by episode e-1") => {
                Some((outcome.issue_id.clone(), outcome.action))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        covered,
        [
            ("i-db".to_string(), RecommendedAction::Restart),
            ("i-api".to_string(), RecommendedAction::Restart)
        ]
    );
    assert_eq!(gate.held(), 0);
}

#[test]
fn an_issue_that_cleared_while_held_is_not_acted_on_after_a_restart() {
    let dir = Dir::new("cleared");
    let policy = Policy::parse(POLICY).unwrap();
    let mut engine = Remediator::new(policy.clone(), true);
    let mut gate = Gate::new(&policy);
    let mut steps = gate.on_event(&mut engine, &member("api"), mins(0));
    let mut resolved = member("api");
    resolved.status = IssueStatus::Resolved;
    steps.extend(gate.on_event(&mut engine, &resolved, mins(5)));
    write(&dir.log(), &engine, &steps);
    let (_, gate, steps) = restart(&dir.log(), mins(90));
    assert!(steps.is_empty(), "{steps:?}");
    assert_eq!(gate.held(), 0);
}
