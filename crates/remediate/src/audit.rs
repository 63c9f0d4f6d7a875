//! The audit log: an append-only JSONL file, one [`Entry`] per line, each
//! carrying the SHA-256 of the previous line's entry, so that editing,
//! removing or reordering any line breaks the chain from there on
//! ([`verify`] names the first bad line). Every line is flushed and synced
//! before the remediator goes on, so the log is also its memory: on start
//! it is read back ([`read`]) to rebuild which issues were handled and
//! when each action last ran, and no action is repeated after a restart.
//!
//! A chain alone cannot tell a log cut short (or emptied) from a short
//! one: every remaining line still links. So each append also rewrites a
//! head file beside the log ([`head_path`], `FILE.head`: the number of
//! entries and the last hash, replaced atomically). A truncation of the
//! log leaves its head behind, and [`verify`] names it; the log may run
//! one entry ahead of its head (a crash between the two writes). What the
//! head does not detect: the log and its head removed or rewritten
//! together (the chain has no secret key; it shows accidents and careless
//! edits, not a determined attacker with write access).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use forewarn_core::contracts::{IssueKind, RemediationOutcome};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Not executed (shadow mode, kill switch, policy, limits).
    Skipped,
    /// About to execute (written first: a crash after it never repeats the action).
    Started,
    /// Execution finished (succeeded, failed or timed out).
    Finished,
    /// Verification: whether the issue cleared within the deadline.
    Verified,
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
    /// The outcome (as published to the outcomes topic).
    pub outcome: RemediationOutcome,
    /// SHA-256 (hex) of this entry with `hash` empty.
    pub hash: String,
}

/// What the head file records: the log's length and last hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Head {
    /// Entries in the log.
    entries: u64,
    /// Hash of the last entry ("" when there is none).
    last: String,
}

/// The head file of the log at `path`: `FILE.head` beside it.
pub fn head_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".head");
    path.with_file_name(name)
}

/// Replace the head file (write a temporary file, sync, rename).
fn write_head(path: &Path, head: &Head) -> Result<(), AuditError> {
    let target = head_path(path);
    let io = |source| AuditError::Io {
        path: target.clone(),
        source,
    };
    let mut tmp_name = target.as_os_str().to_os_string();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let mut f = File::create(&tmp).map_err(io)?;
    f.write_all(&serde_json::to_vec(head).unwrap_or_default())
        .map_err(io)?;
    f.sync_data().map_err(io)?;
    std::fs::rename(&tmp, &target).map_err(io)
}

/// The head file of `path`, if there is one.
fn read_head(path: &Path) -> Result<Option<Head>, AuditError> {
    let target = head_path(path);
    match std::fs::read(&target) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| AuditError::Broken {
                path: target,
                line: 1,
                reason: format!("not an audit head: {e}"),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(AuditError::Io {
            path: target,
            source,
        }),
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Entries in the log, every one linked.
    pub entries: u64,
    /// Whether a head file was there to check the length against; without
    /// one a truncation cannot be told from a short log.
    pub head: bool,
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
}

fn digest(e: &Entry) -> String {
    let mut unhashed = e.clone();
    unhashed.hash.clear();
    // serde_json writes struct fields in declaration order: stable bytes.
    let bytes = serde_json::to_vec(&unhashed).unwrap_or_default();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Check every line (valid JSON, consecutive `seq`, `prev` equal to the
/// previous line's hash, `hash` equal to the entry's own) and the length
/// against the head file, when there is one.
pub fn verify(path: &Path) -> Result<Verified, AuditError> {
    let entries = read(path)?;
    Ok(Verified {
        entries: entries.len() as u64,
        head: read_head(path)?.is_some(),
    })
}

/// Read and verify every entry, and the length against the head file.
pub fn read(path: &Path) -> Result<Vec<Entry>, AuditError> {
    let entries = read_chain(path)?;
    if let Some(head) = read_head(path)? {
        let n = entries.len() as u64;
        let at = usize::try_from(head.entries).unwrap_or(usize::MAX);
        let last = at.checked_sub(1).map(|i| entries.get(i).map(|e| &e.hash));
        let matches = match last {
            None => true,
            Some(Some(hash)) => *hash == head.last,
            Some(None) => false,
        };
        if n < head.entries || !matches {
            return Err(AuditError::Broken {
                path: path.to_path_buf(),
                line: n.min(head.entries) + 1,
                reason: format!(
                    "truncated or rewritten: its head ({}) records {} entries, the log holds {n}{}",
                    head_path(path).display(),
                    head.entries,
                    if n >= head.entries {
                        " whose last does not match"
                    } else {
                        ""
                    }
                ),
            });
        }
    }
    Ok(entries)
}

/// Read and verify every entry's link in the chain.
fn read_chain(path: &Path) -> Result<Vec<Entry>, AuditError> {
    let io = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let f = File::open(path).map_err(io)?;
    let mut out: Vec<Entry> = Vec::new();
    let mut prev = String::new();
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let n = i as u64 + 1;
        let broken = |reason: String| AuditError::Broken {
            path: path.to_path_buf(),
            line: n,
            reason,
        };
        let line = line.map_err(io)?;
        let e: Entry =
            serde_json::from_str(&line).map_err(|e| broken(format!("not an audit entry: {e}")))?;
        if e.seq != n {
            return Err(broken(format!("seq is {}, expected {n}", e.seq)));
        }
        if e.prev != prev {
            return Err(broken(
                "prev does not match the previous line's hash".into(),
            ));
        }
        if digest(&e) != e.hash {
            return Err(broken("hash does not match the line's content".into()));
        }
        prev = e.hash.clone();
        out.push(e);
    }
    Ok(out)
}

/// An open audit log, appending.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: File,
    seq: u64,
    prev: String,
}

impl AuditLog {
    /// Open (creating) `path`; an existing log is verified first (chain
    /// and head: a log cut short is refused, since the remediator would
    /// forget what it did) and its entries returned, to rebuild state
    /// from. The head file is (re)written.
    pub fn open(path: &Path) -> Result<(Self, Vec<Entry>), AuditError> {
        let existing = if path.exists() {
            read(path)?
        } else {
            Vec::new()
        };
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
        write_head(
            path,
            &Head {
                entries: seq,
                last: prev.clone(),
            },
        )?;
        Ok((
            Self {
                path: path.to_path_buf(),
                file,
                seq,
                prev,
            },
            existing,
        ))
    }

    /// Append one entry and sync it to disk.
    pub fn append(
        &mut self,
        phase: Phase,
        kind: IssueKind,
        step: usize,
        outcome: &RemediationOutcome,
    ) -> Result<Entry, AuditError> {
        let mut e = Entry {
            seq: self.seq + 1,
            prev: self.prev.clone(),
            phase,
            kind,
            step,
            outcome: outcome.clone(),
            hash: String::new(),
        };
        e.hash = digest(&e);
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
            &Head {
                entries: self.seq,
                last: self.prev.clone(),
            },
        )?;
        Ok(e)
    }
}
