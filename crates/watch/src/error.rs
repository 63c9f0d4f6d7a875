//! The crate's error type: one variant per stage of supervising a process
//! (starting it, publishing what was observed, consuming commands).

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No command to run was given.
    #[error("no command to run: give it after `--`")]
    NoCommand,
    /// The child could not be started.
    #[error("could not start {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// Waiting for the child failed.
    #[error("waiting for the child process: {0}")]
    Wait(#[source] std::io::Error),
    /// The child's stdout or stderr could not be taken for capture.
    #[error("capturing the child's output: {0}")]
    Capture(#[source] std::io::Error),
    /// The output file could not be opened or written.
    #[error("writing {what}: {source}")]
    Output {
        /// What was written.
        what: String,
        /// Why.
        source: std::io::Error,
    },
    /// A Kafka client failed.
    #[error("Kafka: {0}")]
    Kafka(#[from] forewarn_kafka::Error),
    /// Signal handlers could not be installed.
    #[error("installing the signal handlers: {0}")]
    Signals(#[source] std::io::Error),
    /// A thread could not be started.
    #[error("starting a thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The pipeline does not fit `watch`.
    #[error("{0}")]
    Config(String),
}

/// This crate's result.
pub type Result<T> = std::result::Result<T, Error>;
