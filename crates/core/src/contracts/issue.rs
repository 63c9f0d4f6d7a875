//! The predicted-issue contract: Forewarn's main output, one event per
//! incident, re-sent with a higher `revision` when the prediction changes.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::EpisodeRef;
use super::default_schema_version;
use crate::id::content_id;

/// What is predicted to break.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// Memory grows toward its limit (OOM kill ahead).
    MemoryExhaustion,
    /// Disk fills toward its capacity.
    DiskExhaustion,
    /// Open connections approach the pool size.
    ConnectionPoolExhaustion,
    /// A queue grows without bound.
    QueueBacklog,
    /// Latency degrades toward its SLO.
    LatencyDegradation,
    /// Error rate rises toward or past its SLO.
    ErrorRateIncrease,
    /// CPU saturates.
    CpuSaturation,
    /// Garbage-collection pauses dominate.
    GcThrash,
    /// Several metrics of the service deviate together from normal.
    MetricAnomaly,
    /// The service's logs deviate from normal (new or bursting templates).
    LogAnomaly,
    /// Failure spreading from a dependency.
    CascadingFailure,
    /// Observed, not predicted: a service that was reporting stopped (all
    /// its series, or its steady log stream) for the stated number of its
    /// own intervals. Resolves when its data returns.
    ServiceSilent,
    /// Observed, not predicted: the service's health check fails (the
    /// `roles.health` metric, e.g. `forewarn watch`'s `health_up`, reads 0).
    /// Resolves when it passes again.
    ServiceDown,
}

impl IssueKind {
    /// Whether incidents of this kind are observed failures rather than
    /// predictions: they open at once (no `min_duration`) and are not
    /// suppressed after they resolve (a second outage is news).
    pub fn is_observed(self) -> bool {
        matches!(self, Self::ServiceSilent | Self::ServiceDown)
    }
}

/// How bad it will be.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Info,
    /// Will hurt if left alone.
    Warning,
    /// Will cause an outage soon.
    Critical,
}

/// Lifecycle of the incident this event describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum IssueStatus {
    /// First event of an incident.
    Open,
    /// The prediction changed (time, probability, evidence).
    Updated,
    /// The condition cleared.
    Resolved,
}

/// What the remediator is advised to do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RecommendedAction {
    /// Restart the instance or service.
    Restart,
    /// Re-establish connections (drain and refill a pool).
    Reconnect,
    /// Add capacity.
    Scale,
    /// Retry the failed operation with exponential backoff.
    Retry,
    /// Move traffic elsewhere.
    Failover,
    /// Tell a human.
    Notify,
}

/// The uncertainty interval of a predicted failure time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureInterval {
    /// Earliest plausible failure time.
    pub earliest: DateTime<Utc>,
    /// Latest plausible failure time.
    pub latest: DateTime<Utc>,
}

/// One feature that drove a prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Feature name, e.g. `memory_rss_bytes.1h.slope`.
    pub feature: String,
    /// Its value at decision time.
    pub value: f64,
    /// Its normal value (baseline), when the model has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    /// Share of the decision attributed to this feature, in [0, 1].
    pub contribution: f64,
}

/// Which model made a prediction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelRef {
    /// Model name, e.g. `trend` or `default`.
    pub name: String,
    /// Model version, e.g. `2026-11-28.1`.
    pub version: String,
}

/// A predicted failure, as published to the predictions topic keyed by service.
///
/// `id` names the incident and is derived from its content (kind, service,
/// instance, opening time), so every process computes the same id for the
/// same incident. `(id, revision)` is unique per event: consumers de-duplicate on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictedIssue {
    /// Contract version; defaults to 1 when absent.
    #[serde(default = "default_schema_version")]
    pub schema_version: u32,
    /// Incident id (32 hex digits), see [`PredictedIssue::incident_id`].
    pub id: String,
    /// 0 for the opening event, then +1 for each update.
    #[serde(default)]
    pub revision: u32,
    /// Lifecycle state.
    pub status: IssueStatus,
    /// What is predicted.
    pub kind: IssueKind,
    /// Affected service.
    pub service: String,
    /// Affected instance; empty when service-wide.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instance: String,
    /// How bad.
    pub severity: Severity,
    /// Calibrated probability that the failure happens within the horizon, in [0, 1].
    pub probability: f64,
    /// Event time of the data that triggered this event.
    pub detected_at: DateTime<Utc>,
    /// When the incident was first opened.
    pub opened_at: DateTime<Utc>,
    /// Point estimate of the failure time, when the model forecasts one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted_failure_at: Option<DateTime<Utc>>,
    /// Uncertainty interval around `predicted_failure_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_interval: Option<FailureInterval>,
    /// How far ahead the model looks, in seconds.
    pub horizon_s: f64,
    /// The features that drove the decision, strongest first.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// The service most likely at the origin, from the dependency graph and
    /// the order of onset; may be the affected service itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_cause_service: Option<String>,
    /// The model that decided.
    pub model: ModelRef,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended_action: Option<RecommendedAction>,
    /// For log anomalies: the log template most behind it, with example
    /// lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogEvidence>,
    /// On a `cascading_failure` issue from the fleet correlator: the
    /// episode (id, root cause, member incidents). Absent elsewhere; old
    /// events without it still parse. Boxed: most issues have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub episode: Option<Box<EpisodeRef>>,
}

/// The log template behind a log anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogEvidence {
    /// Stable template id (16 hex digits), the same across restarts.
    pub template_id: String,
    /// The template text, variable parts as `<*>`.
    pub template: String,
    /// Lines of this template in the minute that decided.
    pub count: u64,
    /// Its usual count per minute (the service's baseline).
    pub baseline: f64,
    /// Whether the template was first seen in that minute.
    pub new: bool,
    /// Up to three lines of it from that minute, as written.
    pub examples: Vec<String>,
}

impl PredictedIssue {
    /// The deterministic incident id for `kind` on `service`/`instance`
    /// opened at `opened_at`.
    pub fn incident_id(
        kind: IssueKind,
        service: &str,
        instance: &str,
        opened_at: DateTime<Utc>,
    ) -> String {
        let kind = serde_json::to_string(&kind).unwrap_or_default();
        let opened = opened_at.timestamp_millis().to_string();
        content_id(&["predicted-issue", &kind, service, instance, &opened])
    }

    /// The de-duplication key of this event: `id` and `revision`.
    pub fn event_key(&self) -> String {
        format!("{}.{}", self.id, self.revision)
    }
}
