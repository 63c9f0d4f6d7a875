//! InfluxDB line protocol as Telegraf's Kafka output writes it, one or more
//! lines per record:
//! `cpu,service=api,host=web\ 1 usage_idle=97.5,procs=12i,ok=true 1700000000000000000`.
//!
//! Syntax: `measurement[,tag=value...] field=value[,field=value...] timestamp`.
//! Backslash escapes `\,` `\ ` `\=` `\\` in the measurement, tag keys and
//! values, and field keys. Field values are floats, integers (`3i`),
//! unsigned integers (`3u`), booleans (`t`/`true`/`f`/`false`, any of the
//! usual capitalisations; mapped to 1 and 0) or double-quoted strings
//! (skipped: not numeric). The timestamp is in nanoseconds and, unlike in
//! InfluxDB, required: Forewarn needs the event time, and a server-side
//! arrival time would be wrong after any lag. Blank lines and `#` comments
//! are ignored; `\r\n` line ends are accepted.
//!
//! Mapping, per numeric field: `metric` is `{measurement}_{field}`, or the
//! measurement alone when the field is named `value`; `service` is the tag
//! `service`, which is required (Telegraf: `[global_tags] service = "api"`),
//! because guessing a service from a host name would merge unrelated
//! series; `instance` is the tag `instance`, else `host`, else empty; every
//! other tag becomes a label. Integers beyond 2^53 lose precision as `f64`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::DateTime;
use forewarn_core::SCHEMA_VERSION;
use forewarn_core::contracts::MetricSample;

use crate::error::{FormatError, Result};

pub(crate) fn decode(bytes: &[u8], out: &mut Vec<MetricSample>) -> Result<()> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
        let col = good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        FormatError::influx(line, "line", format!("invalid UTF-8 at byte {}", col + 1))
    })?;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        parse_line(line, i + 1, out)?;
    }
    Ok(())
}

/// A numeric field value; strings are `None`.
type FieldValue = Option<f64>;

fn parse_line(text: &str, line: usize, out: &mut Vec<MetricSample>) -> Result<()> {
    let err = |at: &str, reason: String| FormatError::influx(line, at, reason);
    let mut cur = Cursor { s: text, pos: 0 };

    // Blank names (only whitespace, e.g. escaped spaces or form feeds)
    // are refused as the JSON contract refuses them.
    let measurement = cur.ident(b", ");
    if measurement.trim().is_empty() {
        return Err(err("measurement", "missing".into()));
    }

    let mut tags: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::new();
    while cur.peek() == Some(b',') {
        cur.pos += 1;
        let key = cur.ident(b",= ");
        if key.is_empty() {
            return Err(err("tag set", "empty tag key".into()));
        }
        let at = format!("tag `{key}`");
        if cur.peek() != Some(b'=') {
            return Err(err(&at, "has no `=value`".into()));
        }
        cur.pos += 1;
        let value = cur.ident(b", ");
        if value.is_empty() {
            return Err(err(&at, "has an empty value".into()));
        }
        tags.push((key, value));
    }
    if cur.peek() != Some(b' ') {
        return Err(err(
            "line",
            "expected a space and the field set after the measurement and tags".into(),
        ));
    }
    cur.skip_spaces();

    let mut fields: Vec<(Cow<'_, str>, FieldValue)> = Vec::new();
    loop {
        let key = cur.ident(b",= ");
        if key.is_empty() {
            return Err(err("field set", "empty field key (no fields?)".into()));
        }
        let at = format!("field `{key}`");
        if cur.peek() != Some(b'=') {
            return Err(err(&at, "has no `=value`".into()));
        }
        cur.pos += 1;
        let value = cur.field_value().map_err(|reason| err(&at, reason))?;
        fields.push((key, value));
        match cur.peek() {
            Some(b',') => cur.pos += 1,
            Some(b' ') | None => break,
            Some(_) => return Err(err(&at, "unexpected text after the value".into())),
        }
    }
    cur.skip_spaces();

    let ts_text = cur.rest();
    if ts_text.is_empty() {
        return Err(err(
            "timestamp",
            "missing; the event time is required (nanoseconds since the epoch)".into(),
        ));
    }
    let ns: i64 = ts_text.parse().map_err(|_| {
        err(
            "timestamp",
            format!("`{ts_text}` is not an integer number of nanoseconds"),
        )
    })?;
    let ts = DateTime::from_timestamp_nanos(ns);

    let mut service = None;
    let mut instance_tag = None;
    let mut host_tag = None;
    let mut labels = BTreeMap::new();
    for (k, v) in tags {
        match &*k {
            "service" => service = Some(v.into_owned()),
            "instance" => instance_tag = Some(v.into_owned()),
            "host" => host_tag = Some(v.into_owned()),
            _ => {
                labels.insert(k.into_owned(), v.into_owned());
            }
        }
    }
    let service = match service {
        Some(s) if s.trim().is_empty() => {
            return Err(err("tag `service`", "is blank".into()));
        }
        Some(s) => s,
        None => {
            return Err(err(
                "tag `service`",
                "missing; it names the service (set it in Telegraf's [global_tags])".into(),
            ));
        }
    };
    let instance = match (instance_tag, host_tag) {
        (Some(i), Some(h)) => {
            labels.insert("host".to_string(), h);
            i
        }
        (Some(i), None) => i,
        (None, Some(h)) => h,
        (None, None) => String::new(),
    };

    for (field, value) in fields {
        let Some(value) = value else { continue };
        let metric = if field == "value" {
            measurement.to_string()
        } else {
            format!("{measurement}_{field}")
        };
        out.push(MetricSample {
            schema_version: SCHEMA_VERSION,
            ts,
            service: service.clone(),
            instance: instance.clone(),
            metric,
            value,
            labels: labels.clone(),
        });
    }
    Ok(())
}

/// A position in one line. Every delimiter is ASCII, so byte positions found
/// by scanning are always `char` boundaries.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// A measurement, tag key/value or field key: up to the first unescaped
    /// byte of `stops`, with escapes removed.
    fn ident(&mut self, stops: &[u8]) -> Cow<'a, str> {
        let b = self.s.as_bytes();
        let start = self.pos;
        let mut escaped = false;
        while let Some(&c) = b.get(self.pos) {
            if c == b'\\' && matches!(b.get(self.pos + 1), Some(b',' | b'=' | b' ' | b'\\')) {
                escaped = true;
                self.pos += 2;
                continue;
            }
            if stops.contains(&c) {
                break;
            }
            self.pos += 1;
        }
        let raw = &self.s[start..self.pos];
        if !escaped {
            return Cow::Borrowed(raw);
        }
        let mut owned = String::with_capacity(raw.len());
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\'
                && let Some(&n @ (',' | '=' | ' ' | '\\')) = chars.peek()
            {
                owned.push(n);
                chars.next();
                continue;
            }
            owned.push(c);
        }
        Cow::Owned(owned)
    }

    /// A field value; `Ok(None)` for a string.
    fn field_value(&mut self) -> std::result::Result<FieldValue, String> {
        let b = self.s.as_bytes();
        if self.peek() == Some(b'"') {
            self.pos += 1;
            while let Some(&c) = b.get(self.pos) {
                match c {
                    b'\\' => self.pos += 2,
                    b'"' => {
                        self.pos += 1;
                        return Ok(None);
                    }
                    _ => self.pos += 1,
                }
            }
            return Err("unterminated string value".into());
        }
        let start = self.pos;
        while let Some(&c) = b.get(self.pos) {
            if c == b',' || c == b' ' {
                break;
            }
            self.pos += 1;
        }
        let token = &self.s[start..self.pos];
        parse_number(token).map(Some)
    }
}

