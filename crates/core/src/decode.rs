//! Typed decoding of the contracts from JSON bytes. A failure is a
//! [`DecodeError`] that names the offending field (as a dotted path) and the
//! reason, so dead-letter records explain themselves.

use serde::de::DeserializeOwned;

use crate::SCHEMA_VERSION;
use crate::contracts::{
    LogRecord, MetricSample, OptimizationEvent, PredictedIssue, RemediationOutcome,
};

/// Why a record could not be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes are not well-formed (not UTF-8, not JSON, truncated).
    #[error("malformed input at line {line} column {column}: {reason}")]
    Syntax {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the parser saw.
        reason: String,
    },
    /// A field is missing, has the wrong type, or holds an invalid value.
    #[error("{field}: {reason}")]
    Field {
        /// Dotted path of the field, e.g. `labels.region` or `value`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The record was written by a newer contract than this build reads.
    #[error("schema_version: {found} is newer than the supported {supported}")]
    UnsupportedVersion {
        /// Version in the record.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
}

impl DecodeError {
    /// The field the error is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Field { field, .. } => Some(field),
            Self::UnsupportedVersion { .. } => Some("schema_version"),
            Self::Syntax { .. } => None,
        }
    }

    /// A field error.
    pub fn field_error(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Field {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A contract type: knows its version and checks the values serde cannot.
pub trait Contract: DeserializeOwned {
    /// The record's `schema_version`.
    fn schema_version(&self) -> u32;
    /// Checks beyond types: non-empty names, finite numbers, ranges.
    fn check(&self) -> Result<(), DecodeError> {
        Ok(())
    }
}

fn non_empty(field: &str, v: &str) -> Result<(), DecodeError> {
    if v.trim().is_empty() {
        return Err(DecodeError::field_error(field, "must not be empty"));
    }
    Ok(())
}

fn finite(field: &str, v: f64) -> Result<(), DecodeError> {
    if !v.is_finite() {
        return Err(DecodeError::field_error(
            field,
            format!("must be finite, got {v}"),
        ));
    }
    Ok(())
}

impl Contract for MetricSample {
    fn schema_version(&self) -> u32 {
        self.schema_version
    }
    fn check(&self) -> Result<(), DecodeError> {
        non_empty("service", &self.service)?;
        non_empty("metric", &self.metric)?;
        finite("value", self.value)
    }
}

impl Contract for LogRecord {
    fn schema_version(&self) -> u32 {
        self.schema_version
    }
    fn check(&self) -> Result<(), DecodeError> {
        non_empty("service", &self.service)
    }
}

impl Contract for PredictedIssue {
    fn schema_version(&self) -> u32 {
        self.schema_version
    }
    fn check(&self) -> Result<(), DecodeError> {
        non_empty("id", &self.id)?;
        non_empty("service", &self.service)?;
        if !(0.0..=1.0).contains(&self.probability) {
            return Err(DecodeError::field_error(
                "probability",
                format!("must be within [0, 1], got {}", self.probability),
            ));
        }
        for (i, e) in self.evidence.iter().enumerate() {
            finite(&format!("evidence[{i}].value"), e.value)?;
        }
        Ok(())
    }
}

impl Contract for OptimizationEvent {
    fn schema_version(&self) -> u32 {
        self.schema_version
    }
    fn check(&self) -> Result<(), DecodeError> {
        non_empty("service", &self.service)
    }
}

impl Contract for RemediationOutcome {
    fn schema_version(&self) -> u32 {
        self.schema_version
    }
    fn check(&self) -> Result<(), DecodeError> {
        non_empty("issue_id", &self.issue_id)?;
        non_empty("service", &self.service)
    }
}

/// Decode any contract from JSON bytes.
pub fn decode<T: Contract>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() || path == "." {
            DecodeError::Syntax {
                line: inner.line(),
                column: inner.column(),
                reason: strip_position(&inner.to_string()),
            }
        } else {
            DecodeError::Field {
                field: path,
                reason: strip_position(&inner.to_string()),
            }
        }
    })?;
    de.end().map_err(|e| DecodeError::Syntax {
        line: e.line(),
        column: e.column(),
        reason: strip_position(&e.to_string()),
    })?;
    if value.schema_version() > SCHEMA_VERSION {
        return Err(DecodeError::UnsupportedVersion {
            found: value.schema_version(),
            supported: SCHEMA_VERSION,
        });
    }
    value.check()?;
    Ok(value)
}

/// serde_json appends " at line L column C"; the error carries those apart.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Decode a [`MetricSample`].
pub fn decode_metric(bytes: &[u8]) -> Result<MetricSample, DecodeError> {
    decode(bytes)
}

