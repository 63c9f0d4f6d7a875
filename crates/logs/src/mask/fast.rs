//! Hand-written matchers for common mask regexes. Each [`FastPattern`]
//! stands for one exact regex string and finds the same leftmost-first
//! matches the regex finds, on ASCII text (where `\d` is `[0-9]`); the
//! masker uses the regex itself for non-ASCII text. Recognised patterns:
//!
//! - `\d+`
//! - `(\d+\.){3}\d+`, `(\d+\.){3}\d+(:\d+)?`, `(/|)(\d+\.){3}\d+(:\d+)?`
//! - a literal prefix followed by `\d+` or `-?\d+`, e.g. `blk_-?\d+`,
//!   `core\.\d+` (prefix characters: ASCII letters, digits, `_`, and the
//!   escapes `\.` `\-` `\_`)
//! - the UUID rule of the default masks, [`UUID`]

/// The UUID rule of the default masks (`8-4-4-4-12` hex digits between
/// word boundaries).
pub const UUID: &str =
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b";

/// A recognised mask regex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FastPattern {
    /// `\d+`.
    Digits,
    /// Dotted quad of digit runs, optionally preceded by `/` (included in
    /// the match when present) and followed by `:port`.
    Ipv4 {
        /// `(/|)` in front.
        slash: bool,
        /// `(:\d+)?` behind.
        port: bool,
    },
    /// A literal prefix, an optional `-` (when `minus`), then digits.
    Prefixed {
        /// The literal prefix, unescaped.
        prefix: String,
        /// `-?` between prefix and digits.
        minus: bool,
    },
    /// [`UUID`].
    Uuid,
}

impl FastPattern {
    /// The fast form of `pattern`, if it is one of the recognised regexes.
    pub fn recognise(pattern: &str) -> Option<Self> {
        match pattern {
            r"\d+" => return Some(Self::Digits),
            r"(\d+\.){3}\d+" => {
                return Some(Self::Ipv4 {
                    slash: false,
                    port: false,
                });
            }
            r"(\d+\.){3}\d+(:\d+)?" => {
                return Some(Self::Ipv4 {
                    slash: false,
                    port: true,
                });
            }
            r"(/|)(\d+\.){3}\d+(:\d+)?" => {
                return Some(Self::Ipv4 {
                    slash: true,
                    port: true,
                });
            }
            UUID => return Some(Self::Uuid),
            _ => {}
        }
        let (head, minus) = if let Some(h) = pattern.strip_suffix(r"-?\d+") {
            (h, true)
        } else {
            (pattern.strip_suffix(r"\d+")?, false)
        };
        let mut prefix = String::new();
        let mut chars = head.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next()? {
                    e @ ('.' | '-' | '_') => prefix.push(e),
                    _ => return None,
                },
                c if c.is_ascii_alphanumeric() || c == '_' => prefix.push(c),
                _ => return None,
            }
        }
        // A prefix ending in a digit could make `\d+` start earlier than the
        // prefix's own digits suggest; keep those for the regex engine.
        if prefix.is_empty() || prefix.ends_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        Some(Self::Prefixed { prefix, minus })
    }

    /// The leftmost match in `text` starting at or after byte `from`, as a
    /// byte range. Exact for ASCII `text`; on other text `\d` would also
    /// match non-ASCII digits, which this does not.
    pub fn find_at(&self, text: &str, from: usize) -> Option<(usize, usize)> {
        let s = text.as_bytes();
        match self {
            Self::Digits => {
                let start = from + s[from..].iter().position(u8::is_ascii_digit)?;
                Some((start, digits_end(s, start)))
            }
            Self::Ipv4 { slash, port } => {
                let mut i = from;
                loop {
                    // Next position where a match can start.
                    i += s
                        .get(i..)?
                        .iter()
                        .position(|&b| b.is_ascii_digit() || (*slash && b == b'/'))?;
                    if s[i] == b'/' {
                        if let Some(end) = ipv4_at(s, i + 1, *port) {
                            return Some((i, end));
                        }
                        i += 1;
                        continue;
                    }
                    if let Some(end) = ipv4_at(s, i, *port) {
                        return Some((i, end));
                    }
                    // Every start inside this digit run fails the same way.
                    i = digits_end(s, i);
                }
            }
            Self::Prefixed { prefix, minus } => {
                let mut i = from;
                while i + prefix.len() <= s.len() {
                    let at = i + text.get(i..)?.find(prefix.as_str())?;
                    let mut j = at + prefix.len();
                    if *minus
                        && s.get(j) == Some(&b'-')
                        && s.get(j + 1).is_some_and(u8::is_ascii_digit)
                    {
                        j += 1;
                    }
                    if s.get(j).is_some_and(u8::is_ascii_digit) {
                        return Some((at, digits_end(s, j)));
                    }
                    i = at + 1;
                }
                None
            }
            Self::Uuid => {
                // Every match has its first `-` 8 bytes in: try the starts
                // those give, leftmost first.
                let mut i = from + 8;
                while i < s.len() {
                    let dash = i + text.get(i..)?.find('-')?;
                    if uuid_at(s, dash - 8) {
                        return Some((dash - 8, dash + 28));
                    }
                    i = dash + 1;
                }
                None
            }
        }
    }
}

