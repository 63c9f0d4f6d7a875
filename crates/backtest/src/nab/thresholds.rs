//! Where the per-profile thresholds come from: NAB's published
//! `config/thresholds.json` (detector → profile → threshold and raw score),
//! or the corpus-wide sweep of SCORING.md §6.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::profile::Profile;
use crate::error::{Error, Result};

/// One entry of `thresholds.json`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedThreshold {
    /// The anomaly-score threshold θ; a row is a detection when its score is
    /// at least θ.
    pub threshold: f64,
    /// The raw corpus score NAB stored with θ. It is informational only; for
    /// several detectors it is stale (SCORING.md §11.9).
    pub score: f64,
}

/// The contents of a `thresholds.json`: detector name → profile key →
/// threshold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PublishedThresholds {
    /// The map, keyed by detector name, then by profile key
    /// (see [`Profile::key`]).
    pub detectors: BTreeMap<String, BTreeMap<String, PublishedThreshold>>,
}

impl PublishedThresholds {
    /// Reads NAB's `config/thresholds.json`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| Error::Json {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The threshold of `detector` for `profile`.
    pub fn get(&self, detector: &str, profile: Profile) -> Result<PublishedThreshold> {
        self.detectors
            .get(detector)
            .and_then(|profiles| profiles.get(profile.key()))
            .copied()
            .ok_or_else(|| Error::Threshold {
                detector: detector.to_owned(),
                profile: profile.key().to_owned(),
            })
    }

    /// Sets the threshold of `detector` for `profile`.
    pub fn insert(&mut self, detector: &str, profile: Profile, entry: PublishedThreshold) {
        self.detectors
            .entry(detector.to_owned())
            .or_default()
            .insert(profile.key().to_owned(), entry);
    }
}

/// How [`crate::nab::score`] picks each profile's threshold.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ThresholdMode {
    /// Use the thresholds stored for the detector (looked up by
    /// [`crate::nab::DetectorResults::detector`]), as NAB's `score` step does.
    Published(PublishedThresholds),
    /// Sweep every distinct score and keep the best corpus score per profile,
    /// as NAB's current `optimize` step does (ties keep the highest θ).
    Optimize,
}

impl ThresholdMode {
    /// [`ThresholdMode::Published`] with the thresholds read from `path`.
    pub fn published_from_file(path: &Path) -> Result<Self> {
        PublishedThresholds::load(path).map(ThresholdMode::Published)
    }
}
