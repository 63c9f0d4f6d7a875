//! The two baselines every report shows beside Forewarn, run over the same
//! samples and evaluated by the same code:
//!
//! - **static threshold**: what most alerting starts with. A capacity
//!   metric at or above `fraction` of its limit (the limit series, else the
//!   pipeline's service limit), latency or error rate at or above `fraction`
//!   of the service's SLO, CPU utilisation at or above `fraction`.
//! - **z-score**: per metric, the distance of each sample from an
//!   exponentially weighted mean in exponentially weighted standard
//!   deviations (about `window` of memory; updates winsorised at `z`),
//!   `consecutive` samples in a row beyond `z`.
//!
//! Each raises one [`Alert`] per episode: after firing it re-arms only once
//! the condition has cleared and `suppress` has passed.

use std::collections::BTreeSet;

use chrono::DateTime;
use forewarn_config::PipelineConfig;
use forewarn_core::contracts::IssueKind;
use forewarn_train::{History, Series};
use serde::Serialize;

use super::Alert;

/// Settings of both baselines.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BaselineOptions {
    /// Static threshold: fire at this fraction of the limit or SLO.
    pub static_fraction: f64,
    /// Z-score: fire beyond this many standard deviations.
    pub z: f64,
    /// Z-score: memory of the mean and deviation, seconds.
    pub z_window_s: f64,
    /// Z-score: samples in a row beyond `z` before firing.
    pub consecutive: usize,
    /// Both: quiet time after an alert, seconds.
    pub suppress_s: f64,
}

impl Default for BaselineOptions {
    fn default() -> Self {
        Self {
            static_fraction: 0.9,
            z: 4.0,
            z_window_s: 3600.0,
            consecutive: 3,
            suppress_s: 1800.0,
        }
    }
}

/// One detector's episode logic: fire on the rising edge, re-arm once
/// cleared and out of suppression.
#[derive(Debug, Default)]
struct Episode {
    armed_after_ms: i64,
    active: bool,
}

impl Episode {
    fn observe(&mut self, ts: i64, condition: bool, suppress_ms: i64) -> bool {
        if condition && !self.active && ts >= self.armed_after_ms {
            self.active = true;
            self.armed_after_ms = ts + suppress_ms;
            return true;
        }
        if !condition {
            self.active = false;
        }
        false
    }
}

fn alert(detector: &'static str, s: &Series, ts: i64, kind: IssueKind) -> Alert {
    let k = &s.key;
    Alert {
        detector,
        id: format!("{detector}/{}/{}/{}/{ts}", k.service, k.instance, k.metric),
        kind,
        service: k.service.clone(),
        instance: k.instance.clone(),
        detected_at: DateTime::from_timestamp_millis(ts).unwrap_or_default(),
        predicted_failure_at: None,
        root_cause_service: None,
        probability: 1.0,
        signal: k.metric.clone(),
    }
}

/// The static-threshold baseline.
pub fn static_threshold(
    pipeline: &PipelineConfig,
    history: &History,
    opts: &BaselineOptions,
) -> Vec<Alert> {
    let suppress_ms = (opts.suppress_s * 1000.0) as i64;
    let mut out = Vec::new();
    for s in &history.series {
        let k = &s.key;
        let svc = pipeline.services.get(&k.service);
        // (limit series, fixed limit, kind), from the pipeline's roles and
        // rules. A bounded metric (CPU) alerts at its limit, not at the
        // saturation level its trend aims at.
        let cpu = &pipeline.roles.cpu;
        let (limit_series, fixed, kind) = if k.metric == cpu.metric {
            (None, Some(cpu.limit), IssueKind::CpuSaturation)
        } else {
            let Some(rule) = pipeline.trend_rule(&k.metric) else {
                continue;
            };
            let series = rule
                .limit_metric()
                .and_then(|m| history.get(&k.service, &k.instance, m));
            (series, rule.fixed_limit(svc), rule.issue())
        };
        if limit_series.is_none() && fixed.is_none() {
            continue;
        }
        let mut ep = Episode::default();
        let mut li = 0;
        let mut limit = fixed;
        for (ts, v) in s.points() {
            if let Some(ls) = limit_series {
                while li < ls.len() && ls.ts[li] <= ts {
                    if ls.values[li].is_finite() {
                        limit = Some(ls.values[li]);
                    }
                    li += 1;
                }
            }
            let Some(l) = limit else { continue };
            if !v.is_finite() {
                continue;
            }
            if ep.observe(ts, v >= opts.static_fraction * l, suppress_ms) {
                out.push(alert("static_threshold", s, ts, kind));
            }
        }
    }
    out.sort_by_key(|a| a.detected_at);
    out
}

