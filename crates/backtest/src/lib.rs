//! Forewarn's backtester: replays benchmark corpora and scores detector
//! output against their labels. The first component is a faithful scorer for
//! the Numenta Anomaly Benchmark (NAB v1.1), so Forewarn's detectors can be
//! compared with published NAB results.
//!
//! Layout:
//! - [`nab`]: the NAB corpus, detector results in NAB's layout, the scorer
//!   (published or swept thresholds, three profiles, normalisation) and a
//!   writer for NAB's results layout.
//! - [`incidents`]: replay of labelled fleet history (the simulator's
//!   layout) through the production scorer, matched against labelled
//!   incidents and traps beside two baselines, with Markdown, HTML (plots)
//!   and Parquet reports.
//! - [`segments`]: labelled multivariate machine data (the SMD layout):
//!   train on one half, score the other online, incident-level F1 per
//!   machine beside z-score and random references.
//! - [`error`]: the crate's [`Error`] and [`Result`].
//!
//! A tiny corpus built in memory: one 100-row file with a window on rows
//! 50–59, and a detector that fires on the window's first row only.
//!
//! ```
//! use forewarn_backtest::nab::{self, Corpus, DataFile, DetectorResults, Profiles, ThresholdMode};
//!
//! let stamps: Vec<String> = (0..100)
//!     .map(|i| format!("2014-04-01 {:02}:{:02}:00", i / 60, i % 60))
//!     .collect();
//! let window = (stamps[50].clone(), stamps[59].clone());
//! let file = DataFile::new("demo/a.csv", stamps, vec![0.0; 100], &[window])?;
//! let corpus = Corpus::new(vec![file], Profiles::default())?;
//!
//! let mut scores = vec![0.0; 100];
//! scores[50] = 1.0;
//! let results = DetectorResults::from_scores(&corpus, "demo", vec![scores])?;
//! let report = nab::score(&corpus, &results, &ThresholdMode::Optimize)?;
//! assert!((report.standard - 100.0).abs() < 1e-9);
//! # Ok::<(), forewarn_backtest::Error>(())
//! ```

pub mod error;
pub mod incidents;
pub mod nab;
pub mod segments;

pub use error::{Error, Result};
