//! [`SeriesDetector`]: the production detection path for one series, shared by
//! the streaming scorer and the backtests. It owns the series'
//! `SeriesWindows` and its [`UnivariateDetector`]; each sample is scored
//! against the features as they were before it, then pushed to the windows.
//! [`score_series`] folds a whole series through it.

use forewarn_features::sketch::Bucket;
use forewarn_features::{CompiledSpec, SeriesWindows};
use serde::{Deserialize, Serialize};

use super::config::DetectorConfig;
use super::detector::UnivariateDetector;
use crate::error::{Error, Result};

/// Feature windows plus detector for one series.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesDetector {
    windows: SeriesWindows,
    detector: UnivariateDetector,
    features: Vec<f64>,
    #[serde(skip)]
    scratch: Vec<Bucket>,
}

impl SeriesDetector {
    /// A scorer for one gauge series (counters are not supported: the
    /// detector reads raw values). `spec` must be compiled from
    /// [`DetectorConfig::feature_spec`] or hold the same window.
    pub fn new(cfg: DetectorConfig, spec: &CompiledSpec) -> Result<Self> {
        Ok(Self {
            windows: SeriesWindows::new(spec, false),
            detector: UnivariateDetector::new(cfg, spec)?,
            features: vec![f64::NAN; spec.width()],
            scratch: Vec::new(),
        })
    }

    /// Scores one sample, then applies it to the windows. Samples the
    /// windows refuse (too late, non-finite) are still scored against the
    /// current features; a non-finite value scores 0.
    pub fn push(&mut self, spec: &CompiledSpec, ts_ms: i64, value: f64) -> f64 {
        let score = self.detector.step(ts_ms, value, &self.features);
        if self.windows.push(spec, ts_ms, value).is_ok() {
            self.windows
                .features_into(spec, &mut self.scratch, &mut self.features);
        }
        score
    }

    /// The detector (for checkpointing its state).
    pub fn detector(&self) -> &UnivariateDetector {
        &self.detector
    }
}

/// Scores every point of one series, in the order given, with `cfg`.
pub fn score_series<I>(cfg: &DetectorConfig, points: I) -> Result<Vec<f64>>
where
    I: IntoIterator<Item = (i64, f64)>,
{
    let spec = cfg
        .feature_spec()
        .compile()
        .map_err(|problems| Error::Config {
            path: "range".to_owned(),
            message: problems
                .iter()
                .map(|p| format!("feature spec {}: {}", p.path, p.message))
                .collect::<Vec<_>>()
                .join("; "),
        })?;
    let mut scorer = SeriesDetector::new(cfg.clone(), &spec)?;
    Ok(points
        .into_iter()
        .map(|(ts, v)| scorer.push(&spec, ts, v))
        .collect())
}
