//! One run of the child: started in a process group of its own (so a stop
//! reaches its whole tree, and a terminal's Ctrl-C reaches it only through
//! the supervisor), stdin inherited, stdout and stderr captured; signals
//! to its group; its exit as code or signal.

use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rustix::process::{Pid, Signal, kill_process_group};
use tokio::sync::oneshot;

use crate::capture::{OnLine, Stream, spawn_capture};
use crate::error::{Error, Result};

/// A running child.
#[derive(Debug)]
pub struct Running {
    /// The process.
    pub child: tokio::process::Child,
    /// Its pid (and process group id).
    pub pid: u32,
    /// When it started (monotonic).
    pub started: Instant,
    /// When it started (wall clock).
    pub started_at: DateTime<Utc>,
    captures: Vec<oneshot::Receiver<()>>,
}

/// Start `argv` with its output captured into `on_line` and passed
/// through.
pub fn spawn(argv: &[String], on_line: OnLine) -> Result<Running> {
    let (program, args) = argv.split_first().ok_or(Error::NoCommand)?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| Error::Spawn {
            program: program.clone(),
            source,
        })?;
    let pid = child.id().unwrap_or(0);
    let mut captures = Vec::new();
    if let Some(out) = child.stdout.take() {
        captures.push(spawn_capture(
            blocking(out.into_owned_fd())?,
            std::io::stdout(),
            Stream::Stdout,
            on_line.clone(),
        ));
    }
    if let Some(err) = child.stderr.take() {
        captures.push(spawn_capture(
            blocking(err.into_owned_fd())?,
            std::io::stderr(),
            Stream::Stderr,
            on_line,
        ));
    }
    Ok(Running {
        child,
        pid,
        started: Instant::now(),
        started_at: Utc::now(),
        captures,
    })
}

/// A pipe from the child, for blocking reads on a capture thread.
fn blocking(fd: std::io::Result<std::os::fd::OwnedFd>) -> Result<std::fs::File> {
    let fd = fd.map_err(Error::Capture)?;
    crate::capture::enlarge_pipe(&fd);
    Ok(std::fs::File::from(fd))
}

impl Running {
    /// Send `sig` to the child's process group (ignoring a group already
    /// gone).
    pub fn signal(&self, sig: Signal) {
        if let Some(pid) = Pid::from_raw(self.pid as i32)
            && let Err(e) = kill_process_group(pid, sig)
            && e != rustix::io::Errno::SRCH
        {
            tracing::warn!(error = %e, pid = self.pid, "Could not signal the child.");
        }
    }

    /// Stop gracefully: SIGTERM to the group, SIGKILL after `timeout`.
    pub async fn stop(&mut self, timeout: Duration) -> Result<ExitStatus> {
        self.signal(Signal::TERM);
        match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(status) => status.map_err(Error::Wait),
            Err(_) => {
                tracing::warn!(
                    pid = self.pid,
                    ?timeout,
                    "The child ignored SIGTERM; killing it."
                );
                self.signal(Signal::KILL);
                self.child.wait().await.map_err(Error::Wait)
            }
        }
    }

    /// Wait (briefly: a grandchild may hold the pipes open) until the last
    /// output is captured.
    pub async fn drain_output(&mut self) {
        for h in self.captures.drain(..) {
            let _ = tokio::time::timeout(Duration::from_millis(500), h).await;
        }
        // Anything left in the process group goes with its leader.
        self.signal(Signal::KILL);
    }
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// The signal that ended it, when one did.
    pub signal: Option<i32>,
}

impl From<ExitStatus> for Exit {
    fn from(s: ExitStatus) -> Self {
        use std::os::unix::process::ExitStatusExt;
        Self {
            code: s.code(),
            signal: s.signal(),
        }
    }
}

impl Exit {
    /// The status a shell would report: the code, or 128 + the signal.
    pub fn shell_code(&self) -> i32 {
        match (self.code, self.signal) {
            (Some(c), _) => c,
            (None, Some(s)) => 128 + s,
            (None, None) => 1,
        }
    }

    /// `exit code 3` or `signal 9`.
    pub fn describe(&self) -> String {
        match (self.code, self.signal) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(s)) => format!("signal {s}"),
            (None, None) => "unknown status".into(),
        }
    }
}
