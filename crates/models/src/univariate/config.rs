//! [`DetectorConfig`]: every parameter of the univariate detector, with
//! documented defaults. One configuration serves every series (the NAB run
//! uses the defaults for all 58 files); nothing here is fitted per series.
//! Bounded values are newtypes ([`HalfLife`], [`Fraction`]) refused at
//! parse time; the rest is checked by [`DetectorConfig::validate`] (in the
//! `validate` module), which reports every problem with its dotted path.

use forewarn_core::HumanDuration;
use forewarn_features::{Feature, FeatureSpec, WindowSpec};
use serde::{Deserialize, Serialize};

use super::bounded::{Fraction, HalfLife};
use super::inputs::RECENT_WINDOW;

/// The detector's configuration. Deserialising `{}` gives the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorConfig {
    /// Samples scored 0 at the start of a series while the models learn.
    #[serde(default = "default_learning_samples")]
    pub learning_samples: u32,
    /// The range-break signal (tier 1).
    #[serde(default)]
    pub range: RangeConfig,
    /// The sequence-novelty signal (tier 2).
    #[serde(default)]
    pub context: ContextConfig,
    /// The daily-profile signal (tier 2).
    #[serde(default)]
    pub seasonal: SeasonalConfig,
    /// Calibration of the tier-2 signals into surprises.
    #[serde(default)]
    pub calibration: CalibrationConfig,
    /// Suppression of repeated tier-2 alerts.
    #[serde(default)]
    pub suppression: SuppressionConfig,
    /// `c` in the final map `s ↦ s / (s + c)` from a surprise to [0, 1).
    #[serde(default = "default_output_scale")]
    pub output_scale: f64,
}

fn default_learning_samples() -> u32 {
    150
}
fn default_output_scale() -> f64 {
    5.0
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            learning_samples: default_learning_samples(),
            range: RangeConfig::default(),
            context: ContextConfig::default(),
            seasonal: SeasonalConfig::default(),
            calibration: CalibrationConfig::default(),
            suppression: SuppressionConfig::default(),
            output_scale: default_output_scale(),
        }
    }
}

/// Tier 1: a value beyond both the recent range (a feature window's min and
/// max before the value) and, for full weight, beyond every value seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeConfig {
    /// Length of the recent window (`14d`).
    #[serde(default = "default_recent_window")]
    pub recent_window: HumanDuration,
    /// Panes of the recent window (28, half a day each at 14 days).
    #[serde(default = "default_recent_panes")]
    pub recent_panes: u32,
    /// How far beyond the recent range, as a share of it, a value must be
    /// to count (0.05).
    #[serde(default = "default_tolerance")]
    pub tolerance: Fraction,
    /// Surprise per unit of excess for a value beyond every value seen
    /// (1000: such a value outranks any tier-2 signal).
    #[serde(default = "default_outside_weight")]
    pub outside_weight: f64,
    /// Surprise per unit of excess for a value beyond the recent range only
    /// (3: it ranks with ordinary tier-2 signals).
    #[serde(default = "default_inside_weight")]
    pub inside_weight: f64,
}

fn default_recent_window() -> HumanDuration {
    HumanDuration::from_secs(14 * 86_400)
}
fn default_recent_panes() -> u32 {
    28
}
fn default_tolerance() -> Fraction {
    Fraction::try_from(0.05).expect("in range")
}
fn default_outside_weight() -> f64 {
    1000.0
}
fn default_inside_weight() -> f64 {
    3.0
}

impl Default for RangeConfig {
    fn default() -> Self {
        Self {
            recent_window: default_recent_window(),
            recent_panes: default_recent_panes(),
            tolerance: default_tolerance(),
            outside_weight: default_outside_weight(),
            inside_weight: default_inside_weight(),
        }
    }
}

/// Tier 2: how unfamiliar the recent sequence of quantised values is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextConfig {
    /// Samples whose min and max fix the quantiser (100).
    #[serde(default = "default_range_samples")]
    pub range_samples: u32,
    /// Quantisation levels across that range (8).
    #[serde(default = "default_levels")]
    pub levels: u32,
    /// Longest context counted, in samples (5; at most 8).
    #[serde(default = "default_order")]
    pub order: usize,
    /// Distinct contexts kept before all counts are halved (8,192). This
    /// bounds the state: at most about 30 kB of JSON per series.
    #[serde(default = "default_max_contexts")]
    pub max_contexts: usize,
    /// Moving-average length applied before calibration (6).
    #[serde(default = "default_smoothing")]
    pub smoothing: usize,
    /// Scale of the raw measure for calibration (0.02).
    #[serde(default = "default_context_r0")]
    pub scale: f64,
}

