//! The signals the supervisor takes (SIGTERM and SIGINT stop the child,
//! SIGHUP is passed on), and two waits that may never end (a command
//! channel that is absent, a deadline that is not set) for its `select!`.

use std::time::Instant;

use rustix::process::Signal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::commands::CommandMessage;
use crate::error::{Error, Result};

/// SIGTERM, SIGINT and SIGHUP as received by the supervisor.
pub struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    /// Handlers for the three.
    pub fn new() -> Result<Self> {
        let s = |k| signal(k).map_err(Error::Signals);
        Ok(Self {
            term: s(SignalKind::terminate())?,
            int: s(SignalKind::interrupt())?,
            hup: s(SignalKind::hangup())?,
        })
    }

    /// The next signal.
    pub async fn next(&mut self) -> Signal {
        tokio::select! {
            _ = self.term.recv() => Signal::TERM,
            _ = self.int.recv() => Signal::INT,
            _ = self.hup.recv() => Signal::HUP,
        }
    }
}

impl std::fmt::Debug for Signals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signals")
    }
}

/// The next command, or never when there is no channel.
pub async fn recv(rx: &mut Option<mpsc::Receiver<CommandMessage>>) -> Option<CommandMessage> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Until `at`, or never when it is not set.
pub async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}
