//! [`Masker`]: the compiled mask rules. The hot path allocates nothing: the
//! caller owns two reusable buffers, a rule that does not match costs one
//! scan, and a rule that does match writes the replaced text into the spare
//! buffer, which is then swapped in. Rules with a [`FastPattern`] form use it
//! on ASCII text and the regex otherwise.

use regex::Regex;

use super::DEFAULT_MASKS;
use super::fast::FastPattern;
use crate::error::{Error, Result};

/// The placeholder written for a masked (variable) part.
pub const WILDCARD: &str = "<*>";

/// Compiled mask rules.
#[derive(Debug, Clone)]
pub struct Masker {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    regex: Regex,
    fast: Option<FastPattern>,
    need: Option<Need>,
}

/// What every match of a rule holds, so ASCII text without it is not
/// scanned at all. Masking only removes text and writes `<*>`, which holds
/// none of these, so a text without them stays without them through the
/// later rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Four `-` (a UUID).
    Hyphens,
    /// A `.`, and a `:` followed by a digit (`host.name:port`).
    DotAndPort,
    /// An ASCII digit (on ASCII text, `\d` is `[0-9]`).
    Digit,
}

impl Need {
    /// The need of the shipped [`DEFAULT_MASKS`] (checked by hand against
    /// each regex: the UUID has four literal `-`; `host.name:port` a
    /// literal `.` and `:\d+`; every branch of the hex rule, and the
    /// number-with-unit rule, a `[0-9]` or `\d`); `None` for any other
    /// pattern.
    fn of(pattern: &str) -> Option<Self> {
        let i = DEFAULT_MASKS.iter().position(|m| *m == pattern)?;
        [
            Some(Self::Hyphens),
            None, // IPv4: a fast pattern already.
            Some(Self::DotAndPort),
            Some(Self::Digit),
            Some(Self::Digit),
        ]
        .get(i)
        .copied()
        .flatten()
    }

    /// Whether ASCII `text` may hold a match.
    fn met(self, text: &str) -> bool {
        let b = text.as_bytes();
        match self {
            Self::Hyphens => b.iter().filter(|&&c| c == b'-').count() >= 4,
            Self::DotAndPort => {
                b.contains(&b'.') && b.windows(2).any(|w| w[0] == b':' && w[1].is_ascii_digit())
            }
            Self::Digit => b.iter().any(u8::is_ascii_digit),
        }
    }
}

