//! [`SimConfig`]: everything that shapes a simulated fleet (size, duration,
//! sampling interval, seed, traffic, scenario mix and rates, logs, output).
//! Every field has a default, so `SimConfig::default()` and `{}` in JSON are
//! both valid; [`SimConfig::validate`] lists every problem at once.

use chrono::{DateTime, TimeZone, Utc};
use forewarn_core::HumanDuration;
use serde::{Deserialize, Serialize};

use super::output::OutputConfig;
use super::scenarios::ScenarioConfig;
use crate::scenario::{IncidentKind, TrapKind};

/// The whole simulator configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// Number of services in the fleet (at least 1; 3 or more for cascades).
    pub services: usize,
    /// Instances (pods) per service, each with its own series.
    pub instances_per_service: usize,
    /// Simulated time span, e.g. `1d`, `7d`, `90m`.
    pub duration: HumanDuration,
    /// Sampling interval of every metric, e.g. `10s`.
    pub interval: HumanDuration,
    /// Seed of every random choice: the same seed gives the same bytes.
    pub seed: u64,
    /// Timestamp of the first sample (UTC).
    pub start: DateTime<Utc>,
    /// Traffic shape: seasonality, growth, noise.
    pub traffic: TrafficConfig,
    /// Failure scenarios and traps: which, how often.
    pub scenarios: ScenarioConfig,
    /// Log lines.
    pub logs: LogConfig,
    /// What [`crate::simulate`] writes and how.
    pub output: OutputConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            services: default_services(),
            instances_per_service: 1,
            duration: HumanDuration::from_millis(86_400_000),
            interval: HumanDuration::from_secs(60),
            seed: 1,
            start: default_start(),
            traffic: TrafficConfig::default(),
            scenarios: ScenarioConfig::default(),
            logs: LogConfig::default(),
            output: OutputConfig::default(),
        }
    }
}

fn default_services() -> usize {
    6
}

/// The default start: Monday 2026-01-05T00:00:00Z.
pub fn default_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Traffic shape shared by the whole fleet (each service scales it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrafficConfig {
    /// Depth of the daily cycle: 0 is flat, 1 means the night trough is near
    /// zero traffic. In [0, 0.9].
    pub daily_amplitude: f64,
    /// Weekend traffic relative to weekdays, in (0, 2].
    pub weekend_factor: f64,
    /// Compound traffic growth per week, e.g. 0.03 for +3 %/week; in [0, 1].
    pub growth_per_week: f64,
    /// Standard deviation of the slow (AR(1), ~10 min) log-traffic noise; in [0, 0.5].
    pub noise: f64,
}

impl Default for TrafficConfig {
    fn default() -> Self {
        Self {
            daily_amplitude: 0.6,
            weekend_factor: 0.7,
            growth_per_week: 0.03,
            noise: 0.06,
        }
    }
}

/// Log generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// Whether to generate logs at all.
    pub enabled: bool,
    /// Mean log lines per instance per minute at average traffic, outside
    /// incidents (incidents add more). In [0, 600].
    pub lines_per_minute: f64,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            lines_per_minute: 1.0,
        }
    }
}

impl SimConfig {
    /// Number of time steps: `duration / interval`, rounded down.
    pub fn steps(&self) -> u64 {
        match self.interval.as_millis() {
            0 => 0,
            i => (self.duration.as_millis() / i) as u64,
        }
    }

    /// Metric rows written per time step (all services and instances).
    pub fn rows_per_step(&self) -> u64 {
        (self.services * self.instances_per_service * crate::Metric::COUNT) as u64
    }

    /// Check every field; returns every problem found as `path: message`.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut errs = Vec::new();
        let mut check = |ok: bool, path: &str, msg: &str| {
            if !ok {
                errs.push(format!("{path}: {msg}"));
            }
        };
        let in_range = |v: f64, lo: f64, hi: f64| v.is_finite() && v >= lo && v <= hi;
        check(
            (1..=1_000_000).contains(&self.services),
            "services",
            "must be between 1 and 1000000",
        );
        check(
            (1..=64).contains(&self.instances_per_service),
            "instances_per_service",
            "must be between 1 and 64",
        );
        check(
            self.interval.as_millis() >= 100,
            "interval",
            "must be at least 100ms",
        );
        check(
            self.duration >= self.interval && !self.duration.is_zero(),
            "duration",
            "must be at least one interval",
        );
        check(
            self.interval.as_millis() == 0
                || self.duration.as_millis() / self.interval.as_millis().max(1) <= 50_000_000,
            "duration",
            "more than 50 million steps",
        );
        let t = &self.traffic;
        check(
            in_range(t.daily_amplitude, 0.0, 0.9),
            "traffic.daily_amplitude",
            "must be in [0, 0.9]",
        );
        check(
            in_range(t.weekend_factor, 0.01, 2.0),
            "traffic.weekend_factor",
            "must be in (0, 2]",
        );
        check(
            in_range(t.growth_per_week, 0.0, 1.0),
            "traffic.growth_per_week",
            "must be in [0, 1]",
        );
        check(
            in_range(t.noise, 0.0, 0.5),
            "traffic.noise",
            "must be in [0, 0.5]",
        );
        let s = &self.scenarios;
        check(
            in_range(s.incidents_per_service_day, 0.0, 24.0),
            "scenarios.incidents_per_service_day",
            "must be in [0, 24]",
        );
        check(
            in_range(s.traps_per_service_day, 0.0, 24.0),
            "scenarios.traps_per_service_day",
            "must be in [0, 24]",
        );
        for k in IncidentKind::ALL {
            check(
                in_range(s.mix.weight(k), 0.0, 1e6),
                &format!("scenarios.mix.{}", k.name()),
                "must be a finite weight >= 0",
            );
        }
        for k in TrapKind::ALL {
            check(
                in_range(s.trap_mix.weight(k), 0.0, 1e6),
                &format!("scenarios.trap_mix.{}", k.name()),
                "must be a finite weight >= 0",
            );
        }
        check(
            in_range(self.logs.lines_per_minute, 0.0, 600.0),
            "logs.lines_per_minute",
            "must be in [0, 600]",
        );
        check(
            self.output.rows_per_group >= 1,
            "output.rows_per_group",
            "must be at least 1",
        );
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_empty_json_gives_default() {
        let cfg: SimConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(cfg, SimConfig::default());
        assert!(cfg.validate().is_ok());
        assert_eq!(cfg.steps(), 1440); // 1 day at 60 s
        assert_eq!(cfg.start.to_rfc3339(), "2026-01-05T00:00:00+00:00");
    }

    #[test]
    fn validation_lists_every_problem_with_its_path() {
        let mut cfg = SimConfig {
            services: 0,
            ..SimConfig::default()
        };
        cfg.traffic.noise = 3.0;
        cfg.scenarios.mix.gc_thrash = -1.0;
        let errs = cfg.validate().unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].starts_with("services:"));
        assert!(errs[1].starts_with("traffic.noise:"));
        assert!(errs[2].starts_with("scenarios.mix.gc_thrash:"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(serde_json::from_str::<SimConfig>(r#"{"servces": 3}"#).is_err());
    }
}
