//! What several scorer tests share.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::MetricSample;

/// A sample of `api`'s `instance` without labels.
pub(crate) fn api_sample(
    t: DateTime<Utc>,
    instance: &str,
    metric: &str,
    value: f64,
) -> MetricSample {
    MetricSample {
        schema_version: 1,
        ts: t,
        service: "api".into(),
        instance: instance.into(),
        metric: metric.into(),
        value,
        labels: BTreeMap::new(),
    }
}
