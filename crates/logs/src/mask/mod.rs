//! Masking of variable parts of a message before tokenisation: the
//! configured regexes run in order, each replacing every match with `<*>` in
//! the output of the previous one (the Loghub/Drain semantics).
//!
//! [`Masker`] runs them without per-line allocation; common patterns
//! (numbers, IPv4 addresses with optional port, `prefix-?\d+` ids) run
//! through hand-written matchers in [`fast`] that give exactly the regex's
//! matches on ASCII text.

pub mod fast;
mod masker;

pub use masker::{Masker, WILDCARD};
