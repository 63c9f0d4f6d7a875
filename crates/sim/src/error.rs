//! The crate's one error type, with a variant per stage of a simulation:
//! configuration, planning, writing each output, reading labels back.

use std::path::PathBuf;

/// Everything that can go wrong while configuring, planning or writing a
/// simulated fleet.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid; every problem is listed, one per line,
    /// as `dotted.path: message`.
    #[error("invalid simulator configuration:\n{}", .0.join("\n"))]
    Config(Vec<String>),
    /// Creating, writing or reading a file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Encoding the Parquet output failed.
    #[cfg(feature = "parquet")]
    #[error("while writing Parquet to {path}: {source}")]
    Parquet {
        /// The Parquet file.
        path: PathBuf,
        /// The underlying polars error.
        #[source]
        source: polars::error::PolarsError,
    },
    /// Encoding or decoding JSON (labels, log records) failed.
    #[error("JSON error on {path}: {source}")]
    Json {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// A writer thread panicked or hung up early (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
