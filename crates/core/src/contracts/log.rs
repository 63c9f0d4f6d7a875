//! The log-record contract: one log line of one service.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::default_schema_version;

/// Severity of a log line. Written lowercase; read also in the spellings
/// shippers use: syslog's severity names (`emerg`, `alert`, `crit`, `err`,
/// `warning`, `notice`, as rsyslog's `syslogseverity-text` writes them)
/// and upper case (`ERROR`, `WARN`, `WARNING`, ...).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Verbose diagnostics.
    #[serde(alias = "TRACE")]
    Trace,
    /// Debugging output.
    #[serde(alias = "DEBUG")]
    Debug,
    /// Normal operation.
    #[serde(alias = "INFO", alias = "notice", alias = "NOTICE")]
    Info,
    /// Something unexpected that the service handled.
    #[serde(alias = "WARN", alias = "warning", alias = "WARNING")]
    Warn,
    /// A failed operation.
    #[serde(alias = "ERROR", alias = "err", alias = "ERR")]
    Error,
    /// The service cannot go on.
    #[serde(
        alias = "FATAL",
        alias = "crit",
        alias = "CRIT",
        alias = "critical",
        alias = "CRITICAL",
        alias = "alert",
        alias = "ALERT",
        alias = "emerg",
        alias = "EMERG"
    )]
    Fatal,
}

/// One log line, as produced to the logs topic.
///
/// ```json
/// {"schema_version":1,"ts":"2026-01-01T00:00:10Z","service":"db","level":"error",
///  "message":"connection pool exhausted after 5000 ms","fields":{"pool":"main"}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogRecord {
    /// Contract version; defaults to 1 when absent.
    #[serde(default = "default_schema_version")]
    pub schema_version: u32,
    /// Event time (RFC 3339).
    pub ts: DateTime<Utc>,
    /// Service that wrote the line.
    pub service: String,
    /// Instance within the service; empty when unknown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instance: String,
    /// Severity.
    pub level: LogLevel,
    /// The message text, unparsed.
    pub message: String,
    /// Structured fields, if the shipper provides any.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, serde_json::Value>,
}
