//! A hand-written matcher for formats whose literal parts are plain text,
//! escaped punctuation and optional groups `(...)?` (syslog's
//! `<Component>(\[<PID>\])?: <Content>`): the format becomes a list of
//! atoms (a literal character, a whitespace run `\s+`, a field `.*?`, the
//! start of an optional group), matched with the regex's leftmost-first
//! backtracking order (lazy fields take the shortest extent that lets the
//! rest match; whitespace runs take the longest; an optional group is tried
//! present, then absent). A budget of steps and of bytes scanned bounds the
//! work; when it runs out the caller uses the regex, so no line is ever
//! slow.

/// One element of a compiled format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Atom {
    /// A literal character.
    Char(char),
    /// One or more whitespace characters.
    Space,
    /// A field (by index), matching lazily.
    Field(usize),
    /// An optional group of the next `n` atoms (greedy: present first).
    Optional(usize),
}

/// Outcome of a match attempt.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Matched; the byte range of each field.
    Matched,
    /// The line does not match.
    NoMatch,
    /// The step budget ran out; ask the regex.
    GaveUp,
}

/// Compile the format's parts into atoms, or `None` when a literal part
/// uses regex syntax beyond escaped punctuation and optional groups.
pub(super) fn compile(parts: &[Part<'_>]) -> Option<Vec<Atom>> {
    let mut atoms = Vec::new();
    // Where each open group's `Optional` atom is.
    let mut open = Vec::new();
    for p in parts {
        match p {
            Part::Field(i) => atoms.push(Atom::Field(*i)),
            Part::Literal(text) => {
                let mut chars = text.chars().peekable();
                while let Some(c) = chars.next() {
                    match c {
                        ' ' => {
                            while chars.peek() == Some(&' ') {
                                chars.next();
                            }
                            atoms.push(Atom::Space);
                        }
                        '\\' => match chars.next()? {
                            e if e.is_ascii_punctuation() => atoms.push(Atom::Char(e)),
                            _ => return None,
                        },
                        // A group; `(?` is regex syntax (flags, `(?:`, names).
                        '(' if chars.peek() != Some(&'?') => {
                            open.push(atoms.len());
                            atoms.push(Atom::Optional(0));
                        }
                        // Only an optional group, and not an empty one.
                        ')' if chars.next_if_eq(&'?').is_some() => {
                            let at = open.pop()?;
                            let n = atoms.len() - at - 1;
                            if n == 0 || chars.peek() == Some(&'?') {
                                return None; // `()?` or a lazy `)??`
                            }
                            atoms[at] = Atom::Optional(n);
                        }
                        '.' | '^' | '$' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}'
                        | '|' => return None,
                        c => atoms.push(Atom::Char(c)),
                    }
                }
            }
        }
    }
    open.is_empty().then_some(atoms)
}

/// What can begin a match of a list of atoms.
#[derive(Debug, PartialEq)]
enum Start {
    /// This character.
    Char(char),
    /// One of these characters (only after an optional group: no
    /// allocation on the common path).
    Chars(Vec<char>),
    /// A whitespace character.
    Space,
    /// Anything (a field, the end of the line, or a mix).
    Any,
}

impl Start {
    fn of(atoms: &[Atom]) -> Self {
        match atoms.first() {
            Some(Atom::Char(c)) => Self::Char(*c),
            Some(Atom::Space) => Self::Space,
            Some(Atom::Field(_)) | None => Self::Any,
            Some(Atom::Optional(n)) => match (Self::of(&atoms[1..]), Self::of(&atoms[1 + n..])) {
                (Self::Space, Self::Space) => Self::Space,
                (a, b) => match (a.chars(), b.chars()) {
                    (Some(mut a), Some(b)) => {
                        a.extend(b);
                        Self::Chars(a)
                    }
                    _ => Self::Any,
                },
            },
        }
    }

    fn chars(self) -> Option<Vec<char>> {
        match self {
            Self::Char(c) => Some(vec![c]),
            Self::Chars(cs) => Some(cs),
            Self::Space | Self::Any => None,
        }
    }
}

/// A piece of a format: literal text or a field index.
#[derive(Debug, Clone, Copy)]
pub(super) enum Part<'a> {
    /// Regex text between fields.
    Literal(&'a str),
    /// The field with this index.
    Field(usize),
}

/// Match `line` (already trimmed) against `atoms`, writing field ranges
/// into `spans` (one per field).
pub(super) fn run(atoms: &[Atom], line: &str, spans: &mut [(usize, usize)]) -> Outcome {
    let mut budget = 64 + 8 * line.len();
    match step(atoms, line, 0, spans, &mut budget) {
        Some(true) => Outcome::Matched,
        Some(false) => Outcome::NoMatch,
        None => Outcome::GaveUp,
    }
}

