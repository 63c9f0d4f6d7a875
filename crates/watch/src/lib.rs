//! `forewarn watch`: run a service as a child process, unchanged, the way
//! systemd, supervisord or s6 do, and report what happens to it.
//!
//! The supervisor samples the child's process tree from `/proc` (RSS, CPU,
//! threads, open files against their limit, storage I/O) as metric
//! samples; captures its stdout and stderr line by line as log records
//! (passing every byte through unchanged); runs its health check (HTTP,
//! TCP or a command); notices crashes, OOM kills, hangs and crash loops
//! and publishes each as a [`ServiceEvent`](forewarn_core::contracts::ServiceEvent);
//! restarts it with exponential backoff and jitter under a start limit;
//! restarts it on the remediator's command; and honours the kill switch.
//!
//! Layout:
//! - [`supervise`]: [`Supervisor`], the loop that owns the state.
//! - [`signals`]: SIGTERM/SIGINT/SIGHUP for the supervisor.
//! - [`child`]: one run of the child (process group, signals, exit).
//! - [`capture`]: stdout/stderr pass-through and line splitting.
//! - [`level`]: a line's severity (JSON, logfmt, plain words).
//! - [`proc_stats`]: the process tree from `/proc`.
//! - [`samples`]: an observation as metric samples.
//! - [`health`]: HTTP, TCP and command checks, and their loop.
//! - [`oom`]: what says a SIGKILL was the OOM killer.
//! - [`backoff`]: restart delays and the start limit.
//! - [`commands`]: restart commands from the remediator's Kafka executor.
//! - [`publish`]: to Kafka, or JSON lines to a file or stderr.
//! - [`options`]: [`WatchOptions`] and their defaults.
//! - [`bench`]: the overhead and recovery benchmark (`forewarn bench watch`).
//! - [`error`]: the [`Error`] type.
//!
//! ```
//! use forewarn_watch::backoff::Backoff;
//! let b = Backoff { jitter: 0.0, ..Backoff::default() };
//! assert_eq!(b.delay(3, 0.5), std::time::Duration::from_secs(4));
//! ```

pub mod backoff;
pub mod bench;
pub mod capture;
pub mod child;
pub mod commands;
pub mod error;
pub mod health;
pub mod level;
pub mod oom;
pub mod options;
pub mod proc_stats;
pub mod publish;
pub mod samples;
pub mod signals;
pub mod supervise;

pub use error::{Error, Result};
pub use options::{HealthOptions, RestartPolicy, WatchOptions};
pub use publish::{Publisher, Topics};
pub use supervise::Supervisor;
