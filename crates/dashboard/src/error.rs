//! [`Error`]: what can stop the dashboard, by stage.

use std::net::SocketAddr;

/// Errors of the dashboard.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening address could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The server's runtime or thread could not be started.
    #[error("could not start the web server: {0}")]
    Runtime(#[source] std::io::Error),
    /// The feed's thread could not be started.
    #[error("could not start the Kafka feed: {0}")]
    Feed(#[source] std::io::Error),
}

/// The dashboard's result.
pub type Result<T> = std::result::Result<T, Error>;
