//! [`Incident`]: what the correlator groups, one per opened predicted
//! issue or per failure observed by `forewarn watch`, reduced to what
//! grouping and the episode event need. [`Incident::from_issue`] skips
//! everything but opening events and the correlator's own output, so the
//! correlator never groups what it produced.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    IssueKind, IssueStatus, PredictedIssue, RecommendedAction, ServiceEvent, ServiceEventKind,
    Severity,
};
use serde::{Deserialize, Serialize};

/// One incident of the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Incident id of the predicted issue, or id of the service event.
    pub id: String,
    /// Affected service.
    pub service: String,
    /// Wire name of its kind (`memory_exhaustion`, `oom_killed`).
    pub kind: String,
    /// When it opened (or was observed), ms since the epoch.
    pub onset_ms: i64,
    /// Whether it is an observed service event rather than a prediction.
    pub observed: bool,
    /// How bad.
    pub severity: Severity,
    /// Its probability (1 for observed failures).
    pub probability: f64,
    /// Its horizon, seconds (0 for observed failures).
    pub horizon_s: f64,
    /// What the scorer advised.
    pub recommended_action: Option<RecommendedAction>,
}

fn wire<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

impl Incident {
    /// The incident an opening predicted-issue event stands for; `None`
    /// for updates, resolutions and the correlator's own events (a
    /// `cascading_failure` or anything carrying an episode).
    pub fn from_issue(e: &PredictedIssue) -> Option<Self> {
        if e.status != IssueStatus::Open
            || e.kind == IssueKind::CascadingFailure
            || e.episode.is_some()
        {
            return None;
        }
        Some(Self {
            id: e.id.clone(),
            service: e.service.clone(),
            kind: wire(&e.kind),
            onset_ms: e.opened_at.timestamp_millis(),
            observed: false,
            severity: e.severity,
            probability: e.probability,
            horizon_s: e.horizon_s,
            recommended_action: e.recommended_action,
        })
    }

    /// The incident a service event stands for, when it is a failure
    /// (crashed, OOM-killed, hung, health check failing, gave up).
    pub fn from_service_event(e: &ServiceEvent) -> Option<Self> {
        use ServiceEventKind as K;
        if !matches!(
            e.kind,
            K::Crashed | K::OomKilled | K::Hung | K::HealthFailed | K::GaveUp
        ) {
            return None;
        }
        Some(Self {
            id: e.id.clone(),
            service: e.service.clone(),
            kind: wire(&e.kind),
            onset_ms: e.ts.timestamp_millis(),
            observed: true,
            severity: Severity::Critical,
            probability: 1.0,
            horizon_s: 0.0,
            recommended_action: None,
        })
    }

    /// Its onset as a timestamp.
    pub fn onset(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.onset_ms).unwrap_or_default()
    }
}
