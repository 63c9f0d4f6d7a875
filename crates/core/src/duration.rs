//! Human-readable durations (`500ms`, `10s`, `5m`, `1h`, `7d`, `2w`) as used in
//! pipeline files and command-line flags. Kept in milliseconds, the time unit
//! of every engine in Forewarn.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative duration written as an integer and a unit.
///
/// ```
/// use forewarn_core::HumanDuration;
/// let d: HumanDuration = "90m".parse().unwrap();
/// assert_eq!(d.as_millis(), 90 * 60 * 1000);
/// assert_eq!(d.to_string(), "90m");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(i64);

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {reason} (expected e.g. 500ms, 10s, 5m, 1h, 7d)")]
pub struct DurationError {
    input: String,
    reason: &'static str,
}

const UNITS: [(&str, i64); 6] = [
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl HumanDuration {
    /// A duration of `ms` milliseconds. Negative values are clamped to zero.
    pub const fn from_millis(ms: i64) -> Self {
        Self(if ms < 0 { 0 } else { ms })
    }

    /// A duration of `s` seconds.
    pub const fn from_secs(s: i64) -> Self {
        Self::from_millis(s * 1000)
    }

    /// The duration in milliseconds.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The duration in (fractional) seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Whether the duration is zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl From<HumanDuration> for std::time::Duration {
    fn from(d: HumanDuration) -> Self {
        std::time::Duration::from_millis(d.as_millis() as u64)
    }
}

impl FromStr for HumanDuration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| DurationError {
            input: s.to_string(),
            reason,
        };
        let t = s.trim();
        let split = t
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| err("missing unit"))?;
        if split == 0 {
            return Err(err("must start with a non-negative integer"));
        }
        let (num, unit) = t.split_at(split);
        let n: i64 = num.parse().map_err(|_| err("number too large"))?;
        let mult = UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|(_, m)| *m)
            .ok_or_else(|| err("unknown unit"))?;
        n.checked_mul(mult)
            .map(Self)
            .ok_or_else(|| err("number too large"))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        for (unit, mult) in UNITS {
            if self.0 % mult == 0 {
                return write!(f, "{}{}", self.0 / mult, unit);
            }
        }
        unreachable!("every integer is a multiple of 1ms")
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for HumanDuration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "HumanDuration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9]+(ms|s|m|h|d|w)$",
            "description": "A duration: an integer and a unit (ms, s, m, h, d, w), e.g. 10s, 5m, 7d."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_and_round_trips() {
        for (s, ms, shown) in [
            ("250ms", 250, "250ms"),
            ("10s", 10_000, "10s"),
            ("5m", 300_000, "5m"),
            ("1h", 3_600_000, "1h"),
            ("6d", 518_400_000, "6d"),
            ("7d", 604_800_000, "1w"),
            ("2w", 1_209_600_000, "2w"),
            ("0s", 0, "0s"),
        ] {
            let d: HumanDuration = s.parse().unwrap();
            assert_eq!(d.as_millis(), ms, "{s}");
            assert_eq!(d.to_string(), shown);
        }
        assert_eq!("90s".parse::<HumanDuration>().unwrap().to_string(), "90s");
        assert_eq!("120m".parse::<HumanDuration>().unwrap().to_string(), "2h");
    }

    #[test]
    fn rejects_malformed_input_with_reason() {
        for (s, why) in [
            ("10", "missing unit"),
            ("m", "must start"),
            ("-5m", "must start"),
            ("5y", "unknown unit"),
            ("99999999999999999999s", "too large"),
        ] {
            let e = s.parse::<HumanDuration>().unwrap_err().to_string();
            assert!(e.contains(why), "{s}: {e}");
        }
    }
}
