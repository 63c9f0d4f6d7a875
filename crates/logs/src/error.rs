//! The crate's one error type. Variants are named by the stage that failed:
//! building the miner from its config, parsing a log format, reading or
//! decoding evaluation data, and restoring persisted miner state.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range or inconsistent.
    #[error("invalid miner config: {0}")]
    Config(String),
    /// A masking regex does not compile.
    #[error("invalid mask regex {pattern:?}: {source}")]
    Mask {
        /// The pattern as written in the config.
        pattern: String,
        /// Why the regex engine refused it.
        #[source]
        source: regex::Error,
    },
    /// A Loghub-style log format does not compile or has no `<Content>` field.
    #[error("invalid log format {format:?}: {reason}")]
    Format {
        /// The format as written.
        format: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A CSV file (Loghub ground truth) is malformed.
    #[error("malformed CSV {path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The CSV decoder's error.
        #[source]
        source: csv::Error,
    },
    /// JSON (evaluation settings or persisted miner state) is malformed.
    #[error("malformed JSON{}: {source}", context_suffix(.context))]
    Json {
        /// The file or object being decoded.
        context: String,
        /// The JSON decoder's error.
        #[source]
        source: serde_json::Error,
    },
    /// Evaluation data is inconsistent (missing column, row count mismatch, ...).
    #[error("evaluation data for {system}: {reason}")]
    Data {
        /// The Loghub system (e.g. `HDFS`).
        system: String,
        /// What is wrong.
        reason: String,
    },
    /// Persisted miner state is internally inconsistent.
    #[error("invalid miner state: {0}")]
    State(String),
}

fn context_suffix(context: &str) -> String {
    if context.is_empty() {
        String::new()
    } else {
        format!(" in {context}")
    }
}

/// Result alias using this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