/// Whether [`UUID`] matches at `i`: a word boundary, `8-4-4-4-12` hex
/// digits, a word boundary.
fn uuid_at(s: &[u8], i: usize) -> bool {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let Some(m) = s.get(i..i + 36) else {
        return false;
    };
    if i > 0 && word(&s[i - 1]) || s.get(i + 36).is_some_and(word) {
        return false;
    }
    m.iter().enumerate().all(|(k, b)| {
        if matches!(k, 8 | 13 | 18 | 23) {
            *b == b'-'
        } else {
            b.is_ascii_hexdigit()
        }
    })
}

/// End of the digit run starting at `i` (`i` itself when there is none).
#[inline]
fn digits_end(s: &[u8], i: usize) -> usize {
    i + s[i..].iter().take_while(|b| b.is_ascii_digit()).count()
}

/// End of `(\d+\.){3}\d+` (and `(:\d+)?` when `port`) anchored at `i`.
#[inline]
fn ipv4_at(s: &[u8], i: usize, port: bool) -> Option<usize> {
    let mut j = i;
    for part in 0..4 {
        let e = digits_end(s, j);
        if e == j {
            return None;
        }
        j = e;
        if part < 3 {
            if s.get(j) != Some(&b'.') {
                return None;
            }
            j += 1;
        }
    }
    if port && s.get(j) == Some(&b':') {
        let e = digits_end(s, j + 1);
        if e > j + 1 {
            j = e;
        }
    }
    Some(j)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    const PATTERNS: [&str; 8] = [
        UUID,
        r"\d+",
        r"(\d+\.){3}\d+",
        r"(\d+\.){3}\d+(:\d+)?",
        r"(/|)(\d+\.){3}\d+(:\d+)?",
        r"blk_-?\d+",
        r"core\.\d+",
        r"a\-a\d+",
    ];

    fn all_fast(p: &FastPattern, s: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at <= s.len() {
            match p.find_at(s, at) {
                Some((a, b)) => {
                    out.push((a, b));
                    at = b.max(a + 1);
                }
                None => break,
            }
        }
        out
    }

    #[test]
    fn recognises_only_known_shapes() {
        for p in PATTERNS {
            assert!(FastPattern::recognise(p).is_some(), "{p}");
        }
        for p in [
            r"\d{2}:\d{2}",
            r"/.+?\s",
            r"blk_(\d+)",
            r"x1\d+",
            r"\b\d+",
            r"a.b\d+",
        ] {
            assert_eq!(FastPattern::recognise(p), None, "{p}");
        }
        assert_eq!(
            FastPattern::recognise(r"core\.\d+"),
            Some(FastPattern::Prefixed {
                prefix: "core.".into(),
                minus: false
            })
        );
    }

    #[test]
    fn examples() {
        let ip = FastPattern::recognise(r"(/|)(\d+\.){3}\d+(:\d+)?").unwrap();
        assert_eq!(all_fast(&ip, "src: /10.250.19.102:54106 x"), [(5, 25)]);
        assert_eq!(all_fast(&ip, "1.2.3 /1.2.3.4:"), [(6, 14)]);
        let blk = FastPattern::recognise(r"blk_-?\d+").unwrap();
        assert_eq!(
            all_fast(&blk, "blk_blk_-12 blk_- blk_3"),
            [(4, 11), (18, 23)]
        );
    }

    /// Text made of hex runs of lengths around a UUID's groups, joined by
    /// `-` and other separators, word characters or not.
    fn uuid_like() -> impl Strategy<Value = String> {
        let run = prop_oneof![
            "[0-9a-fA-F]{8}",
            "[0-9a-fA-F]{4}",
            "[0-9a-fA-F]{12}",
            "[0-9a-fA-Fg_]{1,13}",
        ];
        let sep = prop_oneof![8 => Just("-"), 1 => Just(" "), 1 => Just("_"), 1 => Just("=")];
        proptest::collection::vec((run, sep), 0..12)
            .prop_map(|parts| parts.into_iter().map(|(r, s)| format!("{r}{s}")).collect())
    }

    proptest! {
        #[test]
        fn uuids_found_as_the_regex_finds_them(s in uuid_like()) {
            let fast = FastPattern::recognise(UUID).unwrap();
            let re = Regex::new(UUID).unwrap();
            let want: Vec<(usize, usize)> = re.find_iter(&s).map(|m| (m.start(), m.end())).collect();
            prop_assert_eq!(all_fast(&fast, &s), want);
        }

        #[test]
        fn same_matches_as_the_regex(s in "[0-9./:_ blkcore\\-a]{0,40}") {
            for p in PATTERNS {
                let fast = FastPattern::recognise(p).unwrap();
                let re = Regex::new(p).unwrap();
                let want: Vec<(usize, usize)> = re.find_iter(&s).map(|m| (m.start(), m.end())).collect();
                prop_assert_eq!(all_fast(&fast, &s), want, "pattern {}", p);
            }
        }
    }
}
