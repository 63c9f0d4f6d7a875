//! The JSON that prometheus-kafka-adapter writes for each remote-write
//! sample:
//! `{"timestamp":"2020-01-01T00:00:00Z","value":"1.5","name":"up","labels":{"__name__":"up","job":"api","instance":"10.0.0.1:9100"}}`.
//!
//! Mapping: `metric` is `name` (or the `__name__` label when `name` is
//! absent); `service` is the `service` label, else `job` (one of them is
//! required); `instance` is the `instance` label, else empty; every other
//! label except `__name__` becomes a label (so `job` stays a label when
//! `service` names the service). `value` is a string, as Go's
//! `strconv.FormatFloat` writes it; `NaN`, `+Inf` and `-Inf` (stale markers,
//! empty histogram buckets) are rejected as non-finite.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use forewarn_core::SCHEMA_VERSION;
use forewarn_core::contracts::MetricSample;
use serde::Deserialize;

use crate::error::{FormatError, Result};

/// One adapter message. Unknown top-level fields are ignored, as the adapter
/// may add some in later versions.
#[derive(Deserialize)]
struct Message {
    timestamp: String,
    value: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

pub(crate) fn decode(bytes: &[u8], out: &mut Vec<MetricSample>) -> Result<()> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let msg: Message = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        FormatError::prometheus(path, e.into_inner().to_string())
    })?;
    de.end()
        .map_err(|e| FormatError::prometheus(".", e.to_string()))?;

    let ts = DateTime::parse_from_rfc3339(&msg.timestamp)
        .map_err(|e| {
            FormatError::prometheus(
                "timestamp",
                format!("`{}` is not an RFC 3339 time: {e}", msg.timestamp),
            )
        })?
        .with_timezone(&Utc);
    let value: f64 = msg.value.trim().parse().map_err(|_| {
        FormatError::prometheus("value", format!("`{}` is not a number", msg.value))
    })?;
    if !value.is_finite() {
        return Err(FormatError::prometheus(
            "value",
            format!("must be finite, got `{}`", msg.value),
        ));
    }

    let mut labels = msg.labels;
    let metric = match msg.name {
        Some(name) => name,
        None => labels.get("__name__").cloned().ok_or_else(|| {
            FormatError::prometheus("name", "missing, and no `__name__` label either")
        })?,
    };
    if metric.trim().is_empty() {
        return Err(FormatError::prometheus("name", "must not be empty"));
    }
    labels.remove("__name__");
    let service = match labels.remove("service") {
        Some(s) => s,
        None => labels.remove("job").ok_or_else(|| {
            FormatError::prometheus(
                "labels",
                "neither a `service` nor a `job` label names the service",
            )
        })?,
    };
    if service.trim().is_empty() {
        return Err(FormatError::prometheus(
            "labels",
            "the label naming the service (`service` or `job`) is empty",
        ));
    }
    let instance = labels.remove("instance").unwrap_or_default();

    out.push(MetricSample {
        schema_version: SCHEMA_VERSION,
        ts,
        service,
        instance,
        metric,
        value,
        labels,
    });
    Ok(())
}
