//! [`Forecaster`]: from what is known of a capacity or SLO series now (the
//! least-squares line of its longest feature window, its damped-Holt state
//! and its daily cycle) and the limit it runs into, to a [`Forecast`]: the
//! projection used, its [`Crossing`] and the failure time and interval it
//! implies. This is the trend maths of the streaming scorer, which only
//! reads the window, calls [`Forecaster::forecast`] and turns the result
//! into evidence and a signal.
//!
//! The regression line of the window gives the trend and its standard
//! error, and its value now (the mean sits at the middle of the span the
//! samples cover) the level: unbiased on a steady leak, where a smoothed
//! level lags by trend × its memory. It is projected undamped, as the line
//! it is, with the trained `line_z` ([`REGRESSION_Z`] for models without one). Holt's state, with its fitted damping,
//! serves short histories (fewer than three samples, or no slope yet). A
//! seasonal target whose days repeat is projected as trend plus its daily
//! cycle: the cycle's own line over the window is taken out of the
//! window's line first.

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::FailureInterval;

use super::{
    Crossing, DailyProfile, HoltState, Projection, TrendParams, crossing, seasonal_crossing,
};

/// z of the crossing interval of the regression projection when the model
/// has no trained `line_z`: about 95 % if the residuals were independent
/// (they are not quite, so the interval is optimistic).
pub const REGRESSION_Z: f64 = 2.0;

/// Crossings further out than this (about ten years, a nearly flat trend)
/// are no crossing at all; this also keeps the time arithmetic in range.
pub const MAX_CROSSING_S: f64 = 3.2e8;

/// The least-squares line of a series' longest feature window: the
/// window's `count`, `mean`, `slope` and `slope_stderr` features (NaN
/// when the spec lacks one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowLine {
    /// Samples in the window.
    pub count: f64,
    /// Mean of the window.
    pub mean: f64,
    /// Least-squares slope, per second.
    pub slope: f64,
    /// Standard error of the slope.
    pub slope_se: f64,
}

/// The forecaster of one target: its fitted parameters, whether its daily
/// cycle is projected, and the horizon of its probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecaster {
    /// Fitted parameters of the series' metric.
    pub params: TrendParams,
    /// Whether a repeating daily cycle is projected (SLO targets).
    pub seasonal: bool,
    /// Horizon of the crossing probability, seconds.
    pub horizon_s: f64,
}

/// What the series now says about reaching its limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    /// The level, trend and trend error projected (before the daily cycle
    /// is taken out when `seasonal`: what the evidence reports).
    pub projection: Projection,
    /// When and how likely the limit is crossed.
    pub crossing: Crossing,
    /// Whether the daily cycle was projected.
    pub seasonal: bool,
    /// Horizon of the probability, seconds.
    pub horizon_s: f64,
}

impl Forecaster {
    /// Forecast the crossing of `limit` at `now_ms` from the window's
    /// `line` (covering `span_ms`, the series' history capped at the
    /// window's length), the series' `holt` state and its daily `profile`.
    pub fn forecast(
        &self,
        line: &WindowLine,
        holt: &HoltState,
        profile: &DailyProfile,
        span_ms: i64,
        now_ms: i64,
        limit: f64,
    ) -> Forecast {
        let WindowLine {
            count,
            mean,
            slope,
            slope_se: se,
        } = *line;
        let (params, proj) =
            if count >= 3.0 && slope.is_finite() && se.is_finite() && mean.is_finite() {
                let span_s = span_ms as f64 / 1000.0;
                let params = TrendParams {
                    phi: 1.0,
                    z: self.params.line_z.unwrap_or(REGRESSION_Z),
                    ..self.params
                };
                let proj = Projection {
                    level: mean + slope * span_s / 2.0,
                    trend: slope,
                    trend_se: se,
                };
                (params, proj)
            } else {
                let proj = Projection {
                    level: holt.level,
                    trend: holt.trend,
                    trend_se: holt.trend_stderr(&self.params),
                };
                (self.params, proj)
            };
        let seasonal = self.seasonal && count >= 3.0 && profile.seasonal();
        let crossing = if seasonal {
            // Take the cycle's own least-squares line over the window out
            // of the window's line: what is left is the trend beside the
            // cycle, and the level is that residual plus the cycle now.
            let (cycle_end, cycle_slope) = profile.window_line(now_ms, span_ms.max(1));
            let proj = Projection {
                level: proj.level - cycle_end + profile.at(now_ms),
                trend: proj.trend - cycle_slope,
                trend_se: proj.trend_se,
            };
            seasonal_crossing(profile, &proj, now_ms, limit, self.horizon_s, params.z)
        } else {
            crossing(&params, &proj, limit, self.horizon_s)
        };
        Forecast {
            projection: proj,
            crossing,
            seasonal,
            horizon_s: self.horizon_s,
        }
    }
}

