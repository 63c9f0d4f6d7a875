//! Coverage-guided fuzzing of every decoder and parser of Forewarn that
//! reads outside bytes (issue #18): one harness function per target, each
//! calling the production entry point on the bytes it is given and
//! checking what should hold of the result (a decoded record re-encodes
//! and decodes the same, a failed decode leaves the output untouched, a
//! restored checkpoint snapshots and reads back).
//!
//! A harness returns normally on any input the code under test handles
//! (accepted or refused); a panic, an abort, a hang or an allocation far
//! beyond the input is a bug. The same functions run three ways:
//! - under afl++ (`src/bin/fuzz-afl.rs`, feature `afl`, built and run by
//!   `crates/fuzz/run.sh`);
//! - over the seed corpora (`corpus/<target>/`) and every input that once
//!   failed (`regressions/<target>/`) in `cargo test -p forewarn-fuzz`;
//! - by name through [`run`], for a single input.
//!
//! Layout: [`metrics`] (the four metric wire formats), [`records`] (log
//! records, predicted issues, optimization and service events, control
//! messages, the dashboard's input), [`files`] (pipeline and policy YAML), [`logs`] (raw log lines: headers, masks, mining), [`ledger`] (the ledger's event and audit lines),
//! [`checkpoint`] (the scorer's checkpoint records), [`audit`] (the
//! remediator's audit log).

pub mod audit;
pub mod checkpoint;
pub mod files;
pub mod ledger;
pub mod logs;
pub mod metrics;
pub mod records;
pub mod seeds;

/// A harness: the bytes of one input.
pub type Harness = fn(&[u8]);

/// Every target, by name (the name of its corpus directory).
pub const TARGETS: &[(&str, Harness)] = &[
    ("metric_json", metrics::metric_json),
    ("influx", metrics::influx),
    ("prometheus", metrics::prometheus),
    ("arrow_ipc", metrics::arrow_ipc),
    ("log_record", records::log_record),
    ("predicted_issue", records::predicted_issue),
    ("service_event", records::service_event),
    ("pipeline_yaml", files::pipeline_yaml),
    ("policy_yaml", files::policy_yaml),
    ("checkpoint", checkpoint::checkpoint),
    ("audit_log", audit::audit_log),
    ("log_line", logs::log_line),
    ("ledger_lines", ledger::ledger_lines),
];

/// The harness of target `name`, if there is one.
pub fn harness(name: &str) -> Option<Harness> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
}

/// Run target `name` on `data`; false when there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    match harness(name) {
        Some(h) => {
            h(data);
            true
        }
        None => false,
    }
}
