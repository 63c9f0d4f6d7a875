//! [`Probability`]: an `f64` known to be within [0, 1], for the
//! thresholds of the pipeline file. Built with `TryFrom<f64>`; it reads
//! and writes as a bare number, and its JSON Schema bounds it, so
//! validation reports a value out of range with its dotted path.

use std::borrow::Cow;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A probability: a finite number within [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Probability(f64);

/// A number that is not a probability (outside [0, 1], or NaN).
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("{0} is not a probability: must be within [0, 1]")]
pub struct NotAProbability(pub f64);

impl Probability {
    /// Certainty, 1.
    pub const ONE: Self = Self(1.0);
    /// Impossibility, 0.
    pub const ZERO: Self = Self(0.0);

    /// `p` as a probability; `const`, for defaults written as literals.
    /// Panics (at compile time in a `const`) when `p` is not one.
    #[allow(clippy::manual_range_contains)] // `contains` is not `const`
    pub const fn new_const(p: f64) -> Self {
        assert!(p >= 0.0 && p <= 1.0, "not a probability");
        Self(p)
    }

    /// The number.
    pub const fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Probability {
    type Error = NotAProbability;

    fn try_from(p: f64) -> Result<Self, Self::Error> {
        if (0.0..=1.0).contains(&p) {
            Ok(Self(p))
        } else {
            Err(NotAProbability(p))
        }
    }
}

impl From<Probability> for f64 {
    fn from(p: Probability) -> Self {
        p.0
    }
}

impl PartialEq<f64> for Probability {
    fn eq(&self, other: &f64) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for Probability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl JsonSchema for Probability {
    fn schema_name() -> Cow<'static, str> {
        "Probability".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "number",
            "minimum": 0.0,
            "maximum": 1.0,
            "description": "A probability, within [0, 1]."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_numbers_in_the_unit_interval_are_probabilities() {
        assert_eq!(Probability::try_from(0.7).map(Probability::get), Ok(0.7));
        assert!(Probability::try_from(0.0).is_ok());
        assert!(Probability::try_from(1.0).is_ok());
        assert_eq!(Probability::try_from(1.5), Err(NotAProbability(1.5)));
        assert!(Probability::try_from(-0.1).is_err());
        assert!(Probability::try_from(f64::NAN).is_err());
    }

    #[test]
    fn reads_and_writes_as_a_bare_number() {
        let p: Probability = serde_json::from_str("0.25").unwrap();
        assert_eq!(p, 0.25);
        assert_eq!(serde_json::to_string(&p).unwrap(), "0.25");
        assert!(serde_json::from_str::<Probability>("2").is_err());
    }
}
