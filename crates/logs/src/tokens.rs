//! Tokenisation and token classes. A masked message is split on whitespace
//! into byte spans (so the hot path allocates nothing), and a run of
//! adjacent whole-token `<*>` placeholders collapses into one, so a variable
//! list of masked items (`blk_1 blk_2 blk_3`) has the length of one item.
//!
//! A token is *variable-like* when it contains a digit or a masked part, or
//! is a weekday or month name; everything else is a *word*. The parse tree
//! routes variable-like tokens through `<*>`, and the similarity measure
//! treats words as the constant skeleton of a message. Two variable-like
//! tokens have the same *shape* when they are equal after every maximal run
//! of hex digits and placeholders that holds a decimal digit or a placeholder
//! is replaced with one marker (`PendingReds:1` and `PendingReds:0`, or two
//! UUIDs, have the same shape).

use crate::mask::WILDCARD;

/// ASCII bytes that `char::is_whitespace` accepts.
const ASCII_SPACE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = (i as u8 as char).is_whitespace();
        i += 1;
    }
    t
};

/// Tokens of one message: byte spans into `text`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tokens<'a> {
    text: &'a str,
    spans: &'a [(u32, u32)],
}

impl<'a> Tokens<'a> {
    /// Split `text` on runs of whitespace, writing the spans into `spans`
    /// (cleared first) and collapsing adjacent `<*>` tokens.
    pub(crate) fn split(text: &'a str, spans: &'a mut Vec<(u32, u32)>) -> Tokens<'a> {
        spans.clear();
        let mut prev_wild = false;
        let mut push = |s: usize, e: usize| {
            let wild = &text.as_bytes()[s..e] == WILDCARD.as_bytes();
            if !(wild && prev_wild) {
                spans.push((s as u32, e as u32));
            }
            prev_wild = wild;
        };
        if text.is_ascii() {
            let b = text.as_bytes();
            let n = b.len();
            let mut i = 0;
            loop {
                while i < n && ASCII_SPACE[b[i] as usize] {
                    i += 1;
                }
                if i == n {
                    break;
                }
                let start = i;
                while i < n && !ASCII_SPACE[b[i] as usize] {
                    i += 1;
                }
                push(start, i);
            }
        } else {
            let mut start: Option<usize> = None;
            for (i, c) in text.char_indices() {
                match (c.is_whitespace(), start) {
                    (true, Some(s)) => {
                        push(s, i);
                        start = None;
                    }
                    (false, None) => start = Some(i),
                    _ => {}
                }
            }
            if let Some(s) = start {
                push(s, text.len());
            }
        }
        Tokens { text, spans }
    }

    /// Number of tokens.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The `i`-th token.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> &'a str {
        let (s, e) = self.spans[i];
        &self.text[s as usize..e as usize]
    }

    /// All tokens in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

const CALENDAR: [&str; 38] = [
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Whether `token` is a weekday or month name (English, any case,
/// abbreviated or in full).
fn is_calendar_word(token: &str) -> bool {
    if !(3..=9).contains(&token.len()) {
        return false;
    }
    CALENDAR.iter().any(|w| w.eq_ignore_ascii_case(token))
}

/// Whether a token is variable-like: it contains a digit or a masked part,
/// is a weekday or month name, a path or URL (see [`is_path`]), or a dotted
/// name of three or more parts (see [`is_dotted_name`]).
#[inline]
pub(crate) fn is_variable(token: &str) -> bool {
    token.bytes().any(|b| b.is_ascii_digit())
        || token.contains(WILDCARD)
        || is_calendar_word(token)
        || is_path(token)
        || is_dotted_name(token)
}

/// Whether `token` (trimmed of brackets, quotes and trailing punctuation)
/// is a dotted name of three or more parts, such as a host name or a Java
/// class name: `proxy.cse.cuhk.edu.hk`, `org.apache.spark.SparkContext`.
pub(crate) fn is_dotted_name(token: &str) -> bool {
    let t = token.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
    let mut parts = 0;
    for p in t.split('.') {
        if p.is_empty()
            || !p
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return false;
        }
        parts += 1;
    }
    parts >= 3
}

/// Whether `token` is a file path or URL: once brackets, quotes and
/// trailing punctuation are trimmed, it starts with `/`, `./`, `../`, `~/`,
/// `\\` or a drive (`C:\`), contains `://`, or has two or more `/` or `\`
/// separators. `I/O` and `and/or` stay words.
pub(crate) fn is_path(token: &str) -> bool {
    let t = token.trim_matches(|c: char| {
        matches!(
            c,
            '(' | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '<'
                | '>'
                | '"'
                | '\''
                | '`'
                | ','
                | ';'
                | ':'
                | '.'
        )
    });
    let t = t.rsplit_once(['=', '(']).map_or(t, |(_, v)| v);
    let b = t.as_bytes();
    if b.len() < 2 || !b.iter().any(u8::is_ascii_alphanumeric) {
        return false;
    }
    let drive = b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\';
    let seps = b.iter().filter(|&&c| c == b'/' || c == b'\\').count();
    b[0] == b'/'
        || t.starts_with("./")
        || t.starts_with("~/")
        || t.starts_with("\\\\")
        || drive
        || t.contains("://")
        || seps >= 2
}

/// Words after which a word is a value (a user, host or object name), not
/// part of a message's constant skeleton: see
/// [`MinerConfig::value_slots`](crate::MinerConfig::value_slots).
pub const VALUE_SLOT_WORDS: [&str; 11] = [
    "user", "users", "for", "by", "host", "hostname", "name", "named", "account", "login", "group",
];

/// Whether the token after `prev` is in a value slot.
#[inline]
pub(crate) fn opens_value_slot(prev: &str) -> bool {
    let p = prev.trim_end_matches([':', '=']);
    (2..=8).contains(&p.len()) && VALUE_SLOT_WORDS.iter().any(|w| w.eq_ignore_ascii_case(p))
}

/// One unit of a token's shape: a literal byte or a variable run.
#[derive(Debug, PartialEq, Eq)]
enum Unit<'a> {
    Lit(&'a [u8]),
    Var,
}

/// The shape unit starting at `*pos`, advancing `*pos` past it.
fn next_unit<'a>(s: &'a [u8], pos: &mut usize) -> Option<Unit<'a>> {
    let start = *pos;
    if start >= s.len() {
        return None;
    }
    let wild = WILDCARD.as_bytes();
    let mut i = start;
    let mut var = false;
    loop {
        if s[i..].starts_with(wild) {
            var = true;
            i += wild.len();
        } else if i < s.len() && s[i].is_ascii_hexdigit() {
            var |= s[i].is_ascii_digit();
            i += 1;
        } else {
            break;
        }
        if i >= s.len() {
            break;
        }
    }
    if i == start {
        *pos = start + 1;
        return Some(Unit::Lit(&s[start..start + 1]));
    }
    *pos = i;
    Some(if var {
        Unit::Var
    } else {
        Unit::Lit(&s[start..i])
    })
}

