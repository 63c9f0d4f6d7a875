//! Reading an audit log back and checking it: every line valid JSON with
//! consecutive `seq`, `prev` equal to the previous line's `hash`, `hash`
//! equal to the line's own SHA-256; then the length against the head file.
//! A log is keyed or not as a whole (its first line says which): a line
//! without a MAC in a keyed log, or with one in an unkeyed log, is a
//! break. With the key given, every MAC (and the head's) must match: a
//! line edited and re-hashed with plain SHA-256 passes the chain but not
//! its MAC, and is named. Without the key, a keyed log's chain is checked
//! and its MACs are counted, not checked ([`Verified::keyed`]).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::head::{head_path, read_head};
use super::key::AuditKey;
use super::{AuditError, Entry, canonical, digest};

/// What [`verify`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Entries in the log, every one linked.
    pub entries: u64,
    /// Whether a head file was there to check the length against; without
    /// one a truncation cannot be told from a short log.
    pub head: bool,
    /// Whether the log is keyed (its lines carry MACs).
    pub keyed: bool,
    /// Whether the MACs were checked (a key was given and the log is keyed).
    pub authenticated: bool,
}

/// Check the chain and the length against the head file, when there is
/// one (see the module's documentation); MACs are not checked.
pub fn verify(path: &Path) -> Result<Verified, AuditError> {
    verify_with(path, None)
}

/// [`verify`], and with `key`, every MAC: a log that is not keyed fails.
pub fn verify_with(path: &Path, key: Option<&AuditKey>) -> Result<Verified, AuditError> {
    let entries = read_with(path, key)?;
    let keyed = entries.first().is_some_and(|e| e.mac.is_some());
    Ok(Verified {
        entries: entries.len() as u64,
        head: read_head(path)?.is_some(),
        keyed,
        authenticated: keyed && key.is_some(),
    })
}

/// Read and verify every entry, and the length against the head file
/// (MACs not checked).
pub fn read(path: &Path) -> Result<Vec<Entry>, AuditError> {
    read_with(path, None)
}

/// [`read`], checking every MAC (and the head's) against `key` when given.
pub fn read_with(path: &Path, key: Option<&AuditKey>) -> Result<Vec<Entry>, AuditError> {
    let entries = read_chain(path, key)?;
    let broken = |line: u64, reason: String| AuditError::Broken {
        path: path.to_path_buf(),
        line,
        reason,
    };
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
            return Err(broken(
                n.min(head.entries) + 1,
                format!(
                    "truncated or rewritten: its head ({}) records {} entries, the log holds {n}{}",
                    head_path(path).display(),
                    head.entries,
                    if n >= head.entries {
                        " whose last does not match"
                    } else {
                        ""
                    }
                ),
            ));
        }
        if let Some(k) = key
            && !entries.is_empty()
            && !head.mac_ok(k)
        {
            return Err(broken(
                n + 1,
                format!(
                    "its head ({}) has no valid MAC under {}: rewritten without the key (the log may have been cut short)",
                    head_path(path).display(),
                    super::key::KEY_VAR
                ),
            ));
        }
    }
    Ok(entries)
}

/// Read and verify every entry's link in the chain (and MAC, with `key`).
fn read_chain(path: &Path, key: Option<&AuditKey>) -> Result<Vec<Entry>, AuditError> {
    let io = |source| AuditError::Io {
        path: path.to_path_buf(),
        source,
    };
    let f = File::open(path).map_err(io)?;
    let mut out: Vec<Entry> = Vec::new();
    let mut prev = String::new();
    let mut keyed = None;
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
        let bytes = canonical(&e);
        if digest(&bytes) != e.hash {
            return Err(broken("hash does not match the line's content".into()));
        }
        let has_mac = e.mac.is_some();
        match keyed {
            None => keyed = Some(has_mac),
            Some(k) if k != has_mac => {
                return Err(broken(if k {
                    "no MAC in a keyed log: this line was written or re-hashed without the key (mixed log)".into()
                } else {
                    "a MAC in a log whose first line has none (mixed log)".into()
                }));
            }
            Some(_) => {}
        }
        if let Some(k) = key {
            match &e.mac {
                None => {
                    return Err(broken(format!(
                        "not keyed: the log was written without {} (or stripped of its MACs and re-hashed)",
                        super::key::KEY_VAR
                    )));
                }
                Some(m) if !k.verify(&bytes, m) => {
                    return Err(broken(
                        "MAC does not match: the line was edited and re-hashed without the key (or the key is not the log's)".into(),
                    ));
                }
                Some(_) => {}
            }
        }
        prev = e.hash.clone();
        out.push(e);
    }
    Ok(out)
}
