//! Acting on optimization advice (`scale_up_ahead`, `over_provisioned`,
//! `timeout_below_p99`) under the same rules as predicted issues.
//!
//! The policy's `optimizations:` section gives a chain per kind of advice:
//!
//! ```yaml
//! optimizations:
//!   scale_up_ahead: [scale]
//!   over_provisioned: [notify]
//! ```
//!
//! An optimization event read from the pipeline's optimizations topic is
//! turned into a predicted issue ([`as_issue`]: its id, service and time;
//! kind `metric_anomaly`, model `optimization/KIND`) and handed to the
//! same [`crate::Remediator`]: de-duplicated by id, shadow unless the
//! policy is live and the service enabled, under the kill switch, the
//! cooldown of the action on the service, the global rate limit and the
//! circuit breaker, audited and published as remediation outcomes like any
//! action. Its chain comes from `optimizations:`
//! ([`crate::Policy::optimization_chain`]); a kind
//! without one is recorded as skipped. The audit line's kind is the
//! stand-in `metric_anomaly`; the outcome's `issue_id` is the optimization
//! event's id, and its detail names the advice.

use forewarn_core::contracts::{
    Evidence, IssueKind, IssueStatus, ModelRef, OptimizationEvent, OptimizationKind,
    PredictedIssue, Severity,
};

pub use crate::policy::{OPTIMIZATION_MODEL_PREFIX as MODEL_PREFIX, optimization_kind as kind_of};

fn wire(k: OptimizationKind) -> String {
    crate::policy::optimization_name(k)
}

/// The predicted issue the remediator handles for an optimization event.
pub fn as_issue(e: &OptimizationEvent) -> PredictedIssue {
    PredictedIssue {
        schema_version: forewarn_core::SCHEMA_VERSION,
        id: e.id.clone(),
        revision: 0,
        status: IssueStatus::Open,
        kind: IssueKind::MetricAnomaly,
        service: e.service.clone(),
        instance: String::new(),
        severity: Severity::Info,
        probability: 1.0,
        detected_at: e.ts,
        opened_at: e.ts,
        predicted_failure_at: None,
        failure_interval: None,
        horizon_s: 0.0,
        evidence: vec![Evidence {
            feature: format!("optimization.{}", wire(e.kind)),
            value: 1.0,
            baseline: None,
            contribution: 1.0,
        }],
        root_cause_service: None,
        model: ModelRef {
            name: format!("{MODEL_PREFIX}{}", wire(e.kind)),
            version: "1".into(),
        },
        recommended_action: None,
        log: None,
        episode: None,
    }
}

/// Decode a record of `topic`: an optimization event (turned into its
/// issue) on `optimizations`, a predicted issue anywhere else.
pub fn decode(
    optimizations: Option<&str>,
    topic: &str,
    payload: &[u8],
) -> Result<PredictedIssue, serde_json::Error> {
    if optimizations == Some(topic) {
        serde_json::from_slice::<OptimizationEvent>(payload).map(|e| as_issue(&e))
    } else {
        serde_json::from_slice::<PredictedIssue>(payload)
    }
}
