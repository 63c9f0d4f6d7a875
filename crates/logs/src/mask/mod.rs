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

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;

pub use masker::{Masker, WILDCARD};

/// Most patterns [`compile`] keeps; past it the cache starts again empty.
const COMPILED_KEPT: usize = 1024;

/// `Regex::new(pattern)`, compiled once per process: validating a
/// pipeline, building each partition's scorer and each miner compile the
/// same few masks again, and compiling one costs tens to hundreds of
/// microseconds (half of loading a pipeline file, measured). Refusals are
/// kept too. A clone of a kept regex has its own match caches, so threads
/// never wait on each other.
pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    static KEPT: OnceLock<Mutex<HashMap<String, Result<Regex, regex::Error>>>> = OnceLock::new();
    let kept = KEPT.get_or_init(Mutex::default);
    if let Some(r) = kept.lock().ok().and_then(|k| k.get(pattern).cloned()) {
        return r;
    }
    let r = Regex::new(pattern);
    if let Ok(mut k) = kept.lock() {
        if k.len() >= COMPILED_KEPT {
            k.clear();
        }
        k.insert(pattern.to_owned(), r.clone());
    }
    r
}

/// The system-independent masks [`MinerConfig::default`](crate::MinerConfig)
/// ships with, chosen by the leave-systems-out protocol
/// ([`accuracy::cross_validate`](crate::accuracy::cross_validate)). Each
/// matches inside one whitespace token, except a number with its unit
/// (`<1 sec`, `384.0 B`), and none matches a word without digits,
/// so masking never erases the constant text of a message (and never merges
/// two event types that differ in a word):
///
/// 1. UUIDs;
/// 2. IPv4 addresses with an optional `:port`;
/// 3. `host.name:port` (a dotted host name with a port);
/// 4. `0x` hex numbers, and hex runs of 8 or more digits that hold a
///    decimal digit (`deadbeef` stays a word; the regex spells out where
///    the first decimal digit can be, as `regex` has no look-ahead);
/// 5. a number with a time or size unit (`ms`, `s`, `sec`, `seconds`,
///    `min`, `h`, `B`, `KB`, `MiB`, `bytes`, ...), with or without a space,
///    and an optional leading `<` (`<1 sec`).
///
/// Numbers, paths and the values after `user`/`for`/`by`... need no mask:
/// the miner treats them as variable-like (see
/// [`MinerConfig::value_slots`](crate::MinerConfig::value_slots)).
pub const DEFAULT_MASKS: &[&str] = &[
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
    r"(\d+\.){3}\d+(:\d+)?",
    r"\b[A-Za-z0-9][A-Za-z0-9-]*(\.[A-Za-z0-9-]+)+:\d+\b",
    concat!(
        r"\b0x[0-9a-fA-F]+\b|\b(?:[0-9][0-9a-fA-F]{7,}|[a-fA-F][0-9][0-9a-fA-F]{6,}",
        r"|[a-fA-F]{2}[0-9][0-9a-fA-F]{5,}|[a-fA-F]{3}[0-9][0-9a-fA-F]{4,}",
        r"|[a-fA-F]{4}[0-9][0-9a-fA-F]{3,}|[a-fA-F]{5}[0-9][0-9a-fA-F]{2,}",
        r"|[a-fA-F]{6}[0-9][0-9a-fA-F]+|[a-fA-F]{7,}[0-9][0-9a-fA-F]*)\b",
    ),
    r"<?\b\d+(\.\d+)? ?(ms|msec|s|sec|secs|seconds?|min|mins|minutes?|h|hours?|[KMGT]i?B|B|bytes?)\b",
];

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn compiled_once_and_refusals_kept() {
        let a = compile(r"\bid-\d+").unwrap();
        let b = compile(r"\bid-\d+").unwrap();
        assert_eq!(a.as_str(), b.as_str());
        assert_eq!(a.replace_all("x id-42 y", WILDCARD), "x <*> y");
        let e1 = compile("(unclosed").unwrap_err();
        let e2 = compile("(unclosed").unwrap_err();
        assert_eq!(e1, e2);
    }

    fn default_masker() -> Masker {
        Masker::new(DEFAULT_MASKS).unwrap()
    }

    #[test]
    fn default_masks_examples() {
        let m = default_masker();
        for (line, want) in [
            (
                "a.b.c:443 open through proxy p.q.r:5070 HTTPS",
                "<*> open through proxy <*> HTTPS",
            ),
            (
                "a.b.c:443 close, 0 bytes sent, 10 bytes received, lifetime <1 sec",
                "<*> close, <*> sent, <*> received, lifetime <*>",
            ),
            ("from 10.0.0.1:50010 to 10.0.0.2", "from <*> to <*>"),
            (
                "req b9000564-fe1a-409b-b8cc-1e88b294cd1d at 0x1feaa260 id deadbeef01",
                "req <*> at <*> id <*>",
            ),
            ("size 384.0 B, free 317.5 KB", "size <*>, free <*>"),
            ("Took 250ms, then 1.5 s", "Took <*>, then <*>"),
            ("ids 00a1b2c3 abcdef012 abc1", "ids <*> <*> abc1"),
            // Words, versions and short numbers stay.
            (
                "deadbeef accepted facade ssh2 v1.2 in 3 steps",
                "deadbeef accepted facade ssh2 v1.2 in 3 steps",
            ),
        ] {
            assert_eq!(m.mask(line), want, "{line}");
        }
    }

    proptest! {
        /// The masker (its fast patterns and the needs that skip rules)
        /// equals the regexes applied one after the other.
        #[test]
        fn default_masks_equal_the_plain_regexes(
            tokens in prop::collection::vec(
                prop_oneof![
                    "[a-zA-Z][a-zA-Z,.:=()_-]{0,8}",
                    "[0-9a-f]{1,9}",
                    "[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}",
                    "[a-z]{1,4}\\.[a-z]{1,4}:[0-9]{1,5}",
                    "([0-9]{1,3}\\.){3}[0-9]{1,3}(:[0-9]{2})?",
                    "<?[0-9]{1,3} ?(ms|sec|B|KB)",
                    "[-.:<*>é ]{1,3}",
                ],
                0..10,
            )
        ) {
            let line = tokens.join(" ");
            let mut want = line.clone();
            for p in DEFAULT_MASKS {
                want = regex::Regex::new(p).unwrap().replace_all(&want, WILDCARD).into_owned();
            }
            prop_assert_eq!(default_masker().mask(&line), want, "{}", line);
        }

        /// Masking never touches a token without digits: the constant
        /// words around a variable survive, so two messages that differ in
        /// a word still differ after masking.
        #[test]
        fn default_masks_keep_every_word(
            tokens in prop::collection::vec(
                prop_oneof![
                    "[a-zA-Z][a-zA-Z,.:=()_-]{0,8}",
                    "[0-9]{1,5}",
                    "[a-z]{1,4}\\.[a-z]{1,4}\\.[a-z]{2,3}:[0-9]{2,5}",
                    "([0-9]{1,3}\\.){3}[0-9]{1,3}",
                    "0x[0-9a-f]{4,10}",
                ],
                0..12,
            )
        ) {
            let line = tokens.join(" ");
            let masked = default_masker().mask(&line);
            let kept: Vec<&str> = masked.split_whitespace().collect();
            // A unit right after a number goes with it (`5 sec`).
            let unit = regex::Regex::new(
                r"^(ms|msec|s|sec|secs|seconds?|min|mins|minutes?|h|hours?|[KMGT]i?B|B|bytes?)\b",
            )
            .unwrap();
            for t in &tokens {
                if !t.bytes().any(|b| b.is_ascii_digit()) && !unit.is_match(t) {
                    prop_assert!(kept.contains(&t.as_str()), "{t:?} lost: {line:?} -> {masked:?}");
                }
            }
        }
    }
}