/// The per-metric z-score baseline. Limit series (constants that only
/// change on reconfiguration) are skipped.
pub fn zscore(pipeline: &PipelineConfig, history: &History, opts: &BaselineOptions) -> Vec<Alert> {
    let limit_metrics: BTreeSet<&str> = pipeline
        .models
        .trend
        .capacity
        .iter()
        .filter_map(|r| r.limit_metric.as_deref())
        .collect();
    let suppress_ms = (opts.suppress_s * 1000.0) as i64;
    let mut out = Vec::new();
    for s in &history.series {
        if limit_metrics.contains(s.key.metric.as_str()) || s.len() < 3 {
            continue;
        }
        let interval_s =
            ((s.ts[s.len() - 1] - s.ts[0]) as f64 / 1000.0 / (s.len() - 1) as f64).max(1e-3);
        let n = (opts.z_window_s / interval_s).max(2.0);
        let a = 2.0 / (n + 1.0);
        let (mut mean, mut var, mut seen, mut run) = (f64::NAN, 0.0_f64, 0.0, 0usize);
        let mut ep = Episode::default();
        for (ts, x) in s.points() {
            if !x.is_finite() {
                continue;
            }
            if mean.is_nan() {
                mean = x;
                continue;
            }
            seen += 1.0;
            let sd = var.sqrt();
            let floor = 1e-9 * mean.abs().max(1e-12);
            let beyond = seen > n && sd > floor && ((x - mean) / sd).abs() > opts.z;
            run = if beyond { run + 1 } else { 0 };
            if ep.observe(ts, run >= opts.consecutive, suppress_ms) {
                out.push(alert("zscore", s, ts, IssueKind::MetricAnomaly));
            }
            // Winsorised update: one wild sample moves the baseline by at
            // most `z` deviations, so a burst does not hide itself.
            let d = if seen > n && sd > floor {
                (x - mean).clamp(-opts.z * sd, opts.z * sd)
            } else {
                x - mean
            };
            mean += a * d;
            var = (1.0 - a) * (var + a * d * d);
        }
    }
    out.sort_by_key(|a| a.detected_at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use forewarn_core::SeriesKey;

    fn history(values: &[f64], metric: &str) -> History {
        let pts = values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as i64 * 60_000, *v))
            .collect();
        History::from_series(vec![Series::new(
            SeriesKey::new("api", "api-0", metric),
            pts,
        )])
    }

    fn pipeline() -> PipelineConfig {
        forewarn_config::load_str(include_str!("../../../../pipelines/default.yaml")).unwrap()
    }

    #[test]
    fn static_threshold_fires_once_per_episode() {
        // api's latency SLO is 500 ms: 0.9 of it is 450.
        let mut v = vec![100.0; 30];
        v.extend([460.0, 470.0, 480.0, 100.0, 470.0]); // same episode (suppressed)
        v.extend(vec![100.0; 40]);
        v.push(500.0); // 41 min later: a new episode
        let alerts = static_threshold(
            &pipeline(),
            &history(&v, "latency_p99_ms"),
            &BaselineOptions::default(),
        );
        assert_eq!(alerts.len(), 2, "{alerts:?}");
        assert_eq!(alerts[0].kind, IssueKind::LatencyDegradation);
        assert_eq!(alerts[0].detected_at.timestamp(), 30 * 60);
    }

    #[test]
    fn zscore_fires_on_a_step_not_on_noise() {
        let mut v: Vec<f64> = (0..200)
            .map(|i| 10.0 + ((i * 7919) % 13) as f64 * 0.1)
            .collect();
        let quiet = zscore(
            &pipeline(),
            &history(&v, "cpu_utilization"),
            &BaselineOptions::default(),
        );
        assert!(quiet.is_empty(), "{quiet:?}");
        v.extend(vec![30.0; 10]);
        let alerts = zscore(
            &pipeline(),
            &history(&v, "cpu_utilization"),
            &BaselineOptions::default(),
        );
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].detected_at.timestamp(), 202 * 60);
    }
}
