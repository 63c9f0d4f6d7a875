//! The severity of one captured log line, read the way the line was
//! written: a JSON object's `level`/`severity` field (names or pino's
//! numbers), logfmt's `level=`, or a plain `LEVEL` word near the start
//! (`ERROR`, `[warn]`, `INFO:`). A line with none of them is `info`.

use std::collections::BTreeMap;

use forewarn_core::contracts::LogLevel;

/// A line's severity, message and structured fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// Severity.
    pub level: LogLevel,
    /// The message: a JSON line's `msg`/`message`, else the whole line.
    pub message: String,
    /// A JSON line's other top-level fields.
    pub fields: BTreeMap<String, serde_json::Value>,
}

const LEVEL_KEYS: [&str; 6] = [
    "level",
    "severity",
    "lvl",
    "log.level",
    "levelname",
    "loglevel",
];
const MESSAGE_KEYS: [&str; 2] = ["msg", "message"];

/// Read `line` (without its newline).
pub fn parse(line: &str) -> Parsed {
    let trimmed = line.trim_start();
    if trimmed.starts_with('{')
        && let Ok(serde_json::Value::Object(obj)) = serde_json::from_str(trimmed)
    {
        return from_json(line, obj);
    }
    let level = logfmt_level(line)
        .or_else(|| plain_level(line))
        .unwrap_or(LogLevel::Info);
    Parsed {
        level,
        message: line.to_string(),
        fields: BTreeMap::new(),
    }
}

fn from_json(line: &str, obj: serde_json::Map<String, serde_json::Value>) -> Parsed {
    let mut level = None;
    let mut message = None;
    let mut fields = BTreeMap::new();
    for (k, v) in obj {
        let key = k.to_ascii_lowercase();
        if level.is_none() && LEVEL_KEYS.contains(&key.as_str()) {
            level = match &v {
                serde_json::Value::String(s) => word_level(s),
                serde_json::Value::Number(n) => n.as_f64().map(number_level),
                _ => None,
            };
            if level.is_some() {
                continue;
            }
        }
        if message.is_none()
            && MESSAGE_KEYS.contains(&key.as_str())
            && let serde_json::Value::String(s) = &v
        {
            message = Some(s.clone());
            continue;
        }
        fields.insert(k, v);
    }
    Parsed {
        level: level.unwrap_or(LogLevel::Info),
        message: message.unwrap_or_else(|| line.to_string()),
        fields,
    }
}

/// pino/bunyan numbers: 10 trace, 20 debug, 30 info, 40 warn, 50 error,
/// 60 fatal.
fn number_level(n: f64) -> LogLevel {
    match n {
        n if n >= 60.0 => LogLevel::Fatal,
        n if n >= 50.0 => LogLevel::Error,
        n if n >= 40.0 => LogLevel::Warn,
        n if n >= 30.0 => LogLevel::Info,
        n if n >= 20.0 => LogLevel::Debug,
        _ => LogLevel::Trace,
    }
}

/// A level name in any case, syslog and Python spellings included.
pub fn word_level(word: &str) -> Option<LogLevel> {
    Some(match word.to_ascii_lowercase().as_str() {
        "trace" | "trc" => LogLevel::Trace,
        "debug" | "dbg" => LogLevel::Debug,
        "info" | "inf" | "notice" | "information" => LogLevel::Info,
        "warn" | "warning" | "wrn" => LogLevel::Warn,
        "error" | "err" | "eror" => LogLevel::Error,
        "fatal" | "crit" | "critical" | "alert" | "emerg" | "panic" | "severe" => LogLevel::Fatal,
        _ => return None,
    })
}

/// `level=warn`, `lvl="error"`, `severity=INFO` as a whole logfmt pair.
fn logfmt_level(line: &str) -> Option<LogLevel> {
    line.split_ascii_whitespace().find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        if !LEVEL_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
            return None;
        }
        word_level(v.trim_matches('"'))
    })
}

/// A level word among the first six words: upper case as it is
/// (`ERROR`, `WARN:`), any case inside brackets (`[error]`, `<warn>`).
fn plain_level(line: &str) -> Option<LogLevel> {
    line.split_ascii_whitespace().take(6).find_map(|w| {
        let bracketed =
            (w.starts_with('[') && w.contains(']')) || (w.starts_with('<') && w.contains('>'));
        let core = w.trim_matches(|c: char| !c.is_ascii_alphabetic());
        if core.is_empty() {
            return None;
        }
        let upper = core.chars().all(|c| c.is_ascii_uppercase());
        if upper || bracketed {
            word_level(core)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(line: &str) -> LogLevel {
        parse(line).level
    }

    #[test]
    fn json_level_and_severity_fields() {
        let p = parse(r#"{"ts":"x","level":"warn","msg":"pool low","pool":"main"}"#);
        assert_eq!(p.level, LogLevel::Warn);
        assert_eq!(p.message, "pool low");
        assert_eq!(p.fields["pool"], "main");
        assert!(!p.fields.contains_key("level"));
        assert_eq!(
            level(r#"{"severity":"ERROR","message":"x"}"#),
            LogLevel::Error
        );
        assert_eq!(level(r#"{"level":50,"msg":"pino"}"#), LogLevel::Error);
        assert_eq!(level(r#"{"level":30}"#), LogLevel::Info);
        assert_eq!(level(r#"{"Level":"critical"}"#), LogLevel::Fatal);
        assert_eq!(level(r#"{"msg":"no level"}"#), LogLevel::Info);
    }

    #[test]
    fn logfmt_level_pairs() {
        assert_eq!(level(r#"ts=1 level=error msg="db down""#), LogLevel::Error);
        assert_eq!(level(r#"lvl="debug" x=1"#), LogLevel::Debug);
        assert_eq!(level("time=now severity=WARNING"), LogLevel::Warn);
        assert_eq!(level("mylevel=error"), LogLevel::Info);
    }

    #[test]
    fn plain_level_words() {
        assert_eq!(level("2026-01-01 12:00:00 ERROR db down"), LogLevel::Error);
        assert_eq!(level("WARN: disk at 91%"), LogLevel::Warn);
        assert_eq!(level("[warn] slow request"), LogLevel::Warn);
        assert_eq!(level("<error> oops"), LogLevel::Error);
        assert_eq!(level("FATAL out of memory"), LogLevel::Fatal);
        assert_eq!(level("DEBUG x"), LogLevel::Debug);
        // Lower-case words in prose are not levels; a line without one is info.
        assert_eq!(level("no error here"), LogLevel::Info);
        assert_eq!(level("listening on :8080"), LogLevel::Info);
        assert_eq!(level("a b c d e f ERROR late"), LogLevel::Info);
    }

    #[test]
    fn broken_json_is_read_as_plain_text() {
        assert_eq!(level("{not json ERROR"), LogLevel::Error);
    }
}
