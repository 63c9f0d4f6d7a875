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
//! action. Its chain comes from `optimizations:` ([`chain`]); a kind
//! without one is recorded as skipped. The audit line's kind is the
//! stand-in `metric_anomaly`; the outcome's `issue_id` is the optimization
//! event's id, and its detail names the advice.

use forewarn_core::contracts::{
    Evidence, IssueKind, IssueStatus, ModelRef, OptimizationEvent, OptimizationKind,
    PredictedIssue, RecommendedAction, Severity,
};

use crate::policy::{Policy, action_name};

/// Prefix of the model name of an optimization turned into an issue.
pub const MODEL_PREFIX: &str = "optimization/";

fn wire(k: OptimizationKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
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

/// The kind of advice an issue stands for, when it is one.
pub fn kind_of(issue: &PredictedIssue) -> Option<OptimizationKind> {
    let name = issue.model.name.strip_prefix(MODEL_PREFIX)?;
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// The chain of an optimization turned into an issue (`None` for any
/// other issue).
pub fn chain(policy: &Policy, issue: &PredictedIssue) -> Option<Vec<RecommendedAction>> {
    let kind = kind_of(issue)?;
    Some(policy.optimizations.get(&kind).cloned().unwrap_or_default())
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

/// Problems of the `optimizations:` section: every action needs an entry
/// under `actions`.
pub(crate) fn problems(policy: &Policy) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, chain) in &policy.optimizations {
        for (i, a) in chain.iter().enumerate() {
            if !policy.actions.contains_key(a) {
                out.push(format!(
                    "optimizations.{}[{i}]: action {} has no entry under actions",
                    wire(*kind),
                    action_name(*a)
                ));
            }
        }
    }
    out
}
