//! [`Feature`]: the statistics a window can compute, and their names in
//! feature ids and config files.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One feature computed per window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Accepted samples in the window.
    Count,
    /// Arithmetic mean.
    Mean,
    /// Sample standard deviation (n − 1); 0 below two samples.
    Std,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Value of the newest sample (latest event time; latest arrival on ties).
    Last,
    /// Exponentially weighted mean: a sample in a pane `a` panes old weighs
    /// `exp(−a·P/τ)` with `τ = L/3`.
    Ewma,
    /// Least-squares slope of value against event time, per second.
    Slope,
    /// Standard error of `slope`: `sqrt(SSE / (n − 2) / Σ(t − t̄)²)` with SSE the
    /// residual sum of squares of the fit; 0 below three samples.
    SlopeStderr,
    /// `(last − first) / (t_last − t_first)` per second, `first` being the
    /// oldest sample in the window; 0 when they share a time.
    RateOfChange,
    /// Median (lower rank), within the sketch's relative accuracy.
    P50,
    /// 95th percentile (lower rank), within the sketch's relative accuracy.
    P95,
    /// 99th percentile (lower rank), within the sketch's relative accuracy.
    P99,
    /// Share of expected samples (one per `expected_interval` since the window
    /// or the series began) that did not arrive, in [0, 1].
    MissingRatio,
}

impl Feature {
    /// Every feature, in output order.
    pub const ALL: [Feature; 14] = [
        Feature::Count,
        Feature::Mean,
        Feature::Std,
        Feature::Min,
        Feature::Max,
        Feature::Last,
        Feature::Ewma,
        Feature::Slope,
        Feature::SlopeStderr,
        Feature::RateOfChange,
        Feature::P50,
        Feature::P95,
        Feature::P99,
        Feature::MissingRatio,
    ];

    /// The feature's name in feature ids and config files.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Count => "count",
            Feature::Mean => "mean",
            Feature::Std => "std",
            Feature::Min => "min",
            Feature::Max => "max",
            Feature::Last => "last",
            Feature::Ewma => "ewma",
            Feature::Slope => "slope",
            Feature::SlopeStderr => "slope_stderr",
            Feature::RateOfChange => "rate_of_change",
            Feature::P50 => "p50",
            Feature::P95 => "p95",
            Feature::P99 => "p99",
            Feature::MissingRatio => "missing_ratio",
        }
    }
}
