//! One mined template: its stable id, its tokens (constant tokens and
//! `<*>`), the joined text, and how many messages it has absorbed; plus the
//! similarity measure and the merge rule of the miner.

use serde::{Deserialize, Serialize};

use crate::id::TemplateId;
use crate::mask::WILDCARD;
use crate::tokens::{Tokens, is_variable, opens_value_slot, same_shape};

/// A mined template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// Stable id, fixed at creation.
    pub id: TemplateId,
    /// Tokens; variable positions are `<*>`.
    pub tokens: Vec<Box<str>>,
    /// Messages assigned to this template so far.
    pub count: u64,
    /// The tokens joined by single spaces; rebuilt on restore.
    #[serde(skip)]
    text: String,
}

impl Template {
    /// A new template from its first message's tokens.
    pub(crate) fn new(id: TemplateId, tokens: Vec<Box<str>>) -> Self {
        let mut t = Self {
            id,
            tokens,
            count: 1,
            text: String::new(),
        };
        t.refresh_text();
        t
    }

    /// The template text: tokens joined by single spaces.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Rebuild [`text`](Self::text) after the tokens changed.
    pub(crate) fn refresh_text(&mut self) {
        self.text = self.tokens.join(" ");
    }
}

/// Similarity of a message to a template with the same token count: the
/// share of positions that agree, and the number of `<*>` positions (the
/// tie-breaker: prefer the more general template). `None` when the message
/// can never join the template.
///
/// A position agrees when the tokens are equal, when the template has `<*>`
/// and the message token is variable-like, or when both tokens are
/// variable-like with the same shape (see [`tokens`](crate::tokens)). With
/// `strict_words`, a word against a different token (a word or a variable)
/// at a constant position of the template rules the template out: words are
/// a message's constant skeleton, so `VM Started` and `VM Stopped` stay apart
/// however similar the rest is, and `iar <*> dear <*>` never absorbs
/// `r24=<*> r25=<*> r26=<*> r27=<*>` through its two `<*>`. With `value_slots`, a word right
/// after a name-introducing word (`for root`, `user alice`) is a value: it
/// agrees with `<*>`, and a different word there is a plain miss, never a
/// veto.
#[inline]
pub(crate) fn similarity(
    template: &[Box<str>],
    tokens: &Tokens<'_>,
    strict_words: bool,
    value_slots: bool,
) -> Option<(f64, usize)> {
    let n = template.len();
    if n != tokens.len() {
        return None;
    }
    if n == 0 {
        return Some((1.0, 0));
    }
    let mut same = 0usize;
    let mut wild = 0usize;
    for (i, t) in template.iter().enumerate() {
        let m = tokens.get(i);
        let slot = || value_slots && i > 0 && opens_value_slot(tokens.get(i - 1));
        if &**t == WILDCARD {
            wild += 1;
            if is_variable(m) || slot() {
                same += 1;
            }
        } else if **t == *m {
            same += 1;
        } else {
            match (is_variable(t), is_variable(m)) {
                (true, true) if same_shape(t, m) => same += 1,
                (true, true) => {}
                // A word against anything else at a template's constant
                // position: the skeleton differs.
                _ if strict_words && !slot() => return None,
                _ => {}
            }
        }
    }
    Some((same as f64 / n as f64, wild))
}

/// Generalise `template` to also cover `tokens`: every differing position
/// becomes `<*>`. Returns whether anything changed.
#[inline]
pub(crate) fn generalise(template: &mut [Box<str>], tokens: &Tokens<'_>) -> bool {
    let mut changed = false;
    for (i, t) in template.iter_mut().enumerate() {
        if &**t != WILDCARD && **t != *tokens.get(i) {
            *t = WILDCARD.into();
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Box<str>> {
        s.split_whitespace().map(Into::into).collect()
    }

    #[test]
    fn similarity_counts_equal_constant_positions() {
        let mut spans = Vec::new();
        let t = Tokens::split("a b c d", &mut spans);
        assert_eq!(
            similarity(&toks("a b c d"), &t, true, false),
            Some((1.0, 0))
        );
        // Word against word: ruled out when strict, a plain miss otherwise.
        assert_eq!(similarity(&toks("a x c y"), &t, true, false), None);
        assert_eq!(
            similarity(&toks("a x c y"), &t, false, false),
            Some((0.5, 0))
        );
        // `<*>` agrees with variable-like tokens only.
        assert_eq!(
            similarity(&toks("a <*> c <*>"), &t, true, false),
            Some((0.5, 2))
        );
        let mut spans = Vec::new();
        let t = Tokens::split("a 42 c id=7", &mut spans);
        assert_eq!(
            similarity(&toks("a <*> c id=9"), &t, true, false),
            Some((1.0, 1))
        );
        assert_eq!(
            similarity(&toks("a <*> c uid=9"), &t, true, false),
            Some((0.75, 1))
        );
    }

    #[test]
    fn generalise_wildcards_differences() {
        let mut spans = Vec::new();
        let t = Tokens::split("a b c", &mut spans);
        let mut tpl = toks("a x c");
        assert!(generalise(&mut tpl, &t));
        assert_eq!(tpl, toks("a <*> c"));
        assert!(!generalise(&mut tpl, &t));
    }
}