impl Masker {
    /// Compile `patterns` (Rust `regex` syntax).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self> {
        let rules = patterns
            .iter()
            .map(|p| {
                let p = p.as_ref();
                let regex = super::compile(p).map_err(|source| Error::Mask {
                    pattern: p.to_owned(),
                    source,
                })?;
                Ok(Rule {
                    regex,
                    fast: FastPattern::recognise(p),
                    need: Need::of(p),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self { rules })
    }

    /// Number of regexes.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are no regexes.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Write the masked `input` into `out` (cleared first), using `spare` as
    /// scratch space. Both buffers keep their capacity across calls.
    pub fn mask_into(&self, input: &str, out: &mut String, spare: &mut String) {
        out.clear();
        out.push_str(input);
        // Replacing matches with `<*>` keeps ASCII text ASCII.
        let ascii = input.is_ascii();
        for rule in &self.rules {
            if ascii && rule.need.is_some_and(|n| !n.met(out)) {
                continue;
            }
            let hit = match (&rule.fast, ascii) {
                (Some(fast), true) => {
                    let text = out.as_str();
                    let mut at = 0;
                    // Fast patterns never match the empty string.
                    let matches = std::iter::from_fn(|| {
                        let (s, e) = fast.find_at(text, at)?;
                        at = e;
                        Some((s, e))
                    });
                    replace(out, spare, matches)
                }
                _ => replace(
                    out,
                    spare,
                    rule.regex.find_iter(out).map(|m| (m.start(), m.end())),
                ),
            };
            if hit {
                std::mem::swap(out, spare);
            }
        }
    }

    /// Convenience form of [`mask_into`](Self::mask_into) that allocates.
    pub fn mask(&self, input: &str) -> String {
        let (mut out, mut spare) = (String::new(), String::new());
        self.mask_into(input, &mut out, &mut spare);
        out
    }
}

/// Write `text` with every one of `matches` (in order, non-overlapping)
/// replaced by `<*>` into `spare`; return whether there was any (`spare` is
/// untouched otherwise).
#[inline]
fn replace(text: &str, spare: &mut String, matches: impl Iterator<Item = (usize, usize)>) -> bool {
    let mut last = 0;
    let mut hit = false;
    for (start, end) in matches {
        if !hit {
            spare.clear();
            hit = true;
        }
        spare.push_str(&text[last..start]);
        spare.push_str(WILDCARD);
        last = end;
    }
    if hit {
        spare.push_str(&text[last..]);
    }
    hit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_apply_in_order_on_previous_output() {
        let m = Masker::new(&[r"blk_-?\d+", r"(\d+\.){3}\d+(:\d+)?"]).unwrap();
        assert_eq!(
            m.mask(
                "Receiving block blk_-160899 src: /10.250.19.102:54106 dest: /10.250.19.102:50010"
            ),
            "Receiving block <*> src: /<*> dest: /<*>"
        );
        // The second rule sees the first rule's placeholder, not the digits.
        let m = Masker::new(&[r"\d+", r"<\*>-<\*>"]).unwrap();
        assert_eq!(m.mask("id 12-34 x"), "id <*> x");
    }

    #[test]
    fn no_rules_or_no_match_is_identity() {
        assert_eq!(Masker::new::<&str>(&[]).unwrap().mask("a  b"), "a  b");
        assert_eq!(Masker::new(&["zzz"]).unwrap().mask("a b"), "a b");
    }

    #[test]
    fn buffers_are_reused() {
        let m = Masker::new(&[r"\d+"]).unwrap();
        let (mut out, mut spare) = (String::new(), String::new());
        m.mask_into("a 1 b 22", &mut out, &mut spare);
        assert_eq!(out, "a <*> b <*>");
        m.mask_into("c", &mut out, &mut spare);
        assert_eq!(out, "c");
    }

    #[test]
    fn fast_and_regex_paths_agree() {
        let m = Masker::new(&[r"blk_-?\d+", r"(\d+\.){3}\d+(:\d+)?", r"\d+"]).unwrap();
        // ASCII goes through the fast matchers, the rest through the regexes.
        assert_eq!(m.mask("blk_-1 to 1.2.3.4:5 x9"), "<*> to <*> x<*>");
        assert_eq!(m.mask("blk_-1 to 1.2.3.4:5 é9"), "<*> to <*> é<*>");
        // Unicode digits only match on the regex path, as `\d` does.
        assert_eq!(m.mask("n=\u{0663}"), "n=<*>");
    }

    #[test]
    fn needs_are_those_of_the_default_masks() {
        let needs: Vec<_> = DEFAULT_MASKS.iter().map(|p| Need::of(p)).collect();
        assert_eq!(
            needs,
            [
                Some(Need::Hyphens),
                None,
                Some(Need::DotAndPort),
                Some(Need::Digit),
                Some(Need::Digit)
            ]
        );
        assert_eq!(Need::of(r"\d+"), None);
        // Each default rule, on a text holding a match but not its need
        // elsewhere, still matches: the need is met by the match itself.
        let m = Masker::new(DEFAULT_MASKS).unwrap();
        for (line, want) in [
            ("id abcdefab-abcd-abcd-abcd-abcdefabcdef x", "id <*> x"),
            ("at a.b:1 x", "at <*> x"),
            ("at deadbeef1 x", "at <*> x"),
            ("in 5ms x", "in <*> x"),
            ("no-match-here.at all", "no-match-here.at all"),
        ] {
            assert_eq!(m.mask(line), want, "{line}");
        }
    }

    #[test]
    fn bad_regex_is_an_error() {
        assert!(matches!(Masker::new(&["("]), Err(Error::Mask { .. })));
    }
}
