//! The remediator's audit log, read back as it is on start and by
//! `forewarn audit verify`: [`audit::verify`], [`audit::verify_with`] a
//! key, [`AuditLog::open`] (read, then append after the last line), and
//! [`Remediator::restore_at`] on the entries, which rebuilds what was
//! handled, queued and pending.
//!
//! The input is the log file; after a NUL byte, the rest is its head file.
//! A chain whose hashes do not match is refused before any restore, so the
//! entries are also decoded line by line (the line parser of the reader)
//! and restored directly: the restore must not panic on any entries.

use std::path::PathBuf;
use std::sync::OnceLock;

use forewarn_remediate::Remediator;
use forewarn_remediate::audit::{self, AuditKey, AuditLog, Entry};

use crate::files::{now, reference_policy};

/// This process's scratch log (one per process: afl runs several).
fn scratch() -> &'static PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("forewarn-fuzz-audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir.join("audit.jsonl")
    })
}

/// One audit log (and head file); see the module's documentation.
pub fn audit_log(data: &[u8]) {
    let (log, head) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let path = scratch();
    let head_path = audit::head_path(path);
    std::fs::write(path, log).expect("write the scratch log");
    match head {
        Some(h) => std::fs::write(&head_path, h).expect("write the scratch head"),
        None => {
            let _ = std::fs::remove_file(&head_path);
        }
    }
    let key = AuditKey::new(b"fuzz-audit-key-0123456789abcdef").expect("a key");
    let plain = audit::verify(path);
    let keyed = audit::verify_with(path, Some(&key));
    if let (Ok(p), Ok(k)) = (&plain, &keyed) {
        assert_eq!(p.entries, k.entries, "a key changed the entries counted");
    }
    if let Ok(entries) = audit::read(path) {
        assert_eq!(
            plain.as_ref().map(|v| v.entries).ok(),
            Some(entries.len() as u64),
            "verify and read disagree"
        );
        let mut r = Remediator::new(reference_policy().clone(), true);
        let _ = r.restore_at(&entries, now());
    }
    if let Ok((log, entries)) = AuditLog::open(path) {
        let mut r = Remediator::new(reference_policy().clone(), true);
        let _ = r.restore_at(&entries, now());
        assert!(!log.keyed(), "an unkeyed open is unkeyed");
    }
    let entries: Vec<Entry> = log
        .split(|b| *b == b'\n')
        .filter_map(|l| std::str::from_utf8(l).ok())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let mut r = Remediator::new(reference_policy().clone(), true);
    let _ = r.restore_at(&entries, now());
    let _ = r.tick(now() + chrono::TimeDelta::hours(1));
}
