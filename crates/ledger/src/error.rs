//! The ledger's one error type: a line of input that is not an event
//! the ledger knows.

/// Errors of the ledger.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A JSON line is none of the event contracts nor an audit-log line.
    #[error(
        "not a Forewarn event (predicted issue, remediation outcome, service event, metric sample or audit-log line): {reason}"
    )]
    Decode {
        /// What the closest decoder said.
        reason: String,
    },
}

/// Results of the ledger.
pub type Result<T> = std::result::Result<T, Error>;
