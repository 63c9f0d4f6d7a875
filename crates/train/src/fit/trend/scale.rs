//! The scale a series' forecast errors are divided by, so errors of series
//! with different units and sizes can be averaged: the limit the series
//! runs into when one is known, else a robust size of the series itself.
//! In order of preference:
//!
//! 1. the median of the capacity rule's `limit_metric` series of the same
//!    service and instance (e.g. `memory_limit_bytes`);
//! 2. the fixed limit of the metric's trend rule: the service's `limits`
//!    entry named by a capacity rule's `limit`, the service's SLO for the
//!    SLO roles (`roles.latency_p99`, `roles.error_rate`), or a saturation
//!    rule's saturation level;
//! 3. the 99th percentile of the series' absolute values (1 if that is 0).

use forewarn_config::{PipelineConfig, TrendRule};

use crate::history::{History, Series};
use crate::stats::quantile_sorted;

/// Where a scale came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScaleSource {
    LimitMetric,
    ServiceLimit,
    Slo,
    Saturation,
    Magnitude,
}

fn positive(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite() && *v > 0.0)
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    (!v.is_empty()).then(|| quantile_sorted(&v, 0.5))
}

/// The scale of `series` and its source.
pub(crate) fn scale_of(
    pipeline: &PipelineConfig,
    history: &History,
    rule: Option<TrendRule<'_>>,
    series: &Series,
) -> (f64, ScaleSource) {
    let k = &series.key;
    let service = pipeline.services.get(&k.service);
    if let Some(r) = rule {
        let from_metric = r
            .limit_metric()
            .and_then(|m| history.get(&k.service, &k.instance, m))
            .and_then(|s| median(&s.values));
        if let Some(v) = positive(from_metric) {
            return (v, ScaleSource::LimitMetric);
        }
        if let Some(v) = positive(r.fixed_limit(service)) {
            let source = match r {
                TrendRule::Capacity(_) => ScaleSource::ServiceLimit,
                TrendRule::Slo(_) => ScaleSource::Slo,
                TrendRule::Saturation { .. } => ScaleSource::Saturation,
            };
            return (v, source);
        }
    }
    let mut abs: Vec<f64> = series
        .values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v.abs())
        .collect();
    abs.sort_by(f64::total_cmp);
    let m = if abs.is_empty() {
        0.0
    } else {
        quantile_sorted(&abs, 0.99)
    };
    (if m > 0.0 { m } else { 1.0 }, ScaleSource::Magnitude)
}

#[cfg(test)]
mod tests {
    use forewarn_features::SeriesKey;

    use super::*;

    fn pipeline() -> PipelineConfig {
        let yaml = include_str!("../../../../../pipelines/default.yaml");
        forewarn_config::load_str(yaml).unwrap()
    }

    fn series(service: &str, metric: &str, v: f64) -> Series {
        Series::new(
            SeriesKey::new(service, "0", metric),
            vec![(0, v), (10_000, v)],
        )
    }

    #[test]
    fn prefers_limit_metric_then_the_rules_fixed_limit_then_magnitude() {
        let p = pipeline();
        let mem_rule = p
            .models
            .trend
            .capacity
            .iter()
            .find(|r| r.metric == "memory_rss_bytes")
            .map(TrendRule::Capacity);
        let rss = series("api", "memory_rss_bytes", 1e9);
        let h = History::from_series(vec![rss.clone(), series("api", "memory_limit_bytes", 3e9)]);
        assert_eq!(
            scale_of(&p, &h, mem_rule, &rss),
            (3e9, ScaleSource::LimitMetric)
        );
        let h = History::from_series(vec![rss.clone()]);
        assert_eq!(
            scale_of(&p, &h, mem_rule, &rss),
            (4294967296.0, ScaleSource::ServiceLimit)
        );
        let lat = series("api", "latency_p99_ms", 80.0);
        let slo = p.trend_rule("latency_p99_ms");
        assert_eq!(scale_of(&p, &h, slo, &lat), (500.0, ScaleSource::Slo));
        let cpu = series("api", "cpu_utilization", 0.4);
        let sat = p.trend_rule("cpu_utilization");
        assert_eq!(scale_of(&p, &h, sat, &cpu), (0.95, ScaleSource::Saturation));
        let other = series("nab", "value", -7.0);
        assert_eq!(
            scale_of(&p, &h, None, &other),
            (7.0, ScaleSource::Magnitude)
        );
    }
}