/// Match `atoms` at byte `pos`; `None` when the budget ran out.
fn step(
    atoms: &[Atom],
    line: &str,
    pos: usize,
    spans: &mut [(usize, usize)],
    budget: &mut usize,
) -> Option<bool> {
    *budget = budget.checked_sub(1)?;
    let Some((first, rest)) = atoms.split_first() else {
        return Some(pos == line.len());
    };
    let tail = &line[pos..];
    match first {
        Atom::Optional(n) => {
            if step(rest, line, pos, spans, budget)? {
                return Some(true);
            }
            step(&rest[*n..], line, pos, spans, budget)
        }
        Atom::Char(c) => {
            if starts_with_char(tail, *c) {
                step(rest, line, pos + c.len_utf8(), spans, budget)
            } else {
                Some(false)
            }
        }
        Atom::Space => {
            let run = if tail
                .as_bytes()
                .first()
                .is_some_and(u8::is_ascii_alphanumeric)
            {
                0
            } else {
                tail.char_indices()
                    .find(|(_, c)| !c.is_whitespace())
                    .map_or(tail.len(), |(i, _)| i)
            };
            charge(budget, run)?;
            // Longest run first, then shorter ones, down to one character.
            let mut e = run;
            while e > 0 {
                if step(rest, line, pos + e, spans, budget)? {
                    return Some(true);
                }
                e = tail[..e].char_indices().next_back().map_or(0, |(i, _)| i);
            }
            Some(false)
        }
        Atom::Field(f) => {
            // The last atom: the field takes everything.
            if rest.is_empty() {
                spans[*f] = (pos, line.len());
                return Some(true);
            }
            // Only try ends where what follows can start, shortest first:
            // where its character is (found with `memchr`, not one
            // character at a time), or where whitespace is.
            match Start::of(rest) {
                // Each scan is charged the bytes it passed, so retries of a
                // long line cannot scan it again and again unbounded.
                Start::Char(c) => {
                    let ends = tail.match_indices(c).map(|(e, _)| e);
                    field_ends(ends, *f, rest, line, pos, spans, budget)
                }
                Start::Chars(cs) => {
                    let ends = tail.match_indices(|c| cs.contains(&c)).map(|(e, _)| e);
                    field_ends(ends, *f, rest, line, pos, spans, budget)
                }
                Start::Space => {
                    let bytes = tail.as_bytes();
                    // ASCII whitespace, or a non-ASCII character (its first
                    // byte) that is whitespace.
                    let ends = bytes.iter().enumerate().filter_map(|(e, &b)| {
                        let space = match b {
                            0..0x80 => b.is_ascii_whitespace() || b == 0x0b,
                            0xc0.. => starts_with_space(&tail[e..]),
                            _ => false,
                        };
                        space.then_some(e)
                    });
                    field_ends(ends, *f, rest, line, pos, spans, budget)
                }
                Start::Any => {
                    let ends = tail
                        .char_indices()
                        .map(|(i, _)| i)
                        .chain(std::iter::once(tail.len()));
                    field_ends(ends, *f, rest, line, pos, spans, budget)
                }
            }
        }
    }
}

/// Field `f` starting at `pos`: try each end in `ends` (byte offsets from
/// `pos`, ascending) where the rest matches, charging the bytes passed.
fn field_ends(
    ends: impl Iterator<Item = usize>,
    f: usize,
    rest: &[Atom],
    line: &str,
    pos: usize,
    spans: &mut [(usize, usize)],
    budget: &mut usize,
) -> Option<bool> {
    let mut last = 0;
    for e in ends {
        charge(budget, e - last)?;
        last = e;
        if step(rest, line, pos + e, spans, budget)? {
            spans[f] = (pos, pos + e);
            return Some(true);
        }
    }
    charge(budget, line.len() - pos - last)?;
    Some(false)
}

/// Take `n` from the budget; `None` when it runs out.
#[inline]
fn charge(budget: &mut usize, n: usize) -> Option<()> {
    *budget = budget.checked_sub(n)?;
    Some(())
}

/// `s.starts_with(c)`, without the generic pattern machinery for ASCII `c`.
#[inline]
fn starts_with_char(s: &str, c: char) -> bool {
    if c.is_ascii() {
        s.as_bytes().first() == Some(&(c as u8))
    } else {
        s.starts_with(c)
    }
}

/// Whether `s` starts with a whitespace character.
#[inline]
fn starts_with_space(s: &str) -> bool {
    match s.as_bytes().first() {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_whitespace() || *b == 0x0b,
        Some(_) => s.chars().next().is_some_and(char::is_whitespace),
    }
}
