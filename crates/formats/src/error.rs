//! The one error type of this crate. Every variant says which format failed
//! and where inside the record: the dotted JSON path, the Influx line and
//! field, or the Arrow column and row. Decoders are all-or-nothing per
//! record, so an error always means "this record contributed no samples".

use forewarn_core::decode::DecodeError;

use crate::Format;

/// Why a record of the metrics topic could not be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// A Forewarn JSON metric sample failed the contract; the inner error
    /// names the dotted field path (e.g. `labels.zone`) or the line/column.
    #[error("json record: {0}")]
    Json(#[from] DecodeError),
    /// An Influx line-protocol payload has a bad line.
    #[error("influx line {line}, {at}: {reason}")]
    Influx {
        /// 1-based line number within the record.
        line: usize,
        /// What on the line is wrong: `measurement`, ``tag `host` ``,
        /// ``field `usage_idle` ``, `timestamp` or `line`.
        at: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A prometheus-kafka-adapter JSON message is malformed or unusable.
    #[error("prometheus record: {path}: {reason}")]
    Prometheus {
        /// Dotted JSON path of the offending value (`value`, `labels.job`),
        /// or `.` for the document as a whole.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The bytes are not a complete Arrow IPC stream (garbage, truncated,
    /// not a stream but a file, ...).
    #[error("arrow ipc stream: {reason}")]
    ArrowStream {
        /// What the IPC reader saw.
        reason: String,
    },
    /// A column of an Arrow IPC stream is missing, has the wrong type, or
    /// holds an unusable value.
    #[error("arrow column `{column}`{}: {reason}", row_suffix(*.batch, *.row))]
    ArrowColumn {
        /// Column name.
        column: String,
        /// 0-based record batch within the stream, when about a value.
        batch: Option<usize>,
        /// 0-based row within the whole stream, when about a value.
        row: Option<usize>,
        /// What is wrong with it.
        reason: String,
    },
}

fn row_suffix(batch: Option<usize>, row: Option<usize>) -> String {
    match (row, batch) {
        (Some(r), Some(b)) => format!(" row {r} (batch {b})"),
        (Some(r), None) => format!(" row {r}"),
        _ => String::new(),
    }
}

impl FormatError {
    /// The format whose decoder raised this error.
    pub fn format(&self) -> Format {
        match self {
            Self::Json(_) => Format::Json,
            Self::Influx { .. } => Format::Influx,
            Self::Prometheus { .. } => Format::Prometheus,
            Self::ArrowStream { .. } | Self::ArrowColumn { .. } => Format::Arrow,
        }
    }

    pub(crate) fn influx(line: usize, at: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Influx {
            line,
            at: at.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn prometheus(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Prometheus {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// Result of this crate's fallible functions.
pub type Result<T, E = FormatError> = std::result::Result<T, E>;
