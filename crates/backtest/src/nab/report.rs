//! The result of scoring one detector: the normalised NAB scores under
//! NAB's JSON keys (`standard`, `reward_low_FP_rate`, `reward_low_FN_rate`),
//! and per profile the threshold, raw score, and per-file counts and scores.

use serde::Serialize;

use super::profile::{CostMatrix, Profile};

/// Row counts over scored rows (SCORING.md §5): these are rows, not events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Detected rows inside windows.
    #[serde(rename = "TP")]
    pub true_positives: usize,
    /// Detected rows outside every window.
    #[serde(rename = "FP")]
    pub false_positives: usize,
    /// Undetected rows inside windows.
    #[serde(rename = "FN")]
    pub false_negatives: usize,
    /// Undetected rows outside every window.
    #[serde(rename = "TN")]
    pub true_negatives: usize,
}

impl Counts {
    /// Adds `other` to `self`.
    pub fn add(&mut self, other: &Counts) {
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.false_negatives += other.false_negatives;
        self.true_negatives += other.true_negatives;
    }

    /// Number of scored rows.
    pub fn total(&self) -> usize {
        self.true_positives + self.false_positives + self.false_negatives + self.true_negatives
    }
}

/// The score of one file under one profile and threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// The file, as `<category>/<file>.csv`.
    pub file: String,
    /// The file's raw score `S_file(θ)`.
    pub score: f64,
    /// Row counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// Windows that count (have a scored row).
    pub windows: usize,
    /// Counted windows with at least one detection.
    pub detected_windows: usize,
}

/// The outcome for one profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileReport {
    /// The profile.
    pub profile: Profile,
    /// The weights used.
    pub cost: CostMatrix,
    /// The threshold θ: rows with `anomaly_score ≥ θ` are detections.
    pub threshold: f64,
    /// The raw corpus score, the sum of the per-file scores.
    pub raw_score: f64,
    /// The null detector's raw score, `−A_FN · (counted windows)`.
    pub null_score: f64,
    /// The perfect detector's raw score, `A_TP · (windows)`.
    pub perfect_score: f64,
    /// The NAB score, `100 · (raw − null) / (perfect − null)`.
    pub normalized: f64,
    /// Row counts summed over the corpus.
    pub counts: Counts,
    /// Per-file details, in corpus order.
    pub files: Vec<FileReport>,
}

/// Where the thresholds of a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdSource {
    /// Looked up in a `thresholds.json`.
    Published,
    /// Found by the corpus-wide sweep.
    Optimized,
}

/// The full scoring report of one detector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NabReport {
    /// The detector's name.
    pub detector: String,
    /// How the thresholds were chosen.
    pub thresholds: ThresholdSource,
    /// Normalised NAB score, standard profile.
    pub standard: f64,
    /// Normalised NAB score, reward-low-FP profile.
    #[serde(rename = "reward_low_FP_rate")]
    pub reward_low_fp_rate: f64,
    /// Normalised NAB score, reward-low-FN profile.
    #[serde(rename = "reward_low_FN_rate")]
    pub reward_low_fn_rate: f64,
    /// Details per profile, in the order of [`Profile::ALL`].
    pub profiles: Vec<ProfileReport>,
}

impl NabReport {
    /// Assembles a report from the three profile reports.
    pub(crate) fn new(
        detector: String,
        thresholds: ThresholdSource,
        profiles: Vec<ProfileReport>,
    ) -> Self {
        let pick = |p: Profile| {
            profiles
                .iter()
                .find(|r| r.profile == p)
                .map_or(f64::NAN, |r| r.normalized)
        };
        Self {
            detector,
            thresholds,
            standard: pick(Profile::Standard),
            reward_low_fp_rate: pick(Profile::RewardLowFpRate),
            reward_low_fn_rate: pick(Profile::RewardLowFnRate),
            profiles,
        }
    }

    /// The normalised score of `profile`.
    pub fn normalized(&self, profile: Profile) -> f64 {
        match profile {
            Profile::Standard => self.standard,
            Profile::RewardLowFpRate => self.reward_low_fp_rate,
            Profile::RewardLowFnRate => self.reward_low_fn_rate,
        }
    }

    /// The details of `profile`.
    pub fn profile(&self, profile: Profile) -> &ProfileReport {
        self.profiles
            .iter()
            .find(|r| r.profile == profile)
            .expect("a report holds every profile")
    }
}

/// `100 · (raw − null) / (perfect − null)`.
pub(crate) fn normalize(raw: f64, null: f64, perfect: f64) -> f64 {
    100.0 * (raw - null) / (perfect - null)
}
