//! The remediator's rules, on a fake clock and a recording of what it
//! would do: shadow mode, the kill switch and per-service enablement each
//! prevent an action; a flood of duplicate and related events triggers at
//! most what cooldown and rate limit allow; a failing action opens its
//! circuit breaker; an action that does not help is escalated; an action
//! that helps is verified; a restarted remediator repeats nothing.

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{ActionResult, IssueStatus, PredictedIssue, RecommendedAction};
use forewarn_remediate::audit::{AuditLog, Phase};
use forewarn_remediate::engine::Planned;
use forewarn_remediate::executor::{Execution, Outcome};
use forewarn_remediate::{Policy, Remediator, Step};

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
  notify: { command: ["true"], timeout: 5s }
services:
  api:
    enabled: true
    chains:
      memory_exhaustion: [restart, notify]
  web:
    enabled: true
    chains:
      memory_exhaustion: [restart, notify]
  db:
    enabled: false
    chains:
      memory_exhaustion: [restart]
"#;

fn policy(edit: impl FnOnce(&mut Policy)) -> Policy {
    let mut p = Policy::parse(POLICY).unwrap();
    edit(&mut p);
    p
}

fn t0() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap()
}

fn issue(id: &str, service: &str, status: IssueStatus) -> PredictedIssue {
    common::memory_issue(id, service, status, t0())
}

fn executed(steps: &[Step]) -> Vec<&Planned> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Execute(p) => Some(p.as_ref()),
            _ => None,
        })
        .collect()
}

fn skipped_reasons(steps: &[Step]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Record {
                phase: Phase::Skipped,
                outcome,
                ..
            } => Some(outcome.detail.clone()),
            _ => None,
        })
        .collect()
}

fn ok() -> Execution {
    Execution {
        outcome: Outcome::Succeeded,
        attempts: 1,
        duration: std::time::Duration::from_millis(5),
        detail: "exit 0".into(),
    }
}

fn failed() -> Execution {
    Execution {
        outcome: Outcome::Failed,
        ..ok()
    }
}

#[test]
fn live_and_enabled_acts() {
    let mut r = Remediator::new(policy(|_| {}), true);
    let s = r.on_event(&issue("a", "api", IssueStatus::Open), t0());
    assert_eq!(executed(&s).len(), 1);
    assert_eq!(executed(&s)[0].action, RecommendedAction::Restart);
}

#[test]
fn shadow_mode_is_the_default_and_prevents_the_action() {
    let p = Policy::parse(&POLICY.replace("mode: live\n", "")).unwrap();
    let mut r = Remediator::new(p, true);
    let s = r.on_event(&issue("a", "api", IssueStatus::Open), t0());
    assert!(executed(&s).is_empty());
    assert!(
        skipped_reasons(&s)[0].contains("shadow mode: would restart api"),
        "{s:?}"
    );
}

#[test]
fn the_kill_switch_prevents_every_action_whatever_the_policy() {
    let mut r = Remediator::new(policy(|_| {}), false);
    for (i, svc) in ["api", "web"].iter().enumerate() {
        let s = r.on_event(&issue(&format!("k{i}"), svc, IssueStatus::Open), t0());
        assert!(executed(&s).is_empty());
        assert!(skipped_reasons(&s)[0].contains("kill switch"), "{s:?}");
    }
}

#[test]
fn a_service_not_enabled_is_left_alone() {
    let mut r = Remediator::new(policy(|_| {}), true);
    let s = r.on_event(&issue("d", "db", IssueStatus::Open), t0());
    assert!(executed(&s).is_empty());
    assert!(skipped_reasons(&s)[0].contains("not enabled for service db"));
}

#[test]
fn a_flood_of_duplicates_and_related_events_acts_at_most_as_allowed() {
    let mut r = Remediator::new(policy(|_| {}), true);
    let mut actions = 0;
    // 200 events over 50 minutes: the same incident redelivered, and new
    // incidents on the same services (related), and on others.
    for i in 0..200 {
        let now = t0() + TimeDelta::seconds(i * 15);
        let e = match i % 4 {
            0 => issue("same", "api", IssueStatus::Open),
            1 => issue("same", "api", IssueStatus::Updated),
            2 => issue(&format!("api-{i}"), "api", IssueStatus::Open),
            _ => issue(&format!("web-{i}"), "web", IssueStatus::Open),
        };
        actions += executed(&r.on_event(&e, now)).len();
    }
    // Cooldown 10 min per service and action over 50 min: at most 5 per
    // service; the rate limit (3 per hour) caps the total at 3.
    assert_eq!(actions, 3);
    assert!(r.counts().duplicates >= 99);
}

