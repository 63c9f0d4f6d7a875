//! [`Error`]: what can stop a demo or a benchmark, by stage.

/// Errors of a whole-pipeline run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The simulated fleet could not be set up.
    #[error("simulated fleet: {0}")]
    Fleet(#[from] forewarn_sim::Error),
    /// The pipeline embedded in the binary does not load.
    #[error("the embedded default pipeline is invalid: {0}")]
    Pipeline(forewarn_config::Problems),
    /// The broker (embedded or given) refused something.
    #[error(transparent)]
    Kafka(#[from] forewarn_kafka::Error),
    /// The streaming scorer stopped with an error.
    #[error(transparent)]
    Stream(#[from] forewarn_stream::Error),
    /// A record could not be encoded.
    #[error("while encoding a record: {0}")]
    Encode(#[from] serde_json::Error),
    /// A pipeline could not be written as YAML.
    #[error("while writing the pipeline as YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The broker acknowledged fewer records than were sent.
    #[error("the broker acknowledged {acked} of {sent} records ({failed} failed)")]
    Unacknowledged {
        /// Records sent.
        sent: u64,
        /// Records acknowledged.
        acked: u64,
        /// Records refused.
        failed: u64,
    },
    /// A phase did not finish in time, or a thread stopped early.
    #[error("{0}")]
    Stalled(String),
    /// A thread of the run panicked.
    #[error("the {0} panicked")]
    Panicked(&'static str),
    /// The evaluation of the predictions produced nothing.
    #[error("the evaluation produced no summary")]
    NoSummary,
}

/// Result alias of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
