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
/// assert_eq!(c.similarity_threshold.get(), 0.5);
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
    /// system-specific variables (block ids, IPs, paths).
    #[serde(default)]
    pub masks: Vec<String>,
    /// Treat words (tokens without digits or masked parts) as the constant
    /// skeleton of a message: a message never joins a template that has a
    /// different word at the same position. Keeps `VM Started` apart from
    /// `VM Stopped`; turn off when alphabetic values (user names, say) should
    /// share one template.
    #[serde(default = "default_strict_words")]
    pub strict_words: bool,
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

/// 0.5, the Drain default.
pub fn default_similarity_threshold() -> Similarity {
    Similarity::HALF
}

/// 100, the Drain default.
pub fn default_max_children() -> usize {
    100
}

/// `true`.
pub fn default_strict_words() -> bool {
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
            masks: Vec::new(),
            strict_words: default_strict_words(),
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
            if let Err(e) = regex::Regex::new(m) {
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