#[test]
fn cooldown_applies_per_service_and_action() {
    let mut r = Remediator::new(policy(|p| p.max_actions = 100), true);
    assert_eq!(
        executed(&r.on_event(&issue("1", "api", IssueStatus::Open), t0())).len(),
        1
    );
    let s = r.on_event(
        &issue("2", "api", IssueStatus::Open),
        t0() + TimeDelta::minutes(5),
    );
    assert!(skipped_reasons(&s)[0].contains("cooldown"));
    assert_eq!(
        executed(&r.on_event(
            &issue("3", "web", IssueStatus::Open),
            t0() + TimeDelta::minutes(5)
        ))
        .len(),
        1
    );
    assert_eq!(
        executed(&r.on_event(
            &issue("4", "api", IssueStatus::Open),
            t0() + TimeDelta::minutes(11)
        ))
        .len(),
        1
    );
}

#[test]
fn a_failing_action_escalates_and_opens_its_breaker() {
    let mut r = Remediator::new(
        policy(|p| {
            p.max_actions = 100;
            p.cooldown = "1s".parse().unwrap();
        }),
        true,
    );
    let mut now = t0();
    for i in 0..2 {
        let s = r.on_event(&issue(&format!("f{i}"), "api", IssueStatus::Open), now);
        let p = executed(&s)[0].clone();
        assert_eq!(p.action, RecommendedAction::Restart);
        let after = r.on_result(&p, &failed(), now);
        // The failure escalates to the next action of the chain.
        assert_eq!(executed(&after)[0].action, RecommendedAction::Notify);
        now += TimeDelta::minutes(1);
    }
    // Two failures in a row: the breaker for restart on api is open.
    let s = r.on_event(&issue("f2", "api", IssueStatus::Open), now);
    assert!(
        skipped_reasons(&s)[0].contains("circuit breaker open"),
        "{s:?}"
    );
    // Other services are unaffected, and it closes after open_for.
    assert_eq!(
        executed(&r.on_event(&issue("g", "web", IssueStatus::Open), now)).len(),
        1
    );
    let later = now + TimeDelta::minutes(31);
    assert_eq!(
        executed(&r.on_event(&issue("f3", "api", IssueStatus::Open), later)).len(),
        1
    );
}

#[test]
fn an_action_that_helps_is_verified_and_one_that_does_not_is_escalated() {
    let mut r = Remediator::new(policy(|p| p.max_actions = 100), true);
    // Helps: the issue resolves within the deadline.
    let s = r.on_event(&issue("h", "api", IssueStatus::Open), t0());
    let p = executed(&s)[0].clone();
    assert!(executed(&r.on_result(&p, &ok(), t0())).is_empty());
    let v = r.on_event(
        &issue("h", "api", IssueStatus::Resolved),
        t0() + TimeDelta::minutes(2),
    );
    match &v[..] {
        [
            Step::Record {
                phase: Phase::Verified,
                outcome,
                ..
            },
        ] => {
            assert_eq!(outcome.verified, Some(true));
            assert_eq!(outcome.result, ActionResult::Succeeded);
        }
        other => panic!("{other:?}"),
    }
    // Does not help: no resolution by the deadline → not recovered, then notify.
    let s = r.on_event(&issue("n", "web", IssueStatus::Open), t0());
    let p = executed(&s)[0].clone();
    r.on_result(&p, &ok(), t0());
    assert!(r.tick(t0() + TimeDelta::minutes(4)).is_empty());
    let v = r.tick(t0() + TimeDelta::minutes(6));
    assert!(
        matches!(&v[0], Step::Record { phase: Phase::Verified, outcome, .. } if outcome.verified == Some(false))
    );
    assert_eq!(executed(&v)[0].action, RecommendedAction::Notify);
}

