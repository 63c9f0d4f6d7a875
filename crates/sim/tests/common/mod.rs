//! Shared helpers of the integration tests: run a fleet in memory and index
//! its values by series, and make scratch directories.

#![allow(dead_code, unreachable_pub, missing_docs)]

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::LogRecord;
use forewarn_sim::{Fleet, Labels, SimConfig};

/// All values of a run, by (service, instance, metric), one per step.
#[derive(Debug)]
pub struct Run {
    /// The ground truth.
    pub labels: Labels,
    /// First timestamp.
    pub start: DateTime<Utc>,
    /// Sampling interval.
    pub interval_ms: i64,
    /// Values by (service, instance, metric), one per step.
    pub series: HashMap<(String, String, String), Vec<f64>>,
    /// Every log line, in order.
    pub logs: Vec<LogRecord>,
}

impl Run {
    /// Run `cfg` through [`Fleet`].
    pub fn new(cfg: &SimConfig) -> Self {
        let fleet = Fleet::new(cfg).expect("valid config");
        let labels = fleet.labels().clone();
        let mut series: HashMap<(String, String, String), Vec<f64>> = HashMap::new();
        let mut logs = Vec::new();
        for step in fleet {
            for s in step.metrics {
                series
                    .entry((s.service, s.instance, s.metric))
                    .or_default()
                    .push(s.value);
            }
            logs.extend(step.logs);
        }
        Self {
            start: labels.start,
            labels,
            interval_ms: cfg.interval.as_millis(),
            series,
            logs,
        }
    }

    /// Step index of a timestamp.
    pub fn step(&self, ts: DateTime<Utc>) -> usize {
        ((ts - self.start).num_milliseconds() / self.interval_ms) as usize
    }

    /// The series of `metric` on `service`/`instance`.
    pub fn get(&self, service: &str, instance: &str, metric: &str) -> &[f64] {
        self.series
            .get(&(
                service.to_string(),
                instance.to_string(),
                metric.to_string(),
            ))
            .unwrap_or_else(|| panic!("no series {service}/{instance}/{metric}"))
    }

    /// Instances an incident or trap concerns.
    pub fn instances_of(&self, service: &str, instance: &Option<String>) -> Vec<String> {
        match instance {
            Some(i) => vec![i.clone()],
            None => self
                .labels
                .service(service)
                .expect("service")
                .instances
                .clone(),
        }
    }
}

/// A fresh scratch directory for `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("forewarn-sim-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The configuration most tests use: every kind of incident and trap in
/// two days of a 10-service fleet at 60 s.
pub fn two_day_fleet(seed: u64) -> SimConfig {
    SimConfig {
        services: 10,
        duration: "2d".parse().unwrap(),
        interval: "60s".parse().unwrap(),
        seed,
        ..SimConfig::default()
    }
}
