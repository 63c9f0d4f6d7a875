//! What several remediator tests share.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    IssueKind, IssueStatus, ModelRef, PredictedIssue, RecommendedAction, Severity,
};

/// A critical memory-exhaustion issue of `service`'s first instance,
/// detected at `at`, advising a restart.
pub(crate) fn memory_issue(
    id: &str,
    service: &str,
    status: IssueStatus,
    at: DateTime<Utc>,
) -> PredictedIssue {
    PredictedIssue {
        schema_version: 1,
        id: id.into(),
        revision: 0,
        status,
        kind: IssueKind::MemoryExhaustion,
        service: service.into(),
        instance: format!("{service}-0"),
        severity: Severity::Critical,
        probability: 0.97,
        detected_at: at,
        opened_at: at,
        predicted_failure_at: None,
        failure_interval: None,
        horizon_s: 7200.0,
        evidence: Vec::new(),
        root_cause_service: None,
        model: ModelRef {
            name: "test".into(),
            version: "1".into(),
        },
        recommended_action: Some(RecommendedAction::Restart),
        log: None,
        episode: None,
    }
}
