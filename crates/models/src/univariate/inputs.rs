//! [`FeatureBinding`]: where, in a feature vector from
//! `forewarn_features::SeriesWindows`, the detector finds the features it
//! reads. Binding is done once per spec; scoring then indexes the vector.

use forewarn_features::{CompiledSpec, Feature};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The name of the window whose min and max give the recent range.
pub const RECENT_WINDOW: &str = "recent";

/// Positions of the detector's features in a feature vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureBinding {
    recent_min: usize,
    recent_max: usize,
}

impl FeatureBinding {
    /// Finds `recent.min` and `recent.max` in `spec`.
    pub fn new(spec: &CompiledSpec) -> Result<Self> {
        let find = |f: Feature| {
            spec.index_of(RECENT_WINDOW, f)
                .ok_or_else(|| Error::Features {
                    feature: format!("{RECENT_WINDOW}.{}", f.name()),
                    message: "the spec needs this window and feature; build it with \
                          DetectorConfig::feature_spec"
                        .to_owned(),
                })
        };
        Ok(Self {
            recent_min: find(Feature::Min)?,
            recent_max: find(Feature::Max)?,
        })
    }

    /// The recent range `(min, max)` in `features`, if both are finite.
    #[inline]
    pub(crate) fn recent_range(&self, features: &[f64]) -> Option<(f64, f64)> {
        let lo = *features.get(self.recent_min)?;
        let hi = *features.get(self.recent_max)?;
        (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
    }
}
