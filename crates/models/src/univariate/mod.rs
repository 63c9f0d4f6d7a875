//! The online univariate anomaly detector: one pass, constant time and
//! memory per sample, a `serde` state, and a score in [0, 1) comparable
//! across series so one threshold serves a whole fleet (or all of NAB).
//! See [`UnivariateDetector`] for the algorithm.

mod bounded;
mod config;
mod context;
mod detector;
mod inputs;
mod range;
mod rarity;
mod seasonal;
mod series;
mod smooth;
mod suppress;
mod validate;

#[cfg(test)]
mod tests;

pub use bounded::{Fraction, HalfLife};
pub use config::{
    CalibrationConfig, ContextConfig, DetectorConfig, RangeConfig, SeasonalConfig,
    SuppressionConfig,
};
pub use context::MAX_ORDER;
pub use detector::{Score, UnivariateDetector};
pub use inputs::{FeatureBinding, RECENT_WINDOW};
pub use series::{SeriesDetector, score_series};
