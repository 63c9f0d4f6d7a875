//! The metric-sample contract: one value of one series at one event time.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::default_schema_version;

/// One observation of a metric, as produced to the metrics topic.
///
/// ```json
/// {"schema_version":1,"ts":"2026-01-01T00:00:10Z","service":"api","instance":"api-0",
///  "metric":"memory_rss_bytes","value":1.2e9,"labels":{"region":"eu"}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricSample {
    /// Contract version; defaults to 1 when absent.
    #[serde(default = "default_schema_version")]
    pub schema_version: u32,
    /// Event time (RFC 3339), when the value was observed.
    pub ts: DateTime<Utc>,
    /// Service that emitted the value.
    pub service: String,
    /// Instance within the service (pod, host); empty for service-wide series.
    #[serde(default)]
    pub instance: String,
    /// Metric name, e.g. `memory_rss_bytes`. Names ending in `_total` are
    /// treated as monotonic counters unless the pipeline says otherwise.
    pub metric: String,
    /// The observed value. NaN and infinities are rejected at decode time.
    pub value: f64,
    /// Extra labels; part of the series identity.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}
