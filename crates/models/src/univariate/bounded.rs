//! Bounded configuration values as newtypes, checked by `TryFrom` (house
//! style rule 12): [`HalfLife`] (a positive, finite number of samples) and
//! [`Fraction`] (a share in `(0, 1]`). Both (de)serialise as plain numbers
//! and refuse out-of-range values at parse time.

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A positive, finite half-life counted in samples.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct HalfLife(f64);

impl HalfLife {
    /// The half-life in samples.
    pub fn samples(self) -> f64 {
        self.0
    }

    /// The per-sample rate `α` of an exponential average whose weights
    /// halve every `self` samples: `1 − 2^(−1/h)`.
    pub fn alpha(self) -> f64 {
        1.0 - 0.5f64.powf(1.0 / self.0)
    }

    /// The per-sample decay factor `1 − α`.
    pub fn decay(self) -> f64 {
        0.5f64.powf(1.0 / self.0)
    }
}

impl TryFrom<f64> for HalfLife {
    type Error = Error;

    fn try_from(v: f64) -> Result<Self, Error> {
        if v.is_finite() && v > 0.0 {
            Ok(Self(v))
        } else {
            Err(Error::Config {
                path: String::new(),
                message: format!("a half-life must be a positive number of samples, got {v}"),
            })
        }
    }
}

impl From<HalfLife> for f64 {
    fn from(h: HalfLife) -> f64 {
        h.0
    }
}

/// A share in `(0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Fraction(f64);

impl Fraction {
    /// The share.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Fraction {
    type Error = Error;

    fn try_from(v: f64) -> Result<Self, Error> {
        if v > 0.0 && v <= 1.0 {
            Ok(Self(v))
        } else {
            Err(Error::Config {
                path: String::new(),
                message: format!("a fraction must be within (0, 1], got {v}"),
            })
        }
    }
}

impl From<Fraction> for f64 {
    fn from(f: Fraction) -> f64 {
        f.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuse_out_of_range_values() {
        assert!(HalfLife::try_from(0.0).is_err());
        assert!(HalfLife::try_from(f64::NAN).is_err());
        assert!(Fraction::try_from(0.0).is_err());
        assert!(Fraction::try_from(1.5).is_err());
        let h = HalfLife::try_from(1.0).unwrap();
        assert!((h.alpha() - 0.5).abs() < 1e-12);
        let parsed: Result<Fraction, _> = serde_json::from_str("1.2");
        assert!(parsed.is_err());
    }
}
