//! The keyed audit chain (`FOREWARN_AUDIT_KEY`): a line edited and
//! re-hashed with plain SHA-256, with every later line re-chained and the
//! head rewritten to match (everything an editor without the key can do),
//! passes the unkeyed check but fails the keyed one, which names the line;
//! a log stripped of its MACs, a log mixing keyed and unkeyed lines, and a
//! wrong key all fail; the remediator refuses to append to a log of the
//! other kind.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    ActionResult, IssueKind, RecommendedAction, RemediationMode, RemediationOutcome,
};
use forewarn_remediate::audit::{self, AuditError, AuditKey, AuditLog, Entry, Phase};
use sha2::{Digest, Sha256};

fn outcome(i: usize) -> RemediationOutcome {
    RemediationOutcome {
        schema_version: 1,
        id: format!("o{i}"),
        issue_id: format!("i{i}"),
        ts: DateTime::<Utc>::from_timestamp(1_700_000_000 + i as i64, 0).unwrap(),
        service: "api".into(),
        target: "api-0".into(),
        action: RecommendedAction::Restart,
        mode: RemediationMode::Live,
        result: ActionResult::Failed,
        duration_ms: 1,
        verified: None,
        detail: "exit 1".into(),
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("forewarn-keyed-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("audit.jsonl")
}

fn key() -> AuditKey {
    AuditKey::new(b"a key of at least sixteen bytes").unwrap()
}

fn written(path: &std::path::Path, n: usize, key: Option<AuditKey>) {
    let (mut log, _) = AuditLog::open_keyed(path, key).unwrap();
    for i in 0..n {
        log.append(Phase::Finished, IssueKind::MemoryExhaustion, 0, &outcome(i))
            .unwrap();
    }
}

/// What an editor without the key does: change line `at` (1-based) with
/// `edit`, re-hash it and every later line with plain SHA-256 (the bytes
/// the log hashes: the entry with `hash` empty and no `mac`), optionally
/// drop the MACs, and rewrite the head to match.
fn rehash(path: &std::path::Path, at: usize, edit: impl Fn(&mut Entry), strip: bool) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut prev = String::new();
    let mut out = String::new();
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let mut e: Entry = serde_json::from_str(line).unwrap();
        if i + 1 == at {
            edit(&mut e);
        }
        if strip {
            e.mac = None;
        }
        e.prev = prev.clone();
        let mut bare = e.clone();
        bare.hash.clear();
        bare.mac = None;
        e.hash = Sha256::digest(serde_json::to_vec(&bare).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        prev = e.hash.clone();
        out.push_str(&serde_json::to_string(&e).unwrap());
        out.push('\n');
        n += 1;
    }
    std::fs::write(path, out).unwrap();
    let head = serde_json::json!({ "entries": n, "last": prev });
    std::fs::write(audit::head_path(path), head.to_string()).unwrap();
}

fn broken_at(r: Result<audit::Verified, AuditError>) -> (u64, String) {
    match r {
        Err(AuditError::Broken { line, reason, .. }) => (line, reason),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[test]
fn a_keyed_log_verifies_with_its_key_and_counts_its_macs_without() {
    let path = scratch("ok");
    written(&path, 4, Some(key()));
    let v = audit::verify_with(&path, Some(&key())).unwrap();
    assert_eq!((v.entries, v.keyed, v.authenticated), (4, true, true));
    let v = audit::verify(&path).unwrap();
    assert_eq!((v.entries, v.keyed, v.authenticated), (4, true, false));
    let wrong = AuditKey::new(b"another key, sixteen+ bytes").unwrap();
    let (line, reason) = broken_at(audit::verify_with(&path, Some(&wrong)));
    assert_eq!(line, 1);
    assert!(reason.contains("MAC does not match"), "{reason}");
}

#[test]
fn a_line_edited_and_rehashed_without_the_key_is_named() {
    let path = scratch("edited");
    written(&path, 5, Some(key()));
    rehash(
        &path,
        3,
        |e| {
            e.outcome.result = ActionResult::Succeeded;
            e.outcome.detail = "all fine".into();
        },
        false,
    );
    // The plain chain cannot tell: every hash and link is right.
    assert_eq!(audit::verify(&path).unwrap().entries, 5);
    let (line, reason) = broken_at(audit::verify_with(&path, Some(&key())));
    assert_eq!(line, 3, "{reason}");
    assert!(
        reason.contains("edited and re-hashed without the key"),
        "{reason}"
    );
    // The remediator refuses to go on from it.
    assert!(AuditLog::open_keyed(&path, Some(key())).is_err());
}

#[test]
fn a_log_stripped_of_its_macs_or_mixing_kinds_fails() {
    let path = scratch("stripped");
    written(&path, 3, Some(key()));
    rehash(&path, 0, |_| {}, true);
    assert!(!audit::verify(&path).unwrap().keyed);
    let (line, reason) = broken_at(audit::verify_with(&path, Some(&key())));
    assert_eq!(line, 1);
    assert!(reason.contains("not keyed"), "{reason}");

    // One line without its MAC among keyed lines: found even without the key.
    let path = scratch("mixed");
    written(&path, 4, Some(key()));
    rehash(&path, 2, |e| e.mac = None, false);
    let (line, reason) = broken_at(audit::verify(&path));
    assert_eq!(line, 2);
    assert!(reason.contains("mixed log"), "{reason}");
}

#[test]
fn the_remediator_keeps_a_log_of_one_kind() {
    let plain = scratch("plain");
    written(&plain, 2, None);
    let e = AuditLog::open_keyed(&plain, Some(key())).unwrap_err();
    assert!(e.to_string().contains("written without a key"), "{e}");
    let keyed = scratch("keyed");
    written(&keyed, 2, Some(key()));
    let e = AuditLog::open(&keyed).unwrap_err();
    assert!(e.to_string().contains("FOREWARN_AUDIT_KEY"), "{e}");
    // Appending under the key goes on verifying.
    written(&keyed, 1, Some(key()));
    assert_eq!(audit::verify_with(&keyed, Some(&key())).unwrap().entries, 3);
    // A head rewritten without the key (to hide a cut) fails.
    let head = serde_json::json!({ "entries": 3, "last": audit::read(&keyed).unwrap()[2].hash });
    std::fs::write(audit::head_path(&keyed), head.to_string()).unwrap();
    let (_, reason) = broken_at(audit::verify_with(&keyed, Some(&key())));
    assert!(reason.contains("no valid MAC"), "{reason}");
}