fn parse_number(token: &str) -> std::result::Result<f64, String> {
    if token.is_empty() {
        return Err("empty value".into());
    }
    match token {
        "t" | "T" | "true" | "True" | "TRUE" => return Ok(1.0),
        "f" | "F" | "false" | "False" | "FALSE" => return Ok(0.0),
        _ => {}
    }
    if let Some(int) = token.strip_suffix('i') {
        return int
            .parse::<i64>()
            .map(|v| v as f64)
            .map_err(|_| format!("`{token}` is not a valid integer"));
    }
    if let Some(uint) = token.strip_suffix('u') {
        return uint
            .parse::<u64>()
            .map(|v| v as f64)
            .map_err(|_| format!("`{token}` is not a valid unsigned integer"));
    }
    match token.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!("`{token}` is not finite")),
        Err(_) => Err(format!("`{token}` is not a number, boolean or string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Result<Vec<MetricSample>> {
        let mut out = Vec::new();
        decode(line.as_bytes(), &mut out).map(|()| out)
    }

    #[test]
    fn unescapes_identifiers() {
        let s = one(r"my\ cpu,service=a\,b,zone\=x=eu\ west value=1 1").unwrap();
        assert_eq!(s[0].metric, "my cpu");
        assert_eq!(s[0].service, "a,b");
        assert_eq!(s[0].labels["zone=x"], "eu west");
    }

    #[test]
    fn a_blank_service_or_measurement_is_refused() {
        // Found by fuzzing (crates/fuzz, target influx): a service tag of
        // form feeds made samples of a blank service, which the JSON
        // contract (and the other formats) refuse.
        let e = one("cpu,service=\x0c\x0c idle=1 1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("tag `service`") && e.contains("blank"), "{e}");
        assert!(one(r"cpu,service=\  idle=1 1").is_err());
        let e = one(r"\ ,service=api value=1 1").unwrap_err().to_string();
        assert!(e.contains("measurement"), "{e}");
        assert_eq!(
            one("cpu,service=a\x0cb idle=1 1").unwrap()[0].service,
            "a\x0cb"
        );
    }

    #[test]
    fn strings_with_delimiters_are_skipped() {
        let s = one(r#"m,service=a msg="a, b=c \"q\"",v=2 5"#).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].metric, "m_v");
        assert_eq!(s[0].ts.timestamp_nanos_opt(), Some(5));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("-3i"), Ok(-3.0));
        assert_eq!(parse_number("3u"), Ok(3.0));
        assert_eq!(parse_number("1e3"), Ok(1000.0));
        assert_eq!(parse_number("FALSE"), Ok(0.0));
        assert!(parse_number("-3u").is_err());
        assert!(parse_number("NaN").unwrap_err().contains("not finite"));
        assert!(parse_number("inf").is_err());
        assert!(parse_number("1.5i").is_err());
    }
}
