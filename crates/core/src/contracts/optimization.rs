//! The optimization-event contract: advice that is not about an imminent
//! failure (over-provisioning, scale ahead of a trend, mis-set timeouts).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::default_schema_version;

/// The kind of advice.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OptimizationKind {
    /// Resources far above what is used for a sustained period.
    OverProvisioned,
    /// A trend will cross a limit: add capacity before it does.
    ScaleUpAhead,
    /// A configured timeout is below the observed p99 latency.
    TimeoutBelowP99,
}

/// One piece of advice, published to the optimizations topic keyed by service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptimizationEvent {
    /// Contract version; defaults to 1 when absent.
    #[serde(default = "default_schema_version")]
    pub schema_version: u32,
    /// Deterministic id (kind, service, day of the observation).
    pub id: String,
    /// Event time of the data the advice is based on.
    pub ts: DateTime<Utc>,
    /// Service concerned.
    pub service: String,
    /// What kind of advice.
    pub kind: OptimizationKind,
    /// Why, in one sentence with the numbers.
    pub rationale: String,
    /// What following the advice is expected to change.
    pub expected_effect: String,
}
