//! [`Similarity`], a share in [0, 1] checked on construction, used for the
//! miner's similarity threshold.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A share in the closed interval [0, 1]. Built with `TryFrom<f64>`, which
/// refuses NaN and out-of-range values; serde goes through the same check.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Similarity(f64);

impl Similarity {
    /// 0.5.
    pub const HALF: Similarity = Similarity(0.5);

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// Error for a value outside [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("similarity must be in [0, 1], got {0}")]
pub struct SimilarityOutOfRange(pub f64);

impl TryFrom<f64> for Similarity {
    type Error = SimilarityOutOfRange;

    fn try_from(v: f64) -> Result<Self, Self::Error> {
        if (0.0..=1.0).contains(&v) {
            Ok(Similarity(v))
        } else {
            Err(SimilarityOutOfRange(v))
        }
    }
}

impl JsonSchema for Similarity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Similarity".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "number",
            "minimum": 0.0,
            "maximum": 1.0,
            "description": "A share in [0, 1]."
        })
    }
}

impl From<Similarity> for f64 {
    fn from(s: Similarity) -> f64 {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_checked() {
        assert!(Similarity::try_from(0.0).is_ok());
        assert!(Similarity::try_from(1.0).is_ok());
        assert!(Similarity::try_from(-0.1).is_err());
        assert!(Similarity::try_from(f64::NAN).is_err());
        assert!(serde_json::from_str::<Similarity>("2.0").is_err());
        assert_eq!(
            serde_json::from_str::<Similarity>("0.39").unwrap().get(),
            0.39
        );
    }
}
