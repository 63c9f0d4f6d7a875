//! Trend models: forecast a capacity-like series (memory against its limit,
//! disk against capacity, connections against the pool, queue depth) or a
//! degrading one (latency, error rate against the SLO) and say when it will
//! cross its limit, with an interval and a probability.
//!
//! Layout:
//! - [`params`]: the fitted parameters ([`TrendParams`]).
//! - [`holt`]: the online damped-Holt state of one series ([`HoltState`]).
//! - [`crossing`]: from a [`Projection`] (level, trend and its standard
//!   error) and a limit to a [`Crossing`] (time, interval, probability
//!   within the horizon).
//! - [`seasonal`]: the daily cycle of a series, learned online
//!   ([`DailyProfile`]), and the crossing of a trend plus that cycle.
//! - [`forecast`]: the [`Forecaster`] of a capacity or SLO series: window
//!   line or Holt state, daily cycle and limit in, [`Forecast`] (crossing,
//!   failure time and interval) out.

mod crossing;
pub mod forecast;
mod holt;
mod params;
mod seasonal;

pub use crossing::{Crossing, Projection, crossing};
pub use forecast::{Forecast, Forecaster, WindowLine};
pub use holt::{Coefficients, GapMemo, HoltState};
pub use params::TrendParams;
pub use seasonal::{DailyProfile, REPEAT_CORRELATION, seasonal_crossing};
