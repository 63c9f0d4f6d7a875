//! The crate's error type. Each variant names the stage that failed: reading
//! a file, decoding its content, resolving label windows, aligning detector
//! results with the data, finding a published threshold, running a detector,
//! or scoring.

use std::path::PathBuf;

/// Everything that can go wrong while loading, scoring or writing a benchmark.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A CSV file could not be read or written.
    #[error("CSV error in {path}: {source}")]
    Csv {
        /// The CSV file involved.
        path: PathBuf,
        /// The underlying error.
        source: csv::Error,
    },
    /// A JSON file could not be parsed.
    #[error("JSON error in {path}: {source}")]
    Json {
        /// The JSON file involved.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// A file parsed, but its content is not what NAB expects (missing
    /// column, unparsable timestamp or number, and so on).
    #[error("{path}{}: {message}", .line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Decode {
        /// The file involved.
        path: PathBuf,
        /// The 1-based line of the file, when known.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// The label windows do not fit the corpus (unknown file, window end not
    /// found among the data timestamps, overlapping windows, ...).
    #[error("label windows of {file}: {message}")]
    Label {
        /// The corpus file, as `<category>/<file>.csv`.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A detector's results cannot be paired with the corpus data
    /// (missing file, different row count, non-finite score, ...).
    #[error("results of detector {detector} for {file}: {message}")]
    Align {
        /// The detector name.
        detector: String,
        /// The corpus file, as `<category>/<file>.csv`.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// No published threshold exists for this detector and profile.
    #[error("no published threshold for detector {detector}, profile {profile}")]
    Threshold {
        /// The detector name that was looked up.
        detector: String,
        /// The profile key that was looked up.
        profile: String,
    },
    /// A detector could not be built or run on a corpus file.
    #[error("detector on {file}: {message}")]
    Detector {
        /// The corpus file, as `<category>/<file>.csv`.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// The scoring inputs are inconsistent (for example, results built for a
    /// different corpus).
    #[error("cannot score: {0}")]
    Score(String),
}

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
