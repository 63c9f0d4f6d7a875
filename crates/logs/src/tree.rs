//! The fixed-depth parse tree. The first layer is keyed by token count, the
//! next `depth - 3` layers by the message's leading tokens (variable tokens,
//! see [`is_variable`], go through a `<*>` child), and each leaf holds the
//! indices of the templates that messages reaching it are compared with.
//! An inner node has at most `max_children` children; once full, new tokens
//! share its `<*>` child.

use serde::{Deserialize, Serialize};

use crate::hash::FastMap;
use crate::mask::WILDCARD;
use crate::tokens::{Tokens, is_variable};

/// One node: token-keyed children, and template indices at a leaf.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct Node {
    #[serde(default, skip_serializing_if = "FastMap::is_empty")]
    children: FastMap<Box<str>, Node>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) templates: Vec<u32>,
}

/// The whole tree.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct ParseTree {
    by_len: FastMap<u32, Node>,
}

impl ParseTree {
    /// The leaf a message routes to, if any, given `route` routing tokens.
    pub(crate) fn leaf(&self, tokens: &Tokens<'_>, route: usize) -> Option<&Node> {
        let mut node = self.by_len.get(&(tokens.len() as u32))?;
        for i in 0..route.min(tokens.len()) {
            let t = tokens.get(i);
            node = match node.children.get(t) {
                Some(n) => n,
                None => node.children.get(WILDCARD)?,
            };
        }
        Some(node)
    }

    /// Insert template `index` with tokens `template`, creating the path.
    pub(crate) fn insert(
        &mut self,
        template: &[Box<str>],
        index: u32,
        route: usize,
        max_children: usize,
    ) {
        let mut node = self.by_len.entry(template.len() as u32).or_default();
        for t in template.iter().take(route) {
            let key: &str = if node.children.contains_key(&**t) {
                t
            } else if is_variable(t) {
                WILDCARD
            } else {
                let n = node.children.len();
                let has_wild = node.children.contains_key(WILDCARD);
                if (has_wild && n < max_children) || (!has_wild && n + 1 < max_children) {
                    t
                } else {
                    WILDCARD
                }
            };
            node = node.children.entry(key.into()).or_default();
        }
        node.templates.push(index);
    }

    /// Every leaf's template list with the token count of its subtree,
    /// for consistency checks.
    pub(crate) fn leaves(&self) -> Vec<(usize, &[u32])> {
        fn walk<'a>(len: usize, n: &'a Node, out: &mut Vec<(usize, &'a [u32])>) {
            if !n.templates.is_empty() {
                out.push((len, &n.templates));
            }
            for c in n.children.values() {
                walk(len, c, out);
            }
        }
        let mut out = Vec::new();
        for (&len, n) in &self.by_len {
            walk(len as usize, n, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Box<str>> {
        s.split_whitespace().map(Into::into).collect()
    }

    fn leaf_of(tree: &ParseTree, s: &str, route: usize) -> Option<Vec<u32>> {
        let mut spans = Vec::new();
        let t = Tokens::split(s, &mut spans);
        tree.leaf(&t, route).map(|n| n.templates.clone())
    }

    #[test]
    fn routes_by_length_then_leading_tokens() {
        let mut tree = ParseTree::default();
        tree.insert(&toks("open file a"), 0, 1, 100);
        tree.insert(&toks("close file a"), 1, 1, 100);
        tree.insert(&toks("open file a b"), 2, 1, 100);
        assert_eq!(leaf_of(&tree, "open x y", 1), Some(vec![0]));
        assert_eq!(leaf_of(&tree, "close x y", 1), Some(vec![1]));
        assert_eq!(leaf_of(&tree, "open x y z", 1), Some(vec![2]));
        assert_eq!(leaf_of(&tree, "stat x y", 1), None);
        assert_eq!(leaf_of(&tree, "open", 1), None);
    }

    #[test]
    fn variable_tokens_route_through_wildcard() {
        let mut tree = ParseTree::default();
        tree.insert(&toks("42 items done"), 0, 1, 100);
        assert_eq!(leaf_of(&tree, "7 items done", 1), Some(vec![0]));
        assert_eq!(leaf_of(&tree, "<*> items done", 1), Some(vec![0]));
        // A non-variable token absent from the node also falls back to `<*>`.
        assert_eq!(leaf_of(&tree, "some items done", 1), Some(vec![0]));
    }

    #[test]
    fn full_node_sends_new_tokens_to_wildcard() {
        let mut tree = ParseTree::default();
        for (i, w) in ["a", "b", "c", "d"].iter().enumerate() {
            tree.insert(&toks(&format!("{w} x")), i as u32, 1, 3);
        }
        // max_children 3: "a", "b", then "<*>" takes the last slot.
        assert_eq!(leaf_of(&tree, "a x", 1), Some(vec![0]));
        assert_eq!(leaf_of(&tree, "c x", 1), Some(vec![2, 3]));
        assert_eq!(leaf_of(&tree, "zz x", 1), Some(vec![2, 3]));
    }
}
