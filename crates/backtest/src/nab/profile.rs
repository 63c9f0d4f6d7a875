//! NAB's three application profiles and their cost matrices
//! (`config/profiles.json`, SCORING.md §7). Each profile weighs true
//! positives, false positives and false negatives differently and is
//! optimised and normalised on its own.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One of NAB's application profiles. Serialises to NAB's keys
/// (`standard`, `reward_low_FP_rate`, `reward_low_FN_rate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Profile {
    /// `standard`: A_TP 1, A_FP 0.11, A_FN 1.
    #[serde(rename = "standard")]
    Standard,
    /// `reward_low_FP_rate`: false positives cost twice as much.
    #[serde(rename = "reward_low_FP_rate")]
    RewardLowFpRate,
    /// `reward_low_FN_rate`: missed windows cost twice as much.
    #[serde(rename = "reward_low_FN_rate")]
    RewardLowFnRate,
}

impl Profile {
    /// All profiles, in NAB's reporting order.
    pub const ALL: [Profile; 3] = [
        Profile::Standard,
        Profile::RewardLowFpRate,
        Profile::RewardLowFnRate,
    ];

    /// NAB's key for the profile, as used in its JSON files.
    pub fn key(self) -> &'static str {
        match self {
            Profile::Standard => "standard",
            Profile::RewardLowFpRate => "reward_low_FP_rate",
            Profile::RewardLowFnRate => "reward_low_FN_rate",
        }
    }

    /// The profile whose key is `key`, if any.
    pub fn from_key(key: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.key() == key)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The weights of one profile, in NAB's `CostMatrix` format.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostMatrix {
    /// A_TP: the reward for a detection on a window's first row.
    #[serde(rename = "tpWeight")]
    pub tp_weight: f64,
    /// A_FP: the largest penalty for a detection outside every window.
    #[serde(rename = "fpWeight")]
    pub fp_weight: f64,
    /// A_FN: the penalty for a window without any detection.
    #[serde(rename = "fnWeight")]
    pub fn_weight: f64,
    /// A_TN: present in NAB's files but never used by the scorer.
    #[serde(rename = "tnWeight")]
    pub tn_weight: f64,
}

impl CostMatrix {
    const fn new(tp_weight: f64, fp_weight: f64, fn_weight: f64) -> Self {
        Self {
            tp_weight,
            fp_weight,
            fn_weight,
            tn_weight: 1.0,
        }
    }
}

/// The cost matrix of every profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profiles {
    costs: [CostMatrix; 3],
}

/// One entry of `profiles.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileEntry {
    #[serde(rename = "CostMatrix")]
    cost_matrix: CostMatrix,
}

impl Profiles {
    /// Reads NAB's `config/profiles.json`. It must define exactly the three
    /// NAB profiles.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let entries: BTreeMap<String, ProfileEntry> =
            serde_json::from_str(&text).map_err(|source| Error::Json {
                path: path.to_path_buf(),
                source,
            })?;
        let decode = |message: String| Error::Decode {
            path: path.to_path_buf(),
            line: None,
            message,
        };
        if let Some(unknown) = entries.keys().find(|k| Profile::from_key(k).is_none()) {
            return Err(decode(format!("unknown profile {unknown:?}")));
        }
        let mut costs = Self::default().costs;
        for profile in Profile::ALL {
            let entry = entries
                .get(profile.key())
                .ok_or_else(|| decode(format!("profile {profile} is missing")))?;
            costs[profile.index()] = entry.cost_matrix;
        }
        Ok(Self { costs })
    }

    /// The weights of `profile`.
    pub fn get(&self, profile: Profile) -> &CostMatrix {
        &self.costs[profile.index()]
    }

    /// Replaces the weights of `profile`.
    pub fn set(&mut self, profile: Profile, cost: CostMatrix) {
        self.costs[profile.index()] = cost;
    }
}

impl Default for Profiles {
    /// NAB v1.1's published weights, identical to its `config/profiles.json`.
    fn default() -> Self {
        Self {
            costs: [
                CostMatrix::new(1.0, 0.11, 1.0),
                CostMatrix::new(1.0, 0.22, 1.0),
                CostMatrix::new(1.0, 0.11, 2.0),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for p in Profile::ALL {
            assert_eq!(Profile::from_key(p.key()), Some(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.key()));
        }
    }

    #[test]
    fn defaults_match_the_spec() {
        let p = Profiles::default();
        assert_eq!(p.get(Profile::RewardLowFpRate).fp_weight, 0.22);
        assert_eq!(p.get(Profile::RewardLowFnRate).fn_weight, 2.0);
        assert_eq!(p.get(Profile::Standard).tp_weight, 1.0);
    }
}
