//! [`LogFormat`]: Loghub-style header formats such as
//! `<Date> <Time> <Level> <Component>: <Content>`. `<Name>` is a field
//! (captured non-greedily), every other character is regex text as written
//! (so `\[` is a literal bracket and `(...)?` an optional part), and each run
//! of spaces matches one or more whitespace characters. The whole trimmed
//! line must match; `<Content>` is the message handed to the miner.

use regex::Regex;

use super::fast::{self, Atom, Outcome, Part};
use crate::error::{Error, Result};

/// Most fields the fast matcher handles (more go through the regex).
const MAX_FAST_FIELDS: usize = 16;

/// A compiled log format.
#[derive(Debug, Clone)]
pub struct LogFormat {
    regex: Regex,
    fields: Vec<String>,
    content: usize,
    atoms: Option<Vec<Atom>>,
}

impl LogFormat {
    /// Compile `format`. It must contain a `<Content>` field.
    pub fn new(format: &str) -> Result<Self> {
        let bad = |reason: String| Error::Format {
            format: format.to_owned(),
            reason,
        };
        let field = Regex::new(r"<([^<>]+)>").expect("static regex");
        let spaces = Regex::new(" +").expect("static regex");
        let mut pattern = String::from("^");
        let mut fields = Vec::new();
        let mut parts = Vec::new();
        let mut last = 0;
        for c in field.captures_iter(format) {
            let whole = c.get(0).expect("group 0");
            pattern.push_str(&spaces.replace_all(&format[last..whole.start()], r"\s+"));
            parts.push(Part::Literal(&format[last..whole.start()]));
            parts.push(Part::Field(fields.len()));
            let name = &c[1];
            if !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                return Err(bad(format!("field name {name:?} must be alphanumeric")));
            }
            if fields.iter().any(|f| f == name) {
                return Err(bad(format!("duplicate field {name:?}")));
            }
            pattern.push_str(&format!("(?P<{name}>.*?)"));
            fields.push(name.to_owned());
            last = whole.end();
        }
        pattern.push_str(&spaces.replace_all(&format[last..], r"\s+"));
        pattern.push('$');
        parts.push(Part::Literal(&format[last..]));
        let content = fields
            .iter()
            .position(|f| f == "Content")
            .ok_or_else(|| bad("no <Content> field".into()))?;
        // `(?s)` so a stray control character inside a line never fails a match.
        let regex = Regex::new(&format!("(?s){pattern}")).map_err(|e| bad(e.to_string()))?;
        let atoms = fast::compile(&parts).filter(|_| fields.len() <= MAX_FAST_FIELDS);
        Ok(Self {
            regex,
            fields,
            content,
            atoms,
        })
    }

    /// Field names in order of appearance.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Whether lines go through the hand-written matcher (the format's
    /// literal parts are plain text) rather than the regex.
    pub fn is_fast(&self) -> bool {
        self.atoms.is_some()
    }

    /// The message part of `line`, or `None` if the line does not match.
    pub fn content<'a>(&self, line: &'a str) -> Option<&'a str> {
        let line = line.trim();
        let mut spans = [(0, 0); MAX_FAST_FIELDS];
        match self.run_fast(line, &mut spans) {
            Some(true) => Some(&line[spans[self.content].0..spans[self.content].1]),
            Some(false) => None,
            None => {
                let caps = self.regex.captures(line)?;
                Some(
                    caps.name(&self.fields[self.content])
                        .map_or("", |m| m.as_str()),
                )
            }
        }
    }

    /// Every field of `line` (name, value) in format order, or `None` if the
    /// line does not match. An optional field that did not take part is "".
    pub fn parse<'a>(&'a self, line: &'a str) -> Option<Vec<(&'a str, &'a str)>> {
        let line = line.trim();
        let mut spans = [(0, 0); MAX_FAST_FIELDS];
        let named = |f: &'a String, v: &'a str| (f.as_str(), v);
        match self.run_fast(line, &mut spans) {
            Some(true) => Some(
                self.fields
                    .iter()
                    .zip(spans)
                    .map(|(f, (s, e))| named(f, &line[s..e]))
                    .collect(),
            ),
            Some(false) => None,
            None => self.parse_by_regex(line),
        }
    }

    /// [`parse`](Self::parse) by the regex alone: the reference the
    /// hand-written matcher is held to (by the property test here and the
    /// `log_line` fuzz target).
    pub fn parse_by_regex<'a>(&'a self, line: &'a str) -> Option<Vec<(&'a str, &'a str)>> {
        let caps = self.regex.captures(line.trim())?;
        Some(
            self.fields
                .iter()
                .map(|f| (f.as_str(), caps.name(f).map_or("", |m| m.as_str())))
                .collect(),
        )
    }

    /// The fast matcher's verdict, or `None` when it does not apply or gave up.
    fn run_fast(&self, line: &str, spans: &mut [(usize, usize)]) -> Option<bool> {
        match fast::run(self.atoms.as_deref()?, line, spans) {
            Outcome::Matched => Some(true),
            Outcome::NoMatch => Some(false),
            Outcome::GaveUp => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_content_and_headers() {
        let f = LogFormat::new("<Date> <Time> <Level> <Component>: <Content>").unwrap();
        let line =
            "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi\r\n";
        assert_eq!(f.content(line), Some("Changing view acls to: yarn,curi"));
        let p = f.parse(line).unwrap();
        assert_eq!(p[2], ("Level", "INFO"));
        assert_eq!(f.content("garbage"), None);
    }

    #[test]
    fn optional_groups_and_escapes() {
        let f = LogFormat::new(r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>")
            .unwrap();
        let a = "Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown";
        assert_eq!(f.content(a), Some("check pass; user unknown"));
        assert_eq!(f.parse(a).unwrap()[5], ("PID", "19937"));
        let b = "Jun 15 04:06:18 combo su(pam_unix): session opened for user cyrus";
        let p = f.parse(b).unwrap();
        assert_eq!(p[4], ("Component", "su(pam_unix)"));
        assert_eq!(p[5], ("PID", ""));
    }

    #[test]
    fn plain_formats_take_the_fast_path() {
        assert!(
            LogFormat::new(r"\[<Time>\] \[<Level>\] <Content>")
                .unwrap()
                .is_fast()
        );
        assert!(
            LogFormat::new("<Date> <Time> - <Level>  \\[<Node>:<Component>@<Id>\\] - <Content>")
                .unwrap()
                .is_fast()
        );
        assert!(
            LogFormat::new(r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>")
                .unwrap()
                .is_fast()
        );
        // Groups that are not optional, alternatives and classes go to the regex.
        for format in [
            r"<A>(\[<B>\]): <Content>",
            r"<A>(?:\[<B>\])?: <Content>",
            r"<A>(\[<B>\])??: <Content>",
            r"<A>( |:)<Content>",
            r"<A>[:] <Content>",
        ] {
            assert!(!LogFormat::new(format).unwrap().is_fast(), "{format}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_with_the_regex(line in "[ab: \\[\\]\t\u{a0}\u{2003}é-]{0,24}") {
            for format in [
                "<A> <B>: <Content>",
                r"\[<A>\] \[<B>\] <Content>",
                r"<A> - <B>  \[<C>:<D>\] - <Content>",
                "<A>:<B> <Content>:",
                "<Content>",
                r"<A>(\[<B>\])?: <Content>",
                r"<A> (<B> )?<Content>",
                r"(<A>:)?<B> <Content>",
                r"<A>(:(<B>)?\[<C>\])? <Content>",
                r"<Content>( \[<A>\])?",
            ] {
                let f = LogFormat::new(format).unwrap();
                proptest::prop_assert!(f.is_fast());
                proptest::prop_assert_eq!(f.parse(&line), f.parse_by_regex(&line), "format {}", format);
            }
        }
    }

    /// Found by the `log_line` fuzz target: long runs of whitespace and no
    /// delimiter made the matcher scan the line again on every retry (each
    /// retry cost one step of the budget but a scan of the whole line), so
    /// a 30 KB line took minutes (this test ran for longer than the CI
    /// limit). Scans are charged to the budget now.
    #[test]
    fn long_lines_of_whitespace_runs_stay_bounded_and_agree() {
        let mut line = String::from("; u\u{5}h");
        for _ in 0..60 {
            line.push_str(&"\u{b}".repeat(40));
            line.push_str("ppepute.wputk.wsgi.speppute.wsgid ");
            line.push_str(&"\u{c}".repeat(300));
            line.push('x');
        }
        assert!(line.len() > 20_000);
        for format in [
            r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
            r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
        ] {
            let f = LogFormat::new(format).unwrap();
            assert_eq!(f.parse(&line), None, "the line does not fit {format}");
            assert_eq!(f.parse(&line), f.parse_by_regex(&line), "format {format}");
        }
    }

    #[test]
    fn rejects_bad_formats() {
        assert!(LogFormat::new("<Date> <Level>").is_err());
        assert!(LogFormat::new("<A> <A> <Content>").is_err());
        assert!(LogFormat::new("<A b> <Content>").is_err());
    }
}
