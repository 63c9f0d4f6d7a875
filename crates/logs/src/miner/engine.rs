//! [`TemplateMiner`]: the online miner. Each message is masked, split into
//! tokens, routed through the parse tree to a leaf, and compared with the
//! leaf's templates; it joins the most similar one when the similarity
//! reaches the threshold (generalising differing positions to `<*>`), and
//! starts a new template otherwise.
//!
//! The hot path ([`TemplateMiner::add`] on a message that matches an existing
//! template) allocates nothing: masking and tokenisation reuse the miner's
//! buffers, and a template's tokens are only rewritten when it generalises.

use serde::Serialize;

use super::state::MinerState;
use crate::config::MinerConfig;
use crate::error::Result;
use crate::hash::FastMap;
use crate::id::TemplateId;
use crate::mask::Masker;
use crate::template::{Template, generalise, similarity};
use crate::tokens::Tokens;

/// The result of [`TemplateMiner::add`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Match {
    /// The template the message was assigned to ([`TemplateId::OVERFLOW`]
    /// when the miner is full and nothing matched).
    pub template_id: TemplateId,
    /// Whether the message created this template.
    pub is_new: bool,
    /// Whether the template's text changed (generalised) because of it.
    pub template_changed: bool,
}

/// Online log template miner: mask, tokenise, route through the parse
/// tree, then join the most similar template or start a new one.
///
/// Persist it with `serde` through [`state`](Self::state) and restore it
/// with [`from_state`](Self::from_state): the restored miner continues
/// exactly as the original would have, ids included.
#[derive(Debug, Clone)]
pub struct TemplateMiner {
    state: MinerState,
    masker: Masker,
    index: FastMap<TemplateId, u32>,
    route: usize,
    buf: String,
    spare: String,
    spans: Vec<(u32, u32)>,
}

impl TemplateMiner {
    /// A new, empty miner. Fails if the config does not validate.
    pub fn new(config: MinerConfig) -> Result<Self> {
        Self::from_state(MinerState::new(config))
    }

    /// Restore a miner from persisted state. Fails if the state is
    /// inconsistent or its config does not validate.
    pub fn from_state(mut state: MinerState) -> Result<Self> {
        let index = state.check()?;
        let masker = Masker::new(&state.config.masks)?;
        let route = state.config.depth - 3;
        Ok(Self {
            state,
            masker,
            index,
            route,
            buf: String::new(),
            spare: String::new(),
            spans: Vec::new(),
        })
    }

    /// The learnt state, for persisting.
    pub fn state(&self) -> &MinerState {
        &self.state
    }

    /// Consume the miner, keeping its state.
    pub fn into_state(self) -> MinerState {
        self.state
    }

    /// The config.
    pub fn config(&self) -> &MinerConfig {
        &self.state.config
    }

    /// Number of templates.
    pub fn len(&self) -> usize {
        self.state.templates.len()
    }

    /// Whether no template has been mined yet.
    pub fn is_empty(&self) -> bool {
        self.state.templates.is_empty()
    }

    /// All templates, in creation order.
    pub fn templates(&self) -> &[Template] {
        &self.state.templates
    }

    /// The text of template `id` (tokens joined by spaces, variables as
    /// `<*>`), or `None` for an unknown id.
    pub fn template(&self, id: TemplateId) -> Option<&str> {
        self.get(id).map(Template::text)
    }

    /// Template `id` with its tokens and count.
    pub fn get(&self, id: TemplateId) -> Option<&Template> {
        self.index
            .get(&id)
            .map(|&i| &self.state.templates[i as usize])
    }

    /// Learn from one message (the free-text part of a log line) and return
    /// the template it was assigned to. Never fails: any string, including
    /// an empty one, gets a template.
    pub fn add(&mut self, message: &str) -> Match {
        self.masker
            .mask_into(message, &mut self.buf, &mut self.spare);
        let tokens = Tokens::split(&self.buf, &mut self.spans);
        let st = &mut self.state;
        if let Some(i) = find(st, &tokens, self.route) {
            let t = &mut st.templates[i as usize];
            t.count += 1;
            let changed = generalise(&mut t.tokens, &tokens);
            if changed {
                t.refresh_text();
            }
            return Match {
                template_id: t.id,
                is_new: false,
                template_changed: changed,
            };
        }
        if st.templates.len() >= st.config.max_templates {
            return Match {
                template_id: TemplateId::OVERFLOW,
                is_new: false,
                template_changed: false,
            };
        }
        let mut nonce = 0;
        let id = loop {
            let id = TemplateId::derive(tokens.iter(), nonce);
            if !self.index.contains_key(&id) {
                break id;
            }
            nonce += 1;
        };
        let index = st.templates.len() as u32;
        let template = Template::new(id, tokens.iter().map(Box::from).collect());
        st.tree
            .insert(&template.tokens, index, self.route, st.config.max_children);
        st.templates.push(template);
        self.index.insert(id, index);
        Match {
            template_id: id,
            is_new: true,
            template_changed: false,
        }
    }

    /// The template `message` would join, without learning from it; `None`
    /// when it would start a new template.
    pub fn classify(&mut self, message: &str) -> Option<TemplateId> {
        self.masker
            .mask_into(message, &mut self.buf, &mut self.spare);
        let tokens = Tokens::split(&self.buf, &mut self.spans);
        find(&self.state, &tokens, self.route).map(|i| self.state.templates[i as usize].id)
    }
}

/// The index of the template `tokens` joins: the most similar one in its
/// leaf, if that reaches the threshold. Ties go to the template with more
/// `<*>` positions, then to the older one.
fn find(st: &MinerState, tokens: &Tokens<'_>, route: usize) -> Option<u32> {
    let leaf = st.tree.leaf(tokens, route)?;
    let (strict, slots) = (st.config.strict_words, st.config.value_slots);
    let mut best: Option<(u32, f64, usize)> = None;
    for &i in &leaf.templates {
        let Some((sim, wild)) = similarity(&st.templates[i as usize].tokens, tokens, strict, slots)
        else {
            continue;
        };
        match best {
            Some((_, s, w)) if sim < s || (sim == s && wild <= w) => {}
            _ => best = Some((i, sim, wild)),
        }
    }
    best.filter(|&(_, s, _)| s >= st.config.similarity_threshold.get())
        .map(|(i, _, _)| i)
}
