//! When does a forecast cross its limit? [`crossing`] takes a level, a trend
//! and the trend's standard error (the scorer passes the Holt level and the
//! least-squares slope of the longest feature window with its
//! `slope_stderr`; see `forewarn-scorer`): the trend is taken as normally
//! distributed with that spread, and projected with the fitted damping.
//!
//! - The predicted time is where the damped forecast reaches the limit.
//! - The interval is the crossing time under `trend ± z·se`.
//! - The probability is that the trend is steep enough to reach the limit
//!   within the horizon: `P(T ≥ needed) = Φ((trend − needed) / se)`.

use super::TrendParams;
use super::holt::{damped_sum, damped_time_for};

/// A forecast crossing of a limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossing {
    /// Seconds from the state's time to the predicted crossing; `None` when
    /// the forecast never reaches the limit.
    pub in_s: Option<f64>,
    /// Earliest plausible crossing, seconds from now.
    pub earliest_s: Option<f64>,
    /// Latest plausible crossing, seconds from now; `None` when it may never
    /// happen.
    pub latest_s: Option<f64>,
    /// Probability that the limit is crossed within the horizon.
    pub probability: f64,
    /// Headroom left, as a fraction of the limit (negative when already over).
    pub headroom: f64,
}

fn time_to(p: &TrendParams, level: f64, trend: f64, limit: f64) -> Option<f64> {
    let gap = limit - level;
    if gap <= 0.0 {
        return Some(0.0);
    }
    if trend <= 0.0 {
        return None;
    }
    damped_time_for(p, gap / trend)
}

/// Standard normal CDF.
fn phi(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// A level and trend to project.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    /// Current level.
    pub level: f64,
    /// Trend per second.
    pub trend: f64,
    /// Standard error of the trend.
    pub trend_se: f64,
}

/// The crossing of `limit` by `state` within `horizon_s`.
pub fn crossing(p: &TrendParams, state: &Projection, limit: f64, horizon_s: f64) -> Crossing {
    let slope_se = state.trend_se;
    let headroom = if limit != 0.0 {
        (limit - state.level) / limit.abs()
    } else {
        f64::NAN
    };
    let se = if slope_se.is_finite() {
        slope_se.max(0.0)
    } else {
        0.0
    };
    let gap = limit - state.level;
    let probability = if gap <= 0.0 {
        1.0
    } else {
        let needed = gap / damped_sum(p, horizon_s);
        if se > 0.0 {
            phi((state.trend - needed) / se)
        } else if state.trend >= needed {
            1.0
        } else {
            0.0
        }
    };
    let spread = p.z * se;
    Crossing {
        in_s: time_to(p, state.level, state.trend, limit),
        earliest_s: time_to(p, state.level, state.trend + spread, limit),
        latest_s: time_to(p, state.level, state.trend - spread, limit),
        probability,
        headroom,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn undamped() -> TrendParams {
        TrendParams {
            phi: 1.0,
            ..TrendParams::default()
        }
    }

    #[test]
    fn linear_growth_crosses_when_expected() {
        let p = undamped();
        let s = Projection {
            level: 50.0,
            trend: 0.01,
            trend_se: 0.0,
        };
        let s = Projection {
            trend_se: 0.001,
            ..s
        };
        let c = crossing(&p, &s, 100.0, 7200.0);
        assert!((c.in_s.unwrap() - 5000.0).abs() < 1e-9);
        let (lo, hi) = (c.earliest_s.unwrap(), c.latest_s.unwrap());
        assert!(lo < 5000.0 && hi > 5000.0, "{lo} {hi}");
        assert!(c.probability > 0.99, "{}", c.probability);
        assert!((c.headroom - 0.5).abs() < 1e-12);
        // The same trend cannot cross within a horizon too short for it.
        let short = crossing(&p, &s, 100.0, 1000.0);
        assert!(short.probability < 0.01, "{}", short.probability);
    }

    #[test]
    fn flat_or_falling_series_never_crosses() {
        let p = TrendParams::default();
        let s = Projection {
            level: 50.0,
            trend: -0.01,
            trend_se: 0.0,
        };
        let s = Projection { trend_se: 0.0, ..s };
        let c = crossing(&p, &s, 100.0, 7200.0);
        assert_eq!((c.in_s, c.latest_s, c.probability), (None, None, 0.0));
    }

    #[test]
    fn already_over_the_limit_is_certain_and_now() {
        let p = TrendParams::default();
        let s = Projection {
            level: 120.0,
            trend: 0.0,
            trend_se: 0.0,
        };
        let s = Projection { trend_se: 0.5, ..s };
        let c = crossing(&p, &s, 100.0, 60.0);
        assert_eq!((c.in_s, c.probability), (Some(0.0), 1.0));
        assert!(c.headroom < 0.0);
    }

    #[test]
    fn uncertainty_widens_the_interval_and_softens_probability() {
        let p = undamped();
        let s = Projection {
            level: 50.0,
            trend: 0.01,
            trend_se: 0.0,
        };
        let tight = crossing(
            &p,
            &Projection {
                trend_se: 0.0005,
                ..s
            },
            100.0,
            5000.0,
        );
        let loose = crossing(
            &p,
            &Projection {
                trend_se: 0.01,
                ..s
            },
            100.0,
            5000.0,
        );
        assert!(loose.earliest_s.unwrap() < tight.earliest_s.unwrap());
        assert!(loose.latest_s.is_none(), "trend − z·se < 0 may never cross");
        assert!(
            (tight.probability - 0.5).abs() < 1e-9,
            "exactly on the horizon"
        );
    }
}
