//! The audit log: an append-only JSONL file, one [`Entry`] per line, each
//! carrying the SHA-256 of the previous line's entry, so that editing,
//! removing or reordering any line breaks the chain from there on
//! ([`verify`] names the first bad line). Every line is flushed and synced
//! before the remediator goes on, so the log is also its memory: on start
//! it is read back ([`read`]) to rebuild which issues were handled, when
//! each action last ran, which actions were queued and not started, and
//! which verifications are pending; no action is repeated after a restart.
//!
//! A chain alone cannot tell a log cut short (or emptied) from a short
//! one: every remaining line still links. So each append also rewrites a
//! head file beside the log ([`head_path`]), see [`head`].
//!
//! Unkeyed, the chain shows accidents and careless edits, not a determined
//! editor: whoever edits a line can re-hash it and every later one. With
//! `FOREWARN_AUDIT_KEY` set ([`key`]), every line (and the head) also
//! carries an HMAC-SHA256 under that key, which such an editor cannot
//! recompute; [`verify_with`] given the key names the edited line.
//!
//! Layout:
//! - [`head`]: the head file.
//! - [`key`]: [`AuditKey`] and the MACs.
//! - [`verify`](mod@verify): reading back and checking.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use forewarn_core::contracts::{ControlMessage, IssueKind, PredictedIssue, RemediationOutcome};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub mod head;
pub mod key;
pub mod verify;

pub use head::head_path;
use head::{Head, write_head};
pub use key::{AuditKey, KEY_VAR};
pub use verify::{Verified, read, read_with, verify, verify_with};

/// What a line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not executed (shadow mode, kill switch, policy, limits), or a
    /// queued action abandoned (see `detail`).
    Skipped,
    /// Planned and waiting for a free slot (`concurrency`): written before
    /// it waits, with the issue, so that a restart resumes or abandons it
    /// instead of forgetting it.
    Queued,
    /// About to execute (written first: a crash after it never repeats the action).
    Started,
    /// Execution finished (succeeded, failed or timed out).
    Finished,
    /// Verification: whether the issue cleared within the deadline.
    Verified,
    /// The kill switch changed (control topic): who, when, why, and the
    /// state before and after (`control`). Not an action.
    Control,
    /// An opened issue held for its fleet episode (`episodes.hold`),
    /// written with the issue before it waits, so that a restart holds it
    /// again (or decides it, its hold over) instead of forgetting it. Not
    /// an action: a later line of the same issue (acted on alone, covered
    /// by its episode, cleared while held) ends the hold.
    Held,
}

/// A kill-switch change as the audit log records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlRecord {
    /// The message read from the control topic.
    pub message: ControlMessage,
    /// Whether this remediator's actions were enabled before it.
    pub was_enabled: bool,
    /// And after.
    pub enabled: bool,
    /// Found at start (the state already), not flipped while running.
    pub at_start: bool,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Line number, from 1.
    pub seq: u64,
    /// Hash of the previous entry ("" for the first).
    pub prev: String,
    /// What this line records.
    pub phase: Phase,
    /// Kind of the issue acted on.
    pub kind: IssueKind,
    /// Position of the action in its chain (0 = first).
    pub step: usize,
    /// The outcome (as published to the outcomes topic; for a `control`
    /// line, a summary: `issue_id` `control:<message id>`, service `*`).
    pub outcome: RemediationOutcome,
    /// The issue, on `queued` and `held` lines (to resume the action, or
    /// hold the issue again, after a restart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue: Option<PredictedIssue>,
    /// The change, on `control` lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control: Option<ControlRecord>,
    /// HMAC-SHA256 (hex) of the entry with `hash` empty and no `mac`, in
    /// a keyed log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// SHA-256 (hex) of the entry with `hash` empty and no `mac`.
    pub hash: String,
}

/// Errors of the audit log.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The chain is broken.
    #[error("{path}:{line}: {reason}")]
    Broken {
        /// The file.
        path: PathBuf,
        /// First bad line (1-based).
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The key is unusable, or does not fit the log.
    #[error("audit key: {0}")]
    Key(String),
}