impl Forecast {
    /// `secs` from `now` as a time, unless it is no crossing at all
    /// (non-finite or beyond [`MAX_CROSSING_S`]).
    fn at(now: DateTime<Utc>, secs: Option<f64>) -> Option<DateTime<Utc>> {
        secs.filter(|x| x.is_finite() && *x <= MAX_CROSSING_S)
            .and_then(|x| now.checked_add_signed(TimeDelta::milliseconds((x * 1000.0) as i64)))
    }

    /// The predicted failure time, `now` being the forecast's event time.
    pub fn failure_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        Self::at(now, self.crossing.in_s)
    }

    /// The interval around the failure time; an open-ended one (the trend
    /// may never get there) ends at four horizons.
    pub fn failure_interval(&self, now: DateTime<Utc>) -> Option<FailureInterval> {
        let c = &self.crossing;
        match (Self::at(now, c.earliest_s), Self::at(now, c.latest_s)) {
            (Some(earliest), Some(latest)) => Some(FailureInterval { earliest, latest }),
            (Some(earliest), None) => Some(FailureInterval {
                earliest,
                latest: now + TimeDelta::milliseconds((self.horizon_s * 4000.0) as i64),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forecaster() -> Forecaster {
        Forecaster {
            params: TrendParams::default(),
            seasonal: false,
            horizon_s: 3600.0,
        }
    }

    fn line(count: f64, mean: f64, slope: f64, slope_se: f64) -> WindowLine {
        WindowLine {
            count,
            mean,
            slope,
            slope_se,
        }
    }

    #[test]
    fn regression_line_is_projected_undamped_from_its_end() {
        // 100 s of a 1/s leak: mean 50 in the middle, 100 now, limit 200.
        let f = forecaster().forecast(
            &line(10.0, 50.0, 1.0, 0.01),
            &HoltState::default(),
            &DailyProfile::default(),
            100_000,
            0,
            200.0,
        );
        assert_eq!(f.projection.level, 100.0);
        assert_eq!(f.projection.trend, 1.0);
        assert!(!f.seasonal);
        let in_s = f.crossing.in_s.unwrap();
        assert!((in_s - 100.0).abs() < 1e-6, "{in_s}");
        assert!(f.crossing.probability > 0.99);
        let now = DateTime::<Utc>::from_timestamp_millis(0).unwrap();
        let at = f.failure_at(now).unwrap();
        assert_eq!(at.timestamp_millis(), (in_s * 1000.0) as i64);
        let iv = f.failure_interval(now).unwrap();
        assert!(iv.earliest <= at && at <= iv.latest);
    }

    #[test]
    fn short_history_uses_the_holt_state() {
        let holt = HoltState {
            level: 10.0,
            trend: 0.5,
            ..HoltState::default()
        };
        let f = forecaster().forecast(
            &line(2.0, 1.0, 9.0, 0.1),
            &holt,
            &DailyProfile::default(),
            10_000,
            0,
            100.0,
        );
        assert_eq!(f.projection.level, 10.0);
        assert_eq!(f.projection.trend, 0.5);
        assert_eq!(f.crossing, {
            let p = TrendParams::default();
            crossing(&p, &f.projection, 100.0, 3600.0)
        });
    }

    #[test]
    fn flat_or_falling_series_never_fails() {
        let f = forecaster().forecast(
            &line(30.0, 50.0, -0.1, 0.001),
            &HoltState::default(),
            &DailyProfile::default(),
            600_000,
            0,
            200.0,
        );
        let now = DateTime::<Utc>::from_timestamp_millis(0).unwrap();
        assert_eq!(f.failure_at(now), None);
        assert_eq!(f.failure_interval(now), None);
        assert!(f.crossing.probability < 1e-6);
    }

    #[test]
    fn uncertain_trend_gets_an_open_ended_interval() {
        // The trend minus two standard errors is flat: the latest crossing
        // is never, and the interval ends at four horizons.
        let f = forecaster().forecast(
            &line(30.0, 50.0, 0.01, 0.01),
            &HoltState::default(),
            &DailyProfile::default(),
            600_000,
            0,
            100.0,
        );
        let now = DateTime::<Utc>::from_timestamp_millis(0).unwrap();
        let iv = f.failure_interval(now).unwrap();
        assert_eq!(iv.latest.timestamp_millis(), 4 * 3_600_000);
        assert!(f.crossing.latest_s.is_none());
    }

    #[test]
    fn non_seasonal_profile_is_not_projected() {
        let f = Forecaster {
            seasonal: true,
            ..forecaster()
        }
        .forecast(
            &line(30.0, 50.0, 0.01, 0.001),
            &HoltState::default(),
            &DailyProfile::default(),
            600_000,
            0,
            100.0,
        );
        assert!(!f.seasonal);
    }
}