#[test]
fn a_restarted_remediator_repeats_no_action() {
    let dir =
        std::env::temp_dir().join(format!("forewarn-remediate-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let (mut log, past) = AuditLog::open(&path).unwrap();
    assert!(past.is_empty());
    let mut r = Remediator::new(policy(|_| {}), true);
    let s = r.on_event(&issue("x", "api", IssueStatus::Open), t0());
    let p = executed(&s)[0].clone();
    // Crash right after the action started: only its Started line is on disk.
    if let Step::Record {
        phase,
        kind,
        step,
        outcome,
    } = r.started(&p)
    {
        log.append(phase, kind, step, &outcome).unwrap();
    }
    drop((log, r));
    let (_, past) = AuditLog::open(&path).unwrap();
    let mut again = Remediator::new(policy(|_| {}), true);
    let interrupted = again.restore(&past);
    // The unfinished action gets its Finished line, result interrupted.
    assert_eq!(interrupted.len(), 1);
    let Step::Record { phase, outcome, .. } = &interrupted[0] else {
        panic!("{interrupted:?}")
    };
    assert_eq!(*phase, Phase::Finished);
    assert_eq!(outcome.result, ActionResult::Interrupted);
    assert_eq!(outcome.issue_id, "x");
    // Once recorded, the next start has nothing left to close.
    let (mut log, _) = AuditLog::open(&path).unwrap();
    if let Step::Record {
        phase,
        kind,
        step,
        outcome,
    } = &interrupted[0]
    {
        log.append(*phase, *kind, *step, outcome).unwrap();
    }
    drop(log);
    let (_, past) = AuditLog::open(&path).unwrap();
    assert!(
        Remediator::new(policy(|_| {}), true)
            .restore(&past)
            .is_empty()
    );
    // An interrupted run counts toward the breaker, whether its line is
    // made at this start (only the Started line on disk) or read back:
    // with one failure allowed, the next issue of the service, after the
    // cooldown, finds the breaker open.
    let started_only: Vec<_> = past
        .iter()
        .filter(|e| e.phase == Phase::Started)
        .cloned()
        .collect();
    for (entries, made) in [(&started_only, 1), (&past, 0)] {
        let mut r = Remediator::new(
            policy(|p| {
                p.circuit_breaker.failures = 1;
                p.cooldown = "1s".parse().unwrap();
            }),
            true,
        );
        assert_eq!(r.restore(entries).len(), made);
        let s = r.on_event(
            &issue("z", "api", IssueStatus::Open),
            t0() + TimeDelta::minutes(2),
        );
        assert!(
            skipped_reasons(&s)
                .first()
                .is_some_and(|x| x.contains("circuit breaker open")),
            "{s:?}"
        );
    }
    // The same event redelivered, and a related one inside the cooldown.
    assert!(
        again
            .on_event(&issue("x", "api", IssueStatus::Open), t0())
            .is_empty()
    );
    let s = again.on_event(
        &issue("y", "api", IssueStatus::Open),
        t0() + TimeDelta::minutes(1),
    );
    assert!(executed(&s).is_empty());
    assert!(skipped_reasons(&s)[0].contains("cooldown"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_policy_problem_is_listed_with_its_path() {
    let bad = r#"
version: 2
concurrency: 0
actions:
  restart: { timeout: 5s }
  notify: { http: { url: "ftp://x" }, command: ["true"] }
services:
  api:
    chains:
      memory_exhaustion: [scale]
"#;
    let e = Policy::parse(bad).unwrap_err().0;
    let text = e.join("\n");
    for want in [
        "version: unsupported 2",
        "concurrency: must be at least 1",
        "actions.restart: give exactly one of command, http, kafka (found 0)",
        "actions.notify: give exactly one of command, http, kafka (found 2)",
        "actions.notify.http.url: must start with http:// or https://",
        "services.api.chains.memory_exhaustion[0]: action scale has no entry under actions",
    ] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }
}

#[test]
fn the_reference_policy_is_valid_and_in_shadow_mode() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/remediation.yaml");
    let p = Policy::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.mode, forewarn_remediate::Mode::Shadow);
    assert!(!p.service("anything").unwrap().enabled);
}
