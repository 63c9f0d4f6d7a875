//! The crate's [`Error`]: the only fallible part is reading and writing
//! the streaming correlator's checkpoint.

use std::path::PathBuf;

/// What went wrong, by stage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The checkpoint file could not be read or written.
    #[error("checkpoint {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The checkpoint file is not a checkpoint.
    #[error("checkpoint {path}: not a correlator checkpoint: {source}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// The crate's result.
pub type Result<T> = std::result::Result<T, Error>;
