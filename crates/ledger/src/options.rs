//! How a ledger is set up: the SLOs of each service (from the pipeline's
//! `services.<name>.slo`), the metrics of the health, latency and
//! error-rate roles, the counting window of a report, and the caps that
//! bound its memory.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_config::PipelineConfig;
use serde::Serialize;

/// An availability objective over a rolling period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SloSpec {
    /// Share of time the service must be up, in (0, 1).
    pub objective: f64,
    /// The rolling period, in milliseconds.
    pub period_ms: i64,
}

impl Default for SloSpec {
    fn default() -> Self {
        Self {
            objective: forewarn_config::DEFAULT_AVAILABILITY,
            period_ms: forewarn_config::DEFAULT_SLO_PERIOD.as_millis(),
        }
    }
}

/// A threshold SLO (latency or error rate): the share of measured time
/// a metric must stay at or below `threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThresholdSlo {
    /// The highest good value (`slo.latency_p99_ms`, `slo.error_rate`).
    pub threshold: f64,
    /// The objective (share of measured time good) and its period.
    pub spec: SloSpec,
}

/// A service's latency and error-rate SLOs (`None`: no threshold set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ThresholdSlos {
    /// p99 latency (`roles.latency_p99`) at most `slo.latency_p99_ms`.
    pub latency: Option<ThresholdSlo>,
    /// Error rate (`roles.error_rate`) at most `slo.error_rate`.
    pub error_rate: Option<ThresholdSlo>,
}

/// The ledger's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerOptions {
    /// Services known before any event (the pipeline's): they appear in a
    /// snapshot as `unknown` until something is heard of them.
    pub services: Vec<String>,
    /// The availability SLO per service; others get `default_slo`.
    pub slos: BTreeMap<String, SloSpec>,
    /// The SLO of a service the pipeline does not name.
    pub default_slo: SloSpec,
    /// The health role's metric (`roles.health`): 1 passing, 0 failing.
    pub health_metric: String,
    /// The latency role's metric (`roles.latency_p99`), in ms.
    pub latency_metric: String,
    /// The error-rate role's metric (`roles.error_rate`), 0 to 1.
    pub error_rate_metric: String,
    /// The latency and error-rate SLOs per service; a service not named
    /// has none.
    pub threshold_slos: BTreeMap<String, ThresholdSlos>,
    /// The longest time one latency or error-rate sample counts for (its
    /// time slice runs to the next sample of its series, at most this
    /// long): 3 expected intervals (`features.expected_interval`), so a
    /// gap in the data counts as neither good nor bad.
    pub max_slice: TimeDelta,
    /// Incidents, predictions and actions are counted when they start at
    /// or after this time; earlier entries only set the scene (a service
    /// already down, the SLO period before the range). `None`: all.
    pub count_from: Option<DateTime<Utc>>,
    /// Entries at or after this time are ignored (the end of a report's
    /// range). `None`: none.
    pub until: Option<DateTime<Utc>>,
    /// How late (in event time, behind the newest entry) an entry may
    /// arrive and still be folded in its canonical place by
    /// [`Ledger::apply`](crate::Ledger::apply); later ones are folded
    /// where they arrive and counted as late.
    pub lateness: TimeDelta,
    /// Caps per service: see [`Caps`].
    pub caps: Caps,
    /// The window of a snapshot's uptime (default 24h).
    pub uptime_window: TimeDelta,
}

/// The bounds on a ledger's memory, per service. When a cap is exceeded
/// the oldest finished record is dropped and its figures added to the
/// service's running totals, so counts, means and the recovery-time
/// histogram stay exact; what is lost is its detail (report listings,
/// percentiles, which are computed over the records kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Caps {
    /// Failure episodes (incidents) kept in detail (default 500).
    pub incidents: usize,
    /// Predictions kept in detail (default 1000).
    pub predictions: usize,
    /// Actions kept in detail (default 1000).
    pub actions: usize,
    /// Down intervals kept for uptime and burn rates (default 10 000),
    /// and runs of latency and error-rate time slices per series;
    /// also dropped once older than the longest SLO period plus 3 days.
    pub intervals: usize,
}

impl Default for Caps {
    fn default() -> Self {
        Self {
            incidents: 500,
            predictions: 1000,
            actions: 1000,
            intervals: 10_000,
        }
    }
}

impl Default for LedgerOptions {
    fn default() -> Self {
        Self {
            services: Vec::new(),
            slos: BTreeMap::new(),
            default_slo: SloSpec::default(),
            health_metric: "health_up".into(),
            latency_metric: "latency_p99_ms".into(),
            error_rate_metric: "error_rate".into(),
            threshold_slos: BTreeMap::new(),
            max_slice: TimeDelta::minutes(3),
            count_from: None,
            until: None,
            lateness: TimeDelta::minutes(5),
            caps: Caps::default(),
            uptime_window: TimeDelta::hours(24),
        }
    }
}

impl LedgerOptions {
    /// The pipeline's services, their SLOs and its role metrics.
    pub fn from_pipeline(p: &PipelineConfig) -> Self {
        let threshold_slos = p
            .services
            .iter()
            .map(|(name, s)| {
                let period_ms = s.slo.period_or_default().as_millis();
                let slo = |threshold: Option<f64>, objective: f64| {
                    threshold.map(|threshold| ThresholdSlo {
                        threshold,
                        spec: SloSpec {
                            objective,
                            period_ms,
                        },
                    })
                };
                let t = ThresholdSlos {
                    latency: slo(s.slo.latency_p99_ms, s.slo.latency_objective_or_default()),
                    error_rate: slo(s.slo.error_rate, s.slo.error_rate_objective_or_default()),
                };
                (name.clone(), t)
            })
            .collect();
        let slos = p
            .services
            .iter()
            .map(|(name, s)| {
                let spec = SloSpec {
                    objective: s.slo.availability_objective(),
                    period_ms: s.slo.period_or_default().as_millis(),
                };
                (name.clone(), spec)
            })
            .collect();
        Self {
            services: p.services.keys().cloned().collect(),
            slos,
            health_metric: p.roles.health.clone(),
            latency_metric: p.roles.latency_p99.clone(),
            error_rate_metric: p.roles.error_rate.clone(),
            threshold_slos,
            max_slice: TimeDelta::milliseconds(3 * p.features.expected_interval.as_millis().max(1)),
            ..Self::default()
        }
    }

    /// The SLO of `service`.
    pub fn slo(&self, service: &str) -> SloSpec {
        self.slos.get(service).copied().unwrap_or(self.default_slo)
    }

    /// The latency and error-rate SLOs of `service`.
    pub fn threshold_slos(&self, service: &str) -> ThresholdSlos {
        self.threshold_slos
            .get(service)
            .copied()
            .unwrap_or_default()
    }

    /// How far back down intervals are kept: the longest SLO period plus
    /// the longest burn-rate window (3 days at a 30-day period).
    pub fn retention(&self) -> TimeDelta {
        let longest = self
            .slos
            .values()
            .map(|s| s.period_ms)
            .chain([self.default_slo.period_ms])
            .chain(
                self.threshold_slos
                    .values()
                    .flat_map(|t| [t.latency, t.error_rate])
                    .flatten()
                    .map(|t| t.spec.period_ms),
            )
            .max()
            .unwrap_or(0);
        TimeDelta::milliseconds(longest + longest / 10)
    }
}
