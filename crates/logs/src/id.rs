//! Template ids. An id is derived from the template's tokens at the moment
//! the template is created (XXH3-64 of the length-prefixed tokens), so two
//! miners fed the same lines create the same ids, and a miner restored from
//! persisted state keeps handing out exactly the ids an uninterrupted run
//! would. On the (rare) collision with an existing id a nonce is mixed in, which
//! stays deterministic because the set of existing ids is part of the state.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::Xxh3;

/// Stable identifier of a log template. Printed and serialised as 16
/// lower-case hex digits (a string, so JSON consumers never round it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct TemplateId(pub u64);

impl TemplateId {
    /// The id reported for messages that arrive once the miner holds
    /// `max_templates` templates and match none of them. Never derived.
    pub const OVERFLOW: TemplateId = TemplateId(0);

    /// The id of a template created from `tokens`, with collision `nonce`
    /// (0 for the first attempt).
    pub fn derive<'a>(tokens: impl IntoIterator<Item = &'a str>, nonce: u64) -> Self {
        let mut h = Xxh3::new();
        for t in tokens {
            h.update(&(t.len() as u64).to_le_bytes());
            h.update(t.as_bytes());
        }
        if nonce != 0 {
            h.update(b"\xffnonce");
            h.update(&nonce.to_le_bytes());
        }
        match h.digest() {
            0 => TemplateId(u64::MAX),
            d => TemplateId(d),
        }
    }
}

impl fmt::Display for TemplateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Error parsing a [`TemplateId`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template id must be 16 hex digits, got {0:?}")]
pub struct ParseTemplateIdError(String);

impl FromStr for TemplateId {
    type Err = ParseTemplateIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() != 16 {
            return Err(ParseTemplateIdError(s.to_owned()));
        }
        u64::from_str_radix(s, 16)
            .map(TemplateId)
            .map_err(|_| ParseTemplateIdError(s.to_owned()))
    }
}

impl From<TemplateId> for String {
    fn from(id: TemplateId) -> Self {
        id.to_string()
    }
}

impl TryFrom<String> for TemplateId {
    type Error = ParseTemplateIdError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_is_deterministic_and_length_prefixed() {
        let a = TemplateId::derive(["ab", "c"], 0);
        assert_eq!(a, TemplateId::derive(["ab", "c"], 0));
        assert_ne!(a, TemplateId::derive(["a", "bc"], 0));
        assert_ne!(a, TemplateId::derive(["ab", "c"], 1));
    }

    #[test]
    fn text_round_trip() {
        let id = TemplateId::derive(["x"], 0);
        assert_eq!(id.to_string().parse::<TemplateId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<TemplateId>(&json).unwrap(), id);
        assert!("xyz".parse::<TemplateId>().is_err());
    }
}