/// The bytes hashed and MACed: the entry with `hash` empty and no `mac`
/// (serde_json writes struct fields in declaration order: stable bytes;
/// absent optional fields are left out, so lines written before they
/// existed hash as they did).
pub(crate) fn canonical(e: &Entry) -> Vec<u8> {
    let mut bare = e.clone();
    bare.hash.clear();
    bare.mac = None;
    serde_json::to_vec(&bare).unwrap_or_default()
}

/// SHA-256 (hex) of `bytes`.
pub(crate) fn digest(bytes: &[u8]) -> String {
    key::hex(&Sha256::digest(bytes))
}

/// What an [`AuditLog::append_entry`] line carries besides its outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extra {
    /// The issue (`queued` and `held` lines).
    pub issue: Option<PredictedIssue>,
    /// The change (`control` lines).
    pub control: Option<ControlRecord>,
}

/// An open audit log, appending.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: File,
    seq: u64,
    prev: String,
    key: Option<AuditKey>,
}

impl AuditLog {
    /// Open (creating) an unkeyed log at `path`: [`AuditLog::open_keyed`]
    /// without a key.
    pub fn open(path: &Path) -> Result<(Self, Vec<Entry>), AuditError> {
        Self::open_keyed(path, None)
    }

    /// Open (creating) `path`; an existing log is verified first (chain,
    /// head, and with `key` every MAC: a log cut short or edited is
    /// refused, since the remediator would forget or misremember what it
    /// did) and its entries returned, to rebuild state from. A log is
    /// keyed or not for its whole life: an unkeyed log is refused with a
    /// key, a keyed one without. The head file is (re)written. A path that
    /// is not a regular file (a device) is not read back.
    pub fn open_keyed(
        path: &Path,
        key: Option<AuditKey>,
    ) -> Result<(Self, Vec<Entry>), AuditError> {
        let existing = if path.is_file() {
            read(path)?
        } else {
            Vec::new()
        };
        match (existing.first().map(|e| e.mac.is_some()), &key) {
            (Some(false), Some(_)) => {
                return Err(AuditError::Key(format!(
                    "{} was written without a key, and {KEY_VAR} is set: keep it (it stays verifiable without the key) and start a new log (--audit) to key it",
                    path.display()
                )));
            }
            (Some(true), None) => {
                return Err(AuditError::Key(format!(
                    "{} is keyed: set {KEY_VAR} to the key it was written with",
                    path.display()
                )));
            }
            (Some(true), Some(k)) => {
                read_with(path, Some(k))?;
            }
            _ => {}
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| AuditError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let (seq, prev) = existing
            .last()
            .map_or((0, String::new()), |e| (e.seq, e.hash.clone()));
        write_head(path, &Head::new(seq, prev.clone(), key.as_ref()))?;
        Ok((
            Self {
                path: path.to_path_buf(),
                file,
                seq,
                prev,
                key,
            },
            existing,
        ))
    }

    /// Whether lines are keyed.
    pub fn keyed(&self) -> bool {
        self.key.is_some()
    }

    /// Append one entry and sync it to disk.
    pub fn append(
        &mut self,
        phase: Phase,
        kind: IssueKind,
        step: usize,
        outcome: &RemediationOutcome,
    ) -> Result<Entry, AuditError> {
        self.append_entry(phase, kind, step, outcome, Extra::default())
    }

    /// Append one entry with its `extra` fields and sync it to disk.
    pub fn append_entry(
        &mut self,
        phase: Phase,
        kind: IssueKind,
        step: usize,
        outcome: &RemediationOutcome,
        extra: Extra,
    ) -> Result<Entry, AuditError> {
        let mut e = Entry {
            seq: self.seq + 1,
            prev: self.prev.clone(),
            phase,
            kind,
            step,
            outcome: outcome.clone(),
            issue: extra.issue,
            control: extra.control,
            mac: None,
            hash: String::new(),
        };
        let bytes = canonical(&e);
        e.mac = self.key.as_ref().map(|k| k.mac(&bytes));
        e.hash = digest(&bytes);
        let mut line = serde_json::to_vec(&e).unwrap_or_default();
        line.push(b'\n');
        let io = |source| AuditError::Io {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(&line).map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.seq = e.seq;
        self.prev = e.hash.clone();
        write_head(
            &self.path,
            &Head::new(self.seq, self.prev.clone(), self.key.as_ref()),
        )?;
        Ok(e)
    }
}
