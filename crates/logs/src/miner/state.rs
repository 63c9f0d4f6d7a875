//! [`MinerState`]: everything a miner has learnt, plus its config. It is
//! what gets persisted; [`TemplateMiner::from_state`](super::TemplateMiner::from_state)
//! checks it with [`MinerState::check`] before a miner runs on it again.

use serde::{Deserialize, Serialize};

use crate::config::MinerConfig;
use crate::error::{Error, Result};
use crate::hash::FastMap;
use crate::id::TemplateId;
use crate::template::Template;
use crate::tree::ParseTree;

/// Everything a miner has learnt, plus its config: persist this (it is
/// serde-serialisable), and restore it with
/// [`TemplateMiner::from_state`](super::TemplateMiner::from_state).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MinerState {
    /// The config the miner runs with.
    pub config: MinerConfig,
    /// Templates in creation order.
    pub templates: Vec<Template>,
    /// The routing tree; leaves hold indices into `templates`.
    pub(crate) tree: ParseTree,
}

impl MinerState {
    /// An empty state with `config`.
    pub fn new(config: MinerConfig) -> Self {
        Self {
            config,
            templates: Vec::new(),
            tree: ParseTree::default(),
        }
    }

    /// Check the state for consistency (valid config, unique ids, every
    /// template in exactly one leaf), rebuild derived fields, and return the
    /// id-to-index map.
    pub(crate) fn check(&mut self) -> Result<FastMap<TemplateId, u32>> {
        let problems = self.config.validate();
        if !problems.is_empty() {
            let all: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect();
            return Err(Error::Config(all.join("; ")));
        }
        let mut index = FastMap::default();
        for (i, t) in self.templates.iter_mut().enumerate() {
            t.refresh_text();
            if t.id == TemplateId::OVERFLOW || index.insert(t.id, i as u32).is_some() {
                return Err(Error::State(format!(
                    "duplicate or reserved template id {}",
                    t.id
                )));
            }
        }
        let mut seen = vec![false; self.templates.len()];
        for (len, leaf) in self.tree.leaves() {
            for &i in leaf {
                let fits = self
                    .templates
                    .get(i as usize)
                    .is_some_and(|t| t.tokens.len() == len);
                match seen.get_mut(i as usize) {
                    Some(s) if !*s && fits => *s = true,
                    _ => {
                        return Err(Error::State(format!(
                            "the tree holds template index {i} twice, out of range, or under the wrong length"
                        )));
                    }
                }
            }
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(Error::State(format!(
                "template index {i} is missing from the tree"
            )));
        }
        Ok(index)
    }
}
