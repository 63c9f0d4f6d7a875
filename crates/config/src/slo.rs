//! A service's objectives (`services.<name>.slo`): the p99 latency and
//! error-rate thresholds the degradation forecasts aim at, and the
//! availability, latency and error-rate objectives over a rolling period
//! that reliability reports measure error budgets against (`forewarn
//! report`).

use forewarn_core::HumanDuration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Service-level objectives that degradation forecasts aim at.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Slo {
    /// p99 latency objective in milliseconds.
    #[serde(default)]
    pub latency_p99_ms: Option<f64>,
    /// Error-rate objective, a fraction in [0, 1].
    #[serde(default)]
    pub error_rate: Option<f64>,
    /// Availability objective: the share of time the service must be up
    /// (health passing, not crashed or hung) over `period`, within
    /// (0, 1), e.g. 0.999. Absent: [`DEFAULT_AVAILABILITY`] (99.9 %).
    /// Its error budget is `(1 - availability) x period`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<f64>,
    /// Latency objective: the share of measured time the service's p99
    /// latency (`roles.latency_p99`) must be at most `latency_p99_ms`,
    /// within (0, 1). Absent: [`DEFAULT_THRESHOLD_OBJECTIVE`] (99 %).
    /// Only used when `latency_p99_ms` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_objective: Option<f64>,
    /// Error-rate objective: the share of measured time the service's
    /// error rate (`roles.error_rate`) must be at most `error_rate`,
    /// within (0, 1). Absent: [`DEFAULT_THRESHOLD_OBJECTIVE`] (99 %).
    /// Only used when `error_rate` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate_objective: Option<f64>,
    /// The rolling period the availability, latency and error-rate
    /// objectives and their error budgets are measured over, at least 1h.
    /// Absent: [`DEFAULT_SLO_PERIOD`] (30d). The burn-rate windows scale
    /// with it (see `forewarn report`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<HumanDuration>,
}

/// The availability objective of a service whose `slo.availability` is
/// not set: 99.9 %, the most common published availability SLO (about
/// 43 minutes of downtime in 30 days).
pub const DEFAULT_AVAILABILITY: f64 = 0.999;

/// The latency and error-rate objectives of a service whose
/// `slo.latency_objective` or `slo.error_rate_objective` is not set: 99 %
/// of the measured time within the threshold (about 7 hours over it in
/// 30 days), slo-generator's and Sloth's usual example objective for a
/// latency SLO.
pub const DEFAULT_THRESHOLD_OBJECTIVE: f64 = 0.99;

/// The SLO period of a service whose `slo.period` is not set: 30 days,
/// the period the SRE workbook's burn-rate alerts are tuned for.
pub const DEFAULT_SLO_PERIOD: HumanDuration = HumanDuration::from_millis(30 * 86_400_000);

impl Slo {
    /// The availability objective, `availability` or its default.
    pub fn availability_objective(&self) -> f64 {
        self.availability.unwrap_or(DEFAULT_AVAILABILITY)
    }

    /// The latency objective, `latency_objective` or its default.
    pub fn latency_objective_or_default(&self) -> f64 {
        self.latency_objective
            .unwrap_or(DEFAULT_THRESHOLD_OBJECTIVE)
    }

    /// The error-rate objective, `error_rate_objective` or its default.
    pub fn error_rate_objective_or_default(&self) -> f64 {
        self.error_rate_objective
            .unwrap_or(DEFAULT_THRESHOLD_OBJECTIVE)
    }

    /// The SLO period, `period` or its default.
    pub fn period_or_default(&self) -> HumanDuration {
        self.period.unwrap_or(DEFAULT_SLO_PERIOD)
    }
}
