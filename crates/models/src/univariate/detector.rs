//! [`UnivariateDetector`]: one series' online anomaly detector. Each sample
//! is scored, then learned, in one pass and in constant time:
//!
//! 1. Tier 1, [`RangeBreak`]: the value against the recent range (from the
//!    feature vector) and the all-time range.
//! 2. Tier 2, two raw measures — sequence novelty ([`ContextModel`]) and
//!    distance from the daily profile ([`SeasonalProfile`]) — each smoothed
//!    over a few samples and calibrated into a surprise against the series'
//!    own history ([`Rarity`]); the larger is kept and passed through the
//!    [`Suppressor`].
//! 3. The larger of the two tiers, `s`, is mapped to `s / (s + c)` in [0, 1).
//!
//! The whole state is `serde`-serialisable, so a checkpoint taken between
//! two samples resumes exactly.

use forewarn_features::CompiledSpec;
use serde::{Deserialize, Serialize};

use super::config::DetectorConfig;
use super::context::{ContextModel, ContextParams};
use super::inputs::FeatureBinding;
use super::range::RangeBreak;
use super::rarity::{Rarity, RarityParams};
use super::seasonal::{SeasonalParams, SeasonalProfile};
use super::smooth::MovingAverage;
use super::suppress::Suppressor;
use crate::error::Result;

/// The score of one sample and the signals behind it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Score {
    /// The anomaly score in [0, 1).
    pub score: f64,
    /// Tier-1 surprise (range break); never suppressed.
    pub range: f64,
    /// Calibrated sequence-novelty surprise (may be negative).
    pub context: f64,
    /// Calibrated daily-profile surprise (may be negative).
    pub seasonal: f64,
    /// Whether the tier-2 surprise was suppressed as a repeat.
    pub suppressed: bool,
}

/// A calibrated tier-2 signal: smoothing then rarity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
struct Calibrated {
    smooth: MovingAverage,
    rarity: Rarity,
}

impl Calibrated {
    #[inline]
    fn step(&mut self, smoothing: usize, p: &RarityParams, raw: f64) -> f64 {
        let r = self.smooth.push(smoothing, raw);
        let s = self.rarity.surprise(p, r);
        self.rarity.push(p, r);
        s
    }
}

/// The online univariate detector of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnivariateDetector {
    cfg: DetectorConfig,
    binding: FeatureBinding,
    /// Finite samples seen.
    seen: u64,
    range: RangeBreak,
    context: ContextModel,
    context_cal: Calibrated,
    seasonal: SeasonalProfile,
    seasonal_cal: Calibrated,
    suppressor: Suppressor,
}

impl UnivariateDetector {
    /// A fresh detector reading feature vectors of `spec` (which must hold
    /// the window of [`DetectorConfig::feature_spec`]). Fails on an invalid
    /// configuration (the first problem; see [`DetectorConfig::validate`]
    /// for all of them) or a spec without the needed features.
    pub fn new(cfg: DetectorConfig, spec: &CompiledSpec) -> Result<Self> {
        if let Err(mut problems) = cfg.validate() {
            return Err(problems.swap_remove(0));
        }
        let binding = FeatureBinding::new(spec)?;
        Ok(Self {
            cfg,
            binding,
            seen: 0,
            range: RangeBreak::default(),
            context: ContextModel::default(),
            context_cal: Calibrated::default(),
            seasonal: SeasonalProfile::default(),
            seasonal_cal: Calibrated::default(),
            suppressor: Suppressor::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &DetectorConfig {
        &self.cfg
    }

    /// Finite samples seen so far.
    pub fn samples_seen(&self) -> u64 {
        self.seen
    }

    /// Scores the sample (`ts_ms`, `value`) and learns it. `features` is the
    /// series' feature vector *before* this sample was pushed to its windows
    /// (so the recent range does not contain the value being judged). A
    /// non-finite value scores 0 and leaves the state untouched.
    #[inline]
    pub fn step(&mut self, ts_ms: i64, value: f64, features: &[f64]) -> f64 {
        self.step_detailed(ts_ms, value, features).score
    }

    /// [`Self::step`], also returning the signals behind the score.
    pub fn step_detailed(&mut self, ts_ms: i64, value: f64, features: &[f64]) -> Score {
        if !value.is_finite() {
            return Score::default();
        }
        let cfg = &self.cfg;
        let cal = RarityParams {
            r0: cfg.context.scale,
            prior: cfg.calibration.prior,
            gamma: cfg.calibration.gamma,
            half_life: cfg.calibration.half_life,
        };
        let cp = ContextParams {
            range_samples: cfg.context.range_samples,
            levels: cfg.context.levels,
            order: cfg.context.order,
            max_contexts: cfg.context.max_contexts,
        };
        let raw = self.context.step(&cp, value);
        let context = self.context_cal.step(cfg.context.smoothing, &cal, raw);

        let sp = SeasonalParams {
            buckets: cfg.seasonal.buckets_per_day,
            alpha: cfg.seasonal.alpha.get(),
            min_visits: cfg.seasonal.min_visits,
        };
        let raw = self.seasonal.step(&sp, ts_ms, value);
        let cal = RarityParams {
            r0: cfg.seasonal.scale,
            ..cal
        };
        let seasonal = self.seasonal_cal.step(cfg.seasonal.smoothing, &cal, raw);

        let recent = self.binding.recent_range(features);
        let range = self.range.step(&cfg.range, recent, value);

        let tier2 = context.max(seasonal).max(0.0);
        let reported = self.suppressor.step(&cfg.suppression, tier2, range);
        self.seen += 1;
        if self.seen <= u64::from(cfg.learning_samples) {
            return Score {
                score: 0.0,
                range,
                context,
                seasonal,
                suppressed: false,
            };
        }
        let s = reported.max(range);
        Score {
            score: s / (s + cfg.output_scale),
            range,
            context,
            seasonal,
            suppressed: tier2 > 0.0 && reported == 0.0,
        }
    }
}