/// Whether two tokens have the same shape (see the module docs).
pub(crate) fn same_shape(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        match (next_unit(a, &mut i), next_unit(b, &mut j)) {
            (None, None) => return true,
            (x, y) if x == y => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        let mut spans = Vec::new();
        Tokens::split(s, &mut spans)
            .iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn splits_on_whitespace_runs() {
        assert_eq!(split("  a\tbb  c \r\n"), ["a", "bb", "c"]);
        assert_eq!(split("é x\u{3000}y"), ["é", "x", "y"]);
        assert!(split("   ").is_empty());
    }

    #[test]
    fn collapses_adjacent_placeholders_only() {
        assert_eq!(split("delete <*> <*> <*> done"), ["delete", "<*>", "done"]);
        assert_eq!(split("<*> x <*>"), ["<*>", "x", "<*>"]);
        assert_eq!(split("/<*> <*>"), ["/<*>", "<*>"]);
    }

    #[test]
    fn variable_tokens() {
        assert!(is_variable("blk_123"));
        assert!(is_variable("/<*>"));
        assert!(is_variable("Sun"));
        assert!(is_variable("DECEMBER"));
        assert!(!is_variable("block"));
        assert!(!is_variable("Sunny"));
        for p in [
            "/var/log/a.log",
            "/tmp/b",
            "(/usr/lib)",
            "./run",
            "~/x",
            "C:\\Windows\\System32",
            "http://a.b/c",
            "chdir(/bgl/apps)",
            "path=/etc/conf",
            "a/b/c",
            "'/home/u':",
        ] {
            assert!(is_variable(p), "{p}");
        }
        for w in ["I/O", "and/or", "/", "//", "-", "foo.bar", "a:b"] {
            assert!(!is_variable(w), "{w}");
        }
    }

    #[test]
    fn value_slots() {
        assert!(opens_value_slot("user"));
        assert!(opens_value_slot("For"));
        assert!(opens_value_slot("user:"));
        assert!(!opens_value_slot("from"));
        assert!(!opens_value_slot("to"));
        assert!(!opens_value_slot("password"));
    }

    #[test]
    fn shapes() {
        assert!(same_shape("PendingReds:1", "PendingReds:10"));
        assert!(same_shape(
            "b9000564-fe1a-409b-b8cc-1e88b294cd1d",
            "96abccce-8d1f-4e07-b6d1-4b2ab87e23b4"
        ));
        assert!(same_shape("b<*>-fe<*>a", "<*>abccce-<*>d<*>f"));
        assert!(same_shape("0x00544ea8,", "0x1feaa260,"));
        assert!(!same_shape("uid=0", "LOGIN(uid=0)"));
        assert!(!same_shape("tty=:0", "tty=1"));
        assert!(!same_shape("ab1", "ab1x"));
        assert!(same_shape("", ""));
    }
}
