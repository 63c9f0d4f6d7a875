//! The pipeline's per-service `recovery_strategy` and `auto_retry` are
//! read by the remediator: for a service and kind the policy has no chain
//! for, the chain is the service's `recovery_strategy` (then `notify`);
//! a chain the policy gives (the service's own or `"*"`) wins; a service
//! with `auto_retry: false` gets one attempt, and a failing command is not
//! retried; the policy's safety rules still hold (shadow, enablement).

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{IssueKind, IssueStatus, RecommendedAction};
use forewarn_remediate::executor::{self, ActionContext, Outcome};
use forewarn_remediate::{Policy, Remediator, Step};

mod common;

/// The `services` section of a pipeline.
const SERVICES: &str = r#"
  api:
    recovery_strategy: restart
    auto_retry: true
  db:
    recovery_strategy: reconnect
    auto_retry: false
  cache: {}
"#;

fn policy(text: &str) -> Policy {
    let mut p = Policy::parse(text).unwrap();
    let default = include_str!("../../../pipelines/default.yaml");
    let (head, _) = default.split_once("\nservices:\n").unwrap();
    let yaml = format!("{head}\nservices:{SERVICES}");
    let pipeline = forewarn_config::load_str(&yaml).unwrap();
    p.adopt_pipeline(&pipeline.services);
    p
}

const BARE: &str = r#"
version: 1
mode: live
retry: { attempts: 3, initial_backoff: 10ms, max_backoff: 20ms }
actions:
  restart: { command: ["true"], timeout: 5s }
  reconnect: { command: ["false"], timeout: 5s }
  notify: { command: ["true"], timeout: 5s }
services:
  "*":
    enabled: true
    chains:
      connection_pool_exhaustion: [notify]
"#;

fn t0() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap()
}

#[test]
fn the_pipeline_fills_the_chains_the_policy_leaves_open() {
    use RecommendedAction::*;
    let p = policy(BARE);
    assert_eq!(
        p.chain("api", IssueKind::MemoryExhaustion),
        vec![Restart, Notify]
    );
    assert_eq!(
        p.chain("api", IssueKind::ServiceSilent),
        vec![Restart, Notify]
    );
    assert_eq!(
        p.chain("db", IssueKind::MemoryExhaustion),
        vec![Reconnect, Notify]
    );
    // The default strategy is to tell a human, once.
    assert_eq!(p.chain("cache", IssueKind::DiskExhaustion), vec![Notify]);
    // The policy's own chain wins over the pipeline.
    assert_eq!(
        p.chain("api", IssueKind::ConnectionPoolExhaustion),
        vec![Notify]
    );
    // A service in neither file has no chain.
    assert!(p.chain("unknown", IssueKind::MemoryExhaustion).is_empty());
    // Without the pipeline, nothing but the policy.
    let bare = Policy::parse(BARE).unwrap();
    assert!(bare.chain("api", IssueKind::MemoryExhaustion).is_empty());
}

#[test]
fn auto_retry_false_means_one_attempt() {
    let p = policy(BARE);
    assert_eq!(p.retry_for("api").attempts, 3);
    assert_eq!(p.retry_for("db").attempts, 1);
    assert_eq!(p.retry_for("unknown").attempts, 3);
    let ctx = |service: &str| ActionContext {
        service: service.into(),
        instance: format!("{service}-0"),
        issue_id: "i".into(),
        kind: "memory_exhaustion".into(),
        action: "reconnect".into(),
        probability: 0.9,
    };
    let spec = &p.actions[&RecommendedAction::Reconnect];
    let db = executor::execute(spec, &ctx("db"), &p.retry_for("db"), None);
    assert_eq!((db.outcome, db.attempts), (Outcome::Failed, 1));
    let api = executor::execute(spec, &ctx("api"), &p.retry_for("api"), None);
    assert_eq!((api.outcome, api.attempts), (Outcome::Failed, 3));
}

#[test]
fn the_remediator_acts_on_the_pipeline_chain_under_the_policy_rules() {
    let mut r = Remediator::new(policy(BARE), true);
    let steps = r.on_event(
        &common::memory_issue("a", "api", IssueStatus::Open, t0()),
        t0(),
    );
    let planned: Vec<_> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Execute(p) => Some(p.action),
            _ => None,
        })
        .collect();
    assert_eq!(planned, vec![RecommendedAction::Restart]);

    // Shadow mode and an unlisted service without `"*"` still act on
    // nothing.
    let shadow = BARE.replace("mode: live", "mode: shadow");
    let mut r = Remediator::new(policy(&shadow), true);
    let steps = r.on_event(
        &common::memory_issue("b", "api", IssueStatus::Open, t0()),
        t0(),
    );
    assert!(!steps.iter().any(|s| matches!(s, Step::Execute(_))));
    let no_star = BARE.split("services:").next().unwrap();
    let mut r = Remediator::new(policy(no_star), true);
    let steps = r.on_event(
        &common::memory_issue("c", "api", IssueStatus::Open, t0()),
        t0(),
    );
    assert!(
        !steps.iter().any(|s| matches!(s, Step::Execute(_))),
        "api is not enabled for live actions by any policy entry"
    );
}
