//! The crate's error type. Variants are named by the stage that failed:
//! reading input files, validating their columns and values, checking the
//! training configuration, fitting a model, and saving the artifact. Every
//! message names the file, column or model it is about; nothing in training
//! panics on bad input.

use std::path::PathBuf;

use forewarn_models::artifact::ArtifactError;

/// Everything that can go wrong while training.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// polars could not parse a file.
    #[error("{}: cannot read {format}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// `CSV` or `Parquet`.
        format: &'static str,
        /// The polars error.
        source: polars::prelude::PolarsError,
    },
    /// A file lacks a column or has one of an unusable type.
    #[error("{}: column `{column}`: {message}", path.display())]
    Column {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// What is wrong with it.
        message: String,
    },
    /// A value in a file cannot be used (unparsable timestamp, null key).
    #[error("{}: row {row}, column `{column}`: {message}", path.display())]
    Value {
        /// The file.
        path: PathBuf,
        /// Row number, from 1, not counting the header.
        row: usize,
        /// The column.
        column: String,
        /// What is wrong with the value.
        message: String,
    },
    /// An input path is not a file training can read.
    #[error("{}: {message}", path.display())]
    Input {
        /// The path given.
        path: PathBuf,
        /// Why it cannot be used.
        message: String,
    },
    /// There is nothing to train on.
    #[error("no training data: {0}")]
    Empty(String),
    /// The history yields no anomaly model: no service had enough feature
    /// vectors for its own, nor all of them together for the fallback.
    /// Nothing is saved: a model without one would serve no service.
    #[error(
        "no anomaly model: each service needs at least {min_rows} feature vectors (the fallback {min_rows} per feature, pooled), and the history gave {got}; train on a longer history"
    )]
    NoModel {
        /// The fit's `anomaly.min_rows`.
        min_rows: usize,
        /// Vectors per service, e.g. `api 0, db 3`.
        got: String,
    },
    /// The pipeline or the fit configuration cannot be used for training.
    #[error("invalid training configuration: {0}")]
    Config(String),
    /// A model could not be fitted.
    #[error("fitting {model}: {message}")]
    Fit {
        /// Which model, e.g. `anomaly.api` or `trend.memory_rss_bytes`.
        model: String,
        /// What went wrong.
        message: String,
    },
    /// The fitted model could not be saved or loaded.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
