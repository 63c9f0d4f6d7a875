//! [`MinerConfig`], the serialisable settings of one template miner (usually
//! one per service or log source), and its validation.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::similarity::Similarity;

/// Settings of one [`TemplateMiner`](crate::TemplateMiner).
///
/// ```
/// use forewarn_logs::MinerConfig;
/// let c: MinerConfig = serde_json::from_str(r#"{"depth": 4, "masks": ["blk_-?\\d+"]}"#).unwrap();
/// assert!(c.validate().is_empty());
/// assert_eq!(c.similarity_threshold.get(), 0.6);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MinerConfig {
    /// Depth of the parse tree's leaves, counting the root, the token-count
    /// layer and the leaf (template) layer, as in Drain: the first
    /// `depth - 3` tokens of a message route it to its leaf. At least 3.
    #[serde(default = "default_depth")]
    #[schemars(range(min = 3, max = 64))]
    pub depth: usize,
    /// A message joins the most similar template in its leaf when at least
    /// this share of its token positions agree with the template's constant
    /// tokens; otherwise it starts a new template. In [0, 1].
    #[serde(default = "default_similarity_threshold")]
    pub similarity_threshold: Similarity,
    /// Most children of one inner tree node; past that, new tokens share the
    /// node's `<*>` child. At least 2.
    #[serde(default = "default_max_children")]
    #[schemars(range(min = 2))]
    pub max_children: usize,
    /// Regexes (Rust `regex` syntax) applied in order to the message before
    /// tokenisation; every match is replaced with `<*>`. Use them for the
    /// system-specific variables (block ids, say). Defaults to
    /// [`DEFAULT_MASKS`](crate::DEFAULT_MASKS) (UUIDs, IPv4 and host with
    /// port, hex ids, numbers with a time unit); an explicit list replaces
    /// them.
    #[serde(default = "default_masks")]
    pub masks: Vec<String>,
    /// Treat words (tokens that are not variable-like: no digits, masked
    /// parts, paths or dotted names) as the constant skeleton of a message:
    /// a message never joins a template that has a word at a position where
    /// the message has a different token. Keeps `VM Started` apart from
    /// `VM Stopped`; names in value slots are exempt (see
    /// [`value_slots`](Self::value_slots)); turn off for Drain's rule (a
    /// different word is a plain miss).
    #[serde(default = "default_strict_words")]
    pub strict_words: bool,
    /// Words in value slots vary like numbers: a word right after a
    /// name-introducing word (`user`, `for`, `by`, `host`, ... see
    /// [`VALUE_SLOT_WORDS`](crate::VALUE_SLOT_WORDS)) is a value, so
    /// `Failed password for root from ...` and `Failed password for alice
    /// from ...` share one template even with `strict_words`; it is still a
    /// mismatch for the similarity threshold, but never a veto, and it
    /// agrees with a template's `<*>`.
    #[serde(default = "default_value_slots")]
    pub value_slots: bool,
    /// Most templates kept; past that, a message that matches no template is
    /// reported against the catch-all template instead of creating one, so
    /// memory stays bounded under garbage input.
    #[serde(default = "default_max_templates")]
    #[schemars(range(min = 1))]
    pub max_templates: usize,
}

/// 4, the Drain default: one routing token.
pub fn default_depth() -> usize {
    4
}

/// 0.6, chosen by the leave-systems-out protocol on Loghub-2k
/// ([`accuracy::cross_validate`](crate::accuracy::cross_validate); Drain's
/// default is 0.5, and 0.3 to 0.6 score within 0.001 of each other there).
pub fn default_similarity_threshold() -> Similarity {
    Similarity::try_from(0.6).expect("in range")
}

/// 100, the Drain default.
pub fn default_max_children() -> usize {
    100
}

/// [`DEFAULT_MASKS`](crate::DEFAULT_MASKS).
pub fn default_masks() -> Vec<String> {
    crate::DEFAULT_MASKS
        .iter()
        .map(|m| (*m).to_owned())
        .collect()
}

/// `true`.
pub fn default_strict_words() -> bool {
    true
}

/// `true`.
pub fn default_value_slots() -> bool {
    true
}

/// 100,000 templates.
pub fn default_max_templates() -> usize {
    100_000
}

impl Default for MinerConfig {
    fn default() -> Self {
        Self {
            depth: default_depth(),
            similarity_threshold: default_similarity_threshold(),
            max_children: default_max_children(),
            masks: default_masks(),
            strict_words: default_strict_words(),
            value_slots: default_value_slots(),
            max_templates: default_max_templates(),
        }
    }
}

/// One problem found by [`MinerConfig::validate`]: the dotted path of the
/// field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Dotted path, e.g. `masks[2]`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl MinerConfig {
    /// Every problem with the config; empty when it is valid.
    pub fn validate(&self) -> Vec<ConfigProblem> {
        let mut out = Vec::new();
        let mut bad = |path: String, message: String| out.push(ConfigProblem { path, message });
        if !(3..=64).contains(&self.depth) {
            bad(
                "depth".into(),
                format!("must be in 3..=64, got {}", self.depth),
            );
        }
        if self.max_children < 2 {
            bad(
                "max_children".into(),
                format!("must be at least 2, got {}", self.max_children),
            );
        }
        if self.max_templates == 0 {
            bad("max_templates".into(), "must be at least 1".into());
        }
        for (i, m) in self.masks.iter().enumerate() {
            if let Err(e) = crate::mask::compile(m) {
                bad(format!("masks[{i}]"), e.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_unknown_fields_rejected() {
        let c: MinerConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c, MinerConfig::default());
        assert!(c.validate().is_empty());
        assert!(serde_json::from_str::<MinerConfig>(r#"{"dept": 4}"#).is_err());
        assert!(serde_json::from_str::<MinerConfig>(r#"{"similarity_threshold": 1.5}"#).is_err());
    }

    #[test]
    fn json_schema_describes_the_fields() {
        let schema = serde_json::to_value(schemars::schema_for!(MinerConfig)).unwrap();
        let props = schema["properties"].as_object().unwrap();
        for f in [
            "depth",
            "similarity_threshold",
            "max_children",
            "masks",
            "strict_words",
            "value_slots",
            "max_templates",
        ] {
            assert!(props.contains_key(f), "{f} missing from {schema}");
        }
        assert_eq!(
            schema["additionalProperties"],
            serde_json::Value::Bool(false)
        );
    }

    #[test]
    fn validate_collects_every_problem() {
        let c = MinerConfig {
            depth: 2,
            max_children: 1,
            masks: vec!["ok".into(), "(".into()],
            ..MinerConfig::default()
        };
        let paths: Vec<_> = c.validate().into_iter().map(|p| p.path).collect();
        assert_eq!(paths, ["depth", "max_children", "masks[1]"]);
    }
}
