//! The audit log's length is recorded where a truncation of the log
//! cannot also remove it (the head file beside it): a log cut short, even
//! to nothing, fails verification and is refused at start, naming what
//! its head records; an empty log without a head is reported as such,
//! not as an intact chain.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    ActionResult, IssueKind, RecommendedAction, RemediationMode, RemediationOutcome,
};
use forewarn_remediate::audit::{self, AuditError, AuditLog, Phase};

fn outcome(i: usize) -> RemediationOutcome {
    RemediationOutcome {
        schema_version: 1,
        id: format!("o{i}"),
        issue_id: format!("i{i}"),
        ts: DateTime::<Utc>::from_timestamp(1_767_571_200 + i as i64, 0).unwrap(),
        service: "api".into(),
        target: "api".into(),
        action: RecommendedAction::Restart,
        mode: RemediationMode::Shadow,
        result: ActionResult::Succeeded,
        duration_ms: 1,
        verified: None,
        detail: String::new(),
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("forewarn-audit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("audit.jsonl")
}

/// A log of `n` entries at `path`.
fn written(path: &std::path::Path, n: usize) {
    let (mut log, _) = AuditLog::open(path).unwrap();
    for i in 0..n {
        log.append(Phase::Skipped, IssueKind::MemoryExhaustion, 0, &outcome(i))
            .unwrap();
    }
}

fn keep_lines(path: &std::path::Path, n: usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let kept: String = text.lines().take(n).map(|l| format!("{l}\n")).collect();
    std::fs::write(path, kept).unwrap();
}

#[test]
fn a_truncated_log_fails_verification_and_is_refused_at_start() {
    let path = scratch("truncated");
    written(&path, 3);
    let v = audit::verify(&path).unwrap();
    assert_eq!(v.entries, 3);
    assert!(v.head, "the head file is written with the log");
    for keep in [2, 0] {
        keep_lines(&path, keep);
        match audit::verify(&path) {
            Err(AuditError::Broken { reason, .. }) => assert!(
                reason.contains("truncated") && reason.contains("3 entries"),
                "{reason}"
            ),
            other => panic!("a log cut to {keep} lines verified: {other:?}"),
        }
        assert!(
            AuditLog::open(&path).is_err(),
            "the remediator would start on a log that lost its memory"
        );
    }
}

#[test]
fn an_empty_log_without_a_head_is_reported_as_empty() {
    let path = scratch("empty");
    std::fs::write(&path, "").unwrap();
    let v = audit::verify(&path).unwrap();
    assert_eq!((v.entries, v.head), (0, false));
    // A log without its head (written before heads existed) verifies its
    // chain, and says the head is missing.
    let path = scratch("headless");
    written(&path, 2);
    std::fs::remove_file(audit::head_path(&path)).unwrap();
    let v = audit::verify(&path).unwrap();
    assert_eq!((v.entries, v.head), (2, false));
    // An append after a crash between the line and its head: the log may
    // run one entry ahead of its head.
    let path = scratch("ahead");
    written(&path, 2);
    let head = std::fs::read(audit::head_path(&path)).unwrap();
    written(&path, 1);
    std::fs::write(audit::head_path(&path), head).unwrap();
    assert_eq!(audit::verify(&path).unwrap().entries, 3);
}