fn default_range_samples() -> u32 {
    100
}
fn default_levels() -> u32 {
    8
}
fn default_order() -> usize {
    5
}
fn default_max_contexts() -> usize {
    8_192
}
fn default_smoothing() -> usize {
    6
}
fn default_context_r0() -> f64 {
    0.02
}

impl Default for ContextConfig {
    fn default() -> Self {
        Self {
            range_samples: default_range_samples(),
            levels: default_levels(),
            order: default_order(),
            max_contexts: default_max_contexts(),
            smoothing: default_smoothing(),
            scale: default_context_r0(),
        }
    }
}

/// Tier 2: distance from the time-of-day profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeasonalConfig {
    /// Time-of-day buckets per day (24).
    #[serde(default = "default_buckets")]
    pub buckets_per_day: u32,
    /// Weight of a new value in its bucket's mean and deviation (0.05).
    #[serde(default = "default_seasonal_alpha")]
    pub alpha: Fraction,
    /// Visits before a bucket is trusted (2).
    #[serde(default = "default_min_visits")]
    pub min_visits: u32,
    /// Moving-average length applied before calibration (6).
    #[serde(default = "default_smoothing")]
    pub smoothing: usize,
    /// Scale of the raw measure for calibration (0.25 deviations).
    #[serde(default = "default_seasonal_r0")]
    pub scale: f64,
}

fn default_buckets() -> u32 {
    24
}
fn default_seasonal_alpha() -> Fraction {
    Fraction::try_from(0.05).expect("in range")
}
fn default_min_visits() -> u32 {
    2
}
fn default_seasonal_r0() -> f64 {
    0.25
}

impl Default for SeasonalConfig {
    fn default() -> Self {
        Self {
            buckets_per_day: default_buckets(),
            alpha: default_seasonal_alpha(),
            min_visits: default_min_visits(),
            smoothing: default_smoothing(),
            scale: default_seasonal_r0(),
        }
    }
}

/// Calibration of tier-2 raw measures (see the `rarity` module).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationConfig {
    /// Half-life of the remembered history of each measure (3000 samples).
    #[serde(default = "default_calibration_half_life")]
    pub half_life: HalfLife,
    /// Prior weight, in samples (2).
    #[serde(default = "default_prior")]
    pub prior: f64,
    /// Weight of the memory-length term `γ` (0.5).
    #[serde(default = "default_gamma")]
    pub gamma: f64,
}

fn default_calibration_half_life() -> HalfLife {
    HalfLife::try_from(3000.0).expect("in range")
}
fn default_prior() -> f64 {
    2.0
}
fn default_gamma() -> f64 {
    0.5
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        Self {
            half_life: default_calibration_half_life(),
            prior: default_prior(),
            gamma: default_gamma(),
        }
    }
}

/// Suppression: NAB (and an on-call engineer) rewards the first alert of an
/// event and penalises every later one. A tier-2 surprise is reported only
/// when it exceeds `ratio` times the decayed maximum of earlier tier-2
/// surprises; a range break raises that maximum to `after_range_break`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressionConfig {
    /// Half-life of the remembered maximum (100 samples).
    #[serde(default = "default_suppression_half_life")]
    pub half_life: HalfLife,
    /// How much a surprise must exceed the remembered maximum (1.2).
    #[serde(default = "default_ratio")]
    pub ratio: f64,
    /// Remembered maximum set by a range break (20).
    #[serde(default = "default_after_range_break")]
    pub after_range_break: f64,
}

fn default_suppression_half_life() -> HalfLife {
    HalfLife::try_from(100.0).expect("in range")
}
fn default_ratio() -> f64 {
    1.2
}
fn default_after_range_break() -> f64 {
    20.0
}

impl Default for SuppressionConfig {
    fn default() -> Self {
        Self {
            half_life: default_suppression_half_life(),
            ratio: default_ratio(),
            after_range_break: default_after_range_break(),
        }
    }
}

impl DetectorConfig {
    /// The feature spec the detector reads: one window named
    /// [`RECENT_WINDOW`] with its count, min and max. Bind a detector to any
    /// compiled spec that has that window (see
    /// [`super::FeatureBinding::new`]).
    pub fn feature_spec(&self) -> FeatureSpec {
        let mut spec = FeatureSpec::default_set();
        spec.windows = vec![WindowSpec {
            name: RECENT_WINDOW.into(),
            length: self.range.recent_window,
            panes: self.range.recent_panes,
        }];
        spec.features = vec![Feature::Count, Feature::Min, Feature::Max];
        // Late samples up to an hour old are still applied to the window.
        spec.allowed_lateness = HumanDuration::from_secs(3600);
        spec.expected_interval = HumanDuration::from_secs(60);
        spec.counter_suffixes = Vec::new();
        spec
    }
}