/// Decode a [`LogRecord`].
pub fn decode_log(bytes: &[u8]) -> Result<LogRecord, DecodeError> {
    decode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"ts":"2026-01-01T00:00:00Z","service":"api","instance":"api-0","metric":"cpu","value":0.5,"labels":{"zone":"a"}}"#;

    #[test]
    fn decodes_a_valid_sample_with_default_version() {
        let s = decode_metric(GOOD.as_bytes()).unwrap();
        assert_eq!(s.schema_version, 1);
        assert_eq!(s.labels["zone"], "a");
        let back = serde_json::to_string(&s).unwrap();
        assert_eq!(decode_metric(back.as_bytes()).unwrap(), s);
    }

    fn field_of(json: &str) -> (Option<String>, String) {
        let e = decode_metric(json.as_bytes()).unwrap_err();
        (e.field().map(str::to_string), e.to_string())
    }

    #[test]
    fn names_the_field_and_reason() {
        let (f, msg) = field_of(
            r#"{"ts":"2026-01-01T00:00:00Z","service":"api","metric":"cpu","value":"high"}"#,
        );
        assert_eq!(f.as_deref(), Some("value"));
        assert!(msg.contains("invalid type"), "{msg}");

        let (f, msg) = field_of(r#"{"ts":"yesterday","service":"api","metric":"cpu","value":1}"#);
        assert_eq!(f.as_deref(), Some("ts"), "{msg}");

        let (f, msg) = field_of(
            r#"{"ts":"2026-01-01T00:00:00Z","service":"api","metric":"cpu","value":1,"labels":{"a":3}}"#,
        );
        assert_eq!(f.as_deref(), Some("labels.a"), "{msg}");

        let (f, msg) =
            field_of(r#"{"ts":"2026-01-01T00:00:00Z","service":" ","metric":"cpu","value":1}"#);
        assert_eq!(
            (f.as_deref(), msg.as_str()),
            (Some("service"), "service: must not be empty")
        );

        let (_, msg) = field_of(r#"{"ts":"2026-01-01T00:00:00Z","service":"api","value":1}"#);
        assert!(msg.contains("missing field `metric`"), "{msg}");

        let (_, msg) = field_of(
            r#"{"ts":"2026-01-01T00:00:00Z","service":"api","metric":"m","value":1,"colour":"red"}"#,
        );
        assert!(msg.contains("unknown field `colour`"), "{msg}");
    }

    #[test]
    fn rejects_syntax_errors_trailing_bytes_and_future_versions() {
        assert!(matches!(
            decode_metric(b"{\"ts\":"),
            Err(DecodeError::Syntax { .. })
        ));
        assert!(matches!(
            decode_metric(b"\xff\xfe"),
            Err(DecodeError::Syntax { .. })
        ));
        let trailing = format!("{GOOD} x");
        assert!(matches!(
            decode_metric(trailing.as_bytes()),
            Err(DecodeError::Syntax { .. })
        ));
        let future = GOOD.replacen('{', "{\"schema_version\":99,", 1);
        assert_eq!(
            decode_metric(future.as_bytes()).unwrap_err(),
            DecodeError::UnsupportedVersion {
                found: 99,
                supported: SCHEMA_VERSION
            }
        );
    }

    #[test]
    fn predicted_issue_probability_is_range_checked() {
        let json = r#"{"id":"x","status":"open","kind":"memory_exhaustion","service":"api","severity":"critical",
          "probability":1.5,"detected_at":"2026-01-01T00:00:00Z","opened_at":"2026-01-01T00:00:00Z",
          "horizon_s":3600,"model":{"name":"trend","version":"1"}}"#;
        let e = decode::<PredictedIssue>(json.as_bytes()).unwrap_err();
        assert_eq!(e.field(), Some("probability"));
    }

    #[test]
    fn log_levels_are_read_in_the_spellings_shippers_write() {
        use crate::contracts::LogLevel as L;
        for (written, level) in [
            ("warning", L::Warn),
            ("WARN", L::Warn),
            ("err", L::Error),
            ("ERROR", L::Error),
            ("crit", L::Fatal),
            ("emerg", L::Fatal),
            ("notice", L::Info),
            ("info", L::Info),
            ("DEBUG", L::Debug),
        ] {
            let json = format!(
                r#"{{"ts":"2026-01-01T00:00:00Z","service":"api","level":"{written}","message":"m"}}"#
            );
            assert_eq!(
                decode_log(json.as_bytes()).unwrap().level,
                level,
                "{written}"
            );
        }
        let bad = r#"{"ts":"2026-01-01T00:00:00Z","service":"api","level":"loud","message":"m"}"#;
        assert_eq!(
            decode_log(bad.as_bytes()).unwrap_err().field(),
            Some("level")
        );
    }
}
