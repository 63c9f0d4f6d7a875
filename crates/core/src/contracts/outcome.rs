//! The remediation-outcome contract: what the remediator did (or, in shadow
//! mode, would have done) about a predicted issue, and whether it helped.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{RecommendedAction, default_schema_version};

/// Whether actions were really executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RemediationMode {
    /// Dry run: recorded, not executed.
    Shadow,
    /// Executed.
    Live,
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionResult {
    /// The executor reported success.
    Succeeded,
    /// The executor reported failure.
    Failed,
    /// The executor did not finish within its timeout.
    TimedOut,
    /// The remediator stopped (crash, kill) while the action ran: its
    /// result is unknown. Recorded at the next start; never repeated.
    Interrupted,
    /// Not executed: shadow mode, kill switch, disabled service, cooldown,
    /// rate limit or open circuit breaker (see `detail`).
    Skipped,
}

/// One action taken (or not) about one predicted issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemediationOutcome {
    /// Contract version; defaults to 1 when absent.
    #[serde(default = "default_schema_version")]
    pub schema_version: u32,
    /// Deterministic id (issue id, action, attempt).
    pub id: String,
    /// The predicted issue acted on.
    pub issue_id: String,
    /// When the action started.
    pub ts: DateTime<Utc>,
    /// Target service.
    pub service: String,
    /// Target instance, when the action is instance-scoped.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    /// The action.
    pub action: RecommendedAction,
    /// Shadow or live.
    pub mode: RemediationMode,
    /// How it ended.
    pub result: ActionResult,
    /// Wall time the action took, in milliseconds.
    pub duration_ms: u64,
    /// Whether the predicted issue cleared within the verification deadline;
    /// absent while unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Human-readable detail (why skipped, executor output summary).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}
