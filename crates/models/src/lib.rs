//! Forewarn's models. Each model family is a module.
//!
//! Layout:
//! - [`univariate`]: the online, one-pass anomaly detector for a single
//!   series, fed by `forewarn_features` windows plus the raw value, with a
//!   `serde`-serialisable state and a score in [0, 1).
//! - [`trend`]: trend models and limit-crossing forecasts.
//! - [`cluster`]: the multivariate cluster model of one service.
//! - [`artifact`]: versioned model artifacts on disk.
//! - [`error`]: the crate's [`Error`] and [`Result`].
//!
//! ```
//! use forewarn_models::univariate::{DetectorConfig, score_series};
//!
//! // A week of 5-minute samples with a daily cycle, then a spike.
//! let mut points: Vec<(i64, f64)> = (0..2016)
//!     .map(|i| {
//!         let t = i * 300_000;
//!         (t, 50.0 + 10.0 * ((i % 288) as f64 / 288.0 * std::f64::consts::TAU).sin())
//!     })
//!     .collect();
//! points.push((2016 * 300_000, 200.0));
//! let scores = score_series(&DetectorConfig::default(), points)?;
//! assert!(scores.iter().all(|s| (0.0..1.0).contains(s)));
//! assert!(scores[2016] > 0.9);
//! # Ok::<(), forewarn_models::Error>(())
//! ```

pub mod artifact;
pub mod cluster;
pub mod error;
pub mod trend;
pub mod univariate;

pub use error::{Error, Result};
