//! The first of the JSON decoder's three tiers: a hand-written scan of the
//! shape nearly every record has (one flat object of the contract's
//! fields, strings without escapes, `labels` absent or `{}`), borrowing
//! every name from the record. It answers only what it is sure of: any
//! other shape (an escape, a nested label, an unknown or repeated field,
//! a number serde would read differently) returns `None` and the record
//! goes on to the `serde_json` tier, then to the contract decoder, which
//! decide. Numbers are read by `serde_json` itself, so a value is the same
//! bits whichever tier read it; a property test holds the scan to the
//! contract decoder's answer.

/// The contract's fields as the record has them.
#[derive(Debug, Default)]
pub(super) struct Fields<'a> {
    pub(super) schema_version: Option<u32>,
    pub(super) ts: Option<&'a str>,
    pub(super) service: Option<&'a str>,
    pub(super) instance: Option<&'a str>,
    pub(super) metric: Option<&'a str>,
    pub(super) value: Option<f64>,
}

/// The fields of `bytes` when it has the common shape; `None` for
/// anything else (which the other tiers then read).
pub(super) fn scan(bytes: &[u8]) -> Option<Fields<'_>> {
    let mut s = Scanner { b: bytes, i: 0 };
    let mut f = Fields::default();
    let mut labels = false;
    s.skip_ws();
    s.eat(b'{')?;
    s.skip_ws();
    if s.peek()? != b'}' {
        loop {
            let key = s.string()?;
            s.skip_ws();
            s.eat(b':')?;
            s.skip_ws();
            match key.as_bytes() {
                b"ts" => set(&mut f.ts, s.string()?)?,
                b"service" => set(&mut f.service, s.string()?)?,
                b"instance" => set(&mut f.instance, s.string()?)?,
                b"metric" => set(&mut f.metric, s.string()?)?,
                b"value" => set(&mut f.value, s.number()?)?,
                b"schema_version" => set(&mut f.schema_version, s.version()?)?,
                b"labels" if !labels => {
                    s.eat(b'{')?;
                    s.skip_ws();
                    s.eat(b'}')?;
                    labels = true;
                }
                _ => return None,
            }
            s.skip_ws();
            match s.next()? {
                b',' => s.skip_ws(),
                b'}' => break,
                _ => return None,
            }
        }
    } else {
        s.i += 1;
    }
    s.skip_ws();
    (s.i == bytes.len()).then_some(f)
}

/// A field seen twice is for the other tiers (serde refuses it).
fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// A string without escapes or control characters, as UTF-8.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let len = self.b[start..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        self.i = start + len;
        self.eat(b'"')?;
        std::str::from_utf8(&self.b[start..start + len]).ok()
    }

    /// A number in JSON's grammar, read by `serde_json` (the same value,
    /// to the bit, as the other tiers).
    fn number(&mut self) -> Option<f64> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.one_digit()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.one_digit()?;
        }
        serde_json::from_slice(&self.b[start..self.i]).ok()
    }

    /// `schema_version`: plain digits that fit a `u32`, no leading zero.
    fn version(&mut self) -> Option<u32> {
        let start = self.i;
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if let Some(b'.' | b'e' | b'E') = self.peek() {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    fn one_digit(&mut self) -> Option<()> {
        if !self.peek()?.is_ascii_digit() {
            return None;
        }
        self.digits();
        Some(())
    }
}
