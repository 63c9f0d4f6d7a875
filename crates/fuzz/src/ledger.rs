//! What `forewarn report` and the dashboard's ledger read: JSON lines of
//! every event contract and of the remediator's audit log
//! ([`Entry::from_json`]), folded into a [`Ledger`], then a snapshot and a
//! report in Markdown and HTML. The ledger's promise is checked too: the
//! same entries replayed in the opposite order give the same snapshot
//! and the same report.

use std::sync::OnceLock;

use chrono::TimeDelta;
use forewarn_ledger::{Entry, Ledger, LedgerOptions};

use crate::files::{default_pipeline, now};

/// The ledger's test sequence (`crates/ledger/tests/data`): events of
/// every kind and the audit log of the same run, the seeds.
pub const SEED_EVENTS: &str = include_str!("../../ledger/tests/data/known-events.jsonl");
/// See [`SEED_EVENTS`].
pub const SEED_AUDIT: &str = include_str!("../../ledger/tests/data/known-audit.jsonl");

/// Lines of events and audit records; the undecodable ones are skipped,
/// as `forewarn report` counts and skips them.
pub fn ledger_lines(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let entries: Vec<Entry> = text
        .lines()
        .filter_map(|l| Entry::from_json(l).ok())
        .collect();
    static OPTS: OnceLock<LedgerOptions> = OnceLock::new();
    let opts = OPTS.get_or_init(|| LedgerOptions::from_pipeline(default_pipeline()));
    let forward = Ledger::replay(opts.clone(), entries.iter().cloned());
    let backward = Ledger::replay(opts.clone(), entries.iter().rev().cloned());
    let at = forward.newest().unwrap_or_else(now);
    assert_eq!(
        forward.snapshot(at),
        backward.snapshot(at),
        "replay order changed the snapshot"
    );
    let services = forward.services();
    let from = at - TimeDelta::days(30);
    let report = forward.report(from, at, &services);
    assert_eq!(
        report,
        backward.report(from, at, &services),
        "replay order changed the report"
    );
    let _ = report.markdown();
    let _ = report.html();
}
