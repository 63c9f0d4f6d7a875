//! [`TrendParams`]: the fitted parameters of a trend forecaster. Training
//! picks them per metric by minimising the error of forecasts made on
//! history (see `forewarn train`); the defaults suit 10 s sampling.

use serde::{Deserialize, Serialize};

/// Parameters of the damped-Holt forecaster and its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrendParams {
    /// Level smoothing per reference step, in (0, 1].
    pub alpha: f64,
    /// Trend smoothing per reference step, in (0, 1].
    pub beta: f64,
    /// Trend damping per reference step, in (0, 1]; 1 is an undamped trend.
    pub phi: f64,
    /// Reference step in seconds (the sampling interval the smoothing
    /// constants are expressed in); other gaps are converted.
    pub step_s: f64,
    /// Multiplier of the slope's standard error for the interval of the
    /// crossing time (1.645 for a nominal 90 % two-sided interval).
    pub z: f64,
    /// The same multiplier for the projection of the longest window's
    /// least-squares line, which the scorer uses once the window holds
    /// three samples; calibrated by `forewarn train` to the same coverage
    /// as `z`. Absent in older models: the scorer then uses
    /// `REGRESSION_Z` (2.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_z: Option<f64>,
}

impl Default for TrendParams {
    fn default() -> Self {
        Self {
            alpha: 0.2,
            beta: 0.02,
            phi: 0.9995,
            step_s: 10.0,
            z: 1.645,
            line_z: None,
        }
    }
}

impl TrendParams {
    /// Every problem with the parameters, as `(field, message)`.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (name, v) in [
            ("alpha", self.alpha),
            ("beta", self.beta),
            ("phi", self.phi),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                out.push((name, format!("must be within (0, 1], got {v}")));
            }
        }
        if !(self.step_s > 0.0 && self.step_s.is_finite()) {
            out.push(("step_s", format!("must be positive, got {}", self.step_s)));
        }
        if !(self.z > 0.0 && self.z.is_finite()) {
            out.push(("z", format!("must be positive, got {}", self.z)));
        }
        if let Some(z) = self.line_z.filter(|z| !(*z > 0.0 && z.is_finite())) {
            out.push(("line_z", format!("must be positive, got {z}")));
        }
        out
    }
}
