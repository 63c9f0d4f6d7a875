//! A simulated fleet as Forewarn sees it: [`fleet_pipeline`], the default
//! pipeline with the fleet's services (dependency graph, limits, SLOs) and
//! its sampling interval, and
//! [`produce_fleet`], the fleet step by step into Kafka as JSON records
//! keyed by service.

use std::time::{Duration, Instant};

use forewarn_config::{Limits, PipelineConfig, ServiceConfig, Slo};
use forewarn_core::contracts::RecommendedAction;
use forewarn_kafka::Producer;
use forewarn_sim::{Labels, Role, StepBatch};

use crate::error::{Error, Result};

/// `pipelines/default.yaml`, built in.
pub const DEFAULT_PIPELINE: &str = include_str!("../../../pipelines/default.yaml");

/// The default pipeline with `services` replaced by the simulated fleet:
/// the same dependency graph, limits and SLOs the labels were drawn with, so
/// root-cause ranking and SLO forecasts see the fleet as it is.
pub fn fleet_pipeline(labels: &Labels) -> Result<PipelineConfig> {
    let mut pipeline = forewarn_config::load_str(DEFAULT_PIPELINE).map_err(Error::Pipeline)?;
    // The fleet's own sampling interval: `missing_ratio` and trend training
    // count samples against it.
    let interval =
        forewarn_core::HumanDuration::from_millis((labels.interval_s * 1000.0).round() as i64);
    // Windows shorter than the interval would hold at most one sample: a
    // fleet sampled every 5 minutes keeps the 5m and 1h windows.
    pipeline.features.at_interval(interval);
    pipeline.services = labels
        .services
        .iter()
        .map(|s| {
            let recovery_strategy = match s.role {
                Role::Db => RecommendedAction::Reconnect,
                Role::Queue | Role::Worker => RecommendedAction::Scale,
                _ => RecommendedAction::Restart,
            };
            let config = ServiceConfig {
                depends_on: s.depends_on.clone(),
                auto_retry: matches!(s.role, Role::Gateway | Role::Api),
                timeout: None,
                health_check: None,
                recovery_strategy,
                limits: Limits {
                    memory_bytes: Some(s.memory_limit_bytes),
                    disk_bytes: Some(s.disk_capacity_bytes),
                    connections: Some(s.connections_max),
                    ..Limits::default()
                },
                slo: Slo {
                    latency_p99_ms: Some(s.slo_latency_p99_ms),
                    error_rate: Some(labels.thresholds.error_rate_slo),
                    ..Slo::default()
                },
            };
            (s.name.clone(), config)
        })
        .collect();
    Ok(pipeline)
}

/// [`fleet_pipeline`] as YAML with a header saying where it came from.
pub fn fleet_pipeline_yaml(labels: &Labels) -> Result<String> {
    let body = serde_norway::to_string(&fleet_pipeline(labels)?)?;
    Ok(format!(
        "# Written by `forewarn simulate` (seed {}): the default pipeline with the\n\
         # services of this simulated fleet. Check it with `forewarn validate`.\n{body}",
        labels.seed
    ))
}

/// Produce a fleet, step by step, to the metrics topic (and the logs
/// topic, if any) as JSON records keyed by service, at `speed` simulated
/// seconds per wall-clock second (0: as fast as the broker takes it).
/// `on_step` sees each step number after it is queued. Returns the metric
/// samples and log lines queued.
pub fn produce_fleet(
    fleet: impl IntoIterator<Item = StepBatch>,
    producer: &Producer,
    metrics_topic: &str,
    logs_topic: Option<&str>,
    interval_s: f64,
    speed: f64,
    mut on_step: impl FnMut(u64),
) -> Result<(u64, u64)> {
    let started = Instant::now();
    let (mut metrics, mut logs) = (0u64, 0u64);
    for batch in fleet {
        if speed > 0.0 {
            let due = Duration::from_secs_f64(batch.step as f64 * interval_s / speed);
            while started.elapsed() < due {
                producer.poll();
                std::thread::sleep(
                    due.saturating_sub(started.elapsed())
                        .min(Duration::from_millis(50)),
                );
            }
        }
        for m in &batch.metrics {
            producer.send(metrics_topic, m.service.as_bytes(), &serde_json::to_vec(m)?)?;
            metrics += 1;
        }
        if let Some(topic) = logs_topic {
            for l in &batch.logs {
                producer.send(topic, l.service.as_bytes(), &serde_json::to_vec(l)?)?;
                logs += 1;
            }
        }
        on_step(batch.step);
    }
    Ok((metrics, logs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::simulated_labels;

    /// `forewarn simulate --interval 5m` wrote the default pipeline's 1m
    /// window beside `expected_interval: 5m`, a pipeline nothing could load.
    #[test]
    fn a_sparse_fleet_pipeline_keeps_only_windows_its_interval_fills() {
        for (interval, want) in [("5m", vec!["5m", "1h"]), ("2h", vec!["2h"])] {
            let labels = simulated_labels(3, "1d", interval);
            let yaml = fleet_pipeline_yaml(&labels).unwrap();
            let problems = forewarn_config::problems(&yaml);
            assert!(problems.is_empty(), "{interval}: {problems:?}");
            let back = forewarn_config::load_str(&yaml).unwrap();
            let names: Vec<&str> = back
                .features
                .windows
                .iter()
                .map(|w| w.name.as_str())
                .collect();
            assert_eq!(names, want, "{interval}");
        }
    }

    #[test]
    fn fleet_pipeline_round_trips_and_validates() {
        let labels = simulated_labels(7, "1h", "60s");
        let yaml = fleet_pipeline_yaml(&labels).unwrap();
        let problems = forewarn_config::problems(&yaml);
        assert!(problems.is_empty(), "{problems:?}\n{yaml}");
        let back = forewarn_config::load_str(&yaml).unwrap();
        assert_eq!(back.services.len(), 7);
        for s in &labels.services {
            let c = &back.services[&s.name];
            assert_eq!(c.depends_on, s.depends_on);
            assert_eq!(c.slo.latency_p99_ms, Some(s.slo_latency_p99_ms));
            assert_eq!(c.limits.memory_bytes, Some(s.memory_limit_bytes));
        }
    }
}
