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

/// The next value of a 64-bit linear congruential generator kept in
/// `state`, as uniform noise in [-0.5, 0.5).
pub(crate) fn lcg_noise(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}
