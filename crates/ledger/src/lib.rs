//! The reliability ledger: one place that joins, per service and per
//! incident, the observed failures (`forewarn watch`'s service events and
//! the health samples), the predictions that preceded them (with their
//! lead time), the remediator's actions (outcomes and audit-log lines)
//! and the recoveries. It is rebuilt from the topics and the audit log
//! alone: [`Ledger::replay`] of the same entries, in any order, gives the
//! same ledger. Its memory is bounded ([`Caps`]).
//!
//! Layout:
//! - [`entry`]: what is fed ([`Entry`]), decoded from JSON lines, and its
//!   canonical order.
//! - [`options`]: SLOs (from the pipeline), role metrics, caps.
//! - [`ledger`]: the fold, all at once or live with a reorder buffer.
//! - [`state`]: per-service state, the records kept ([`Incident`],
//!   [`Prediction`], [`Action`]) and running [`Totals`].
//! - [`slo`]: SLI, error budget, burn rates over the workbook's windows.
//! - [`snapshot`]: the live state for the dashboard ([`Ledger::snapshot`]).
//! - [`report`]: the figures of `forewarn report` over a range
//!   ([`Ledger::report`]) and their Markdown and HTML renderings.
//!
//! # Definitions
//!
//! - **Incident** (failure episode): a service is down from its first
//!   failure signal (service event `crashed`, `oom_killed`, `hung`,
//!   `health_failed` or `gave_up`, or a health sample below 0.5) until
//!   every instance that went down is up again (`recovered`, or a health
//!   sample of at least 0.5). `restarted`, `started` and `stopped` change
//!   no status.
//! - **Uptime** over a range: `1 - down time / observed time`, where the
//!   observed time runs from the later of the range start and the first
//!   observation of the service (a service event or a health sample; a
//!   service only predicted about is not observed), to the range end; an
//!   incident still open counts as down until the range end.
//! - **Predicted ahead**: a prediction (any kind but the observed
//!   `service_down` and `service_silent`) opened before an incident's
//!   start, with the start within its window. Its window ends at the later
//!   of `opened_at + horizon_s` and the latest predicted failure time
//!   (`failure_interval.latest`, else `predicted_failure_at`).
//!   **Lead time** = incident start − the first such prediction's
//!   `opened_at`.
//! - **Time to detect** (MTTD is its mean): from the incident's start to
//!   the first Forewarn issue event about the service (a preceding
//!   prediction counts as 0); incidents no issue event covers are
//!   undetected and left out of the mean.
//! - **Time to recover** (MTTR is its mean): incident end − start, over
//!   the incidents that ended.
//! - **Recovered automatically**: between the incident's start and end a
//!   `forewarn watch` restart happened, or a remediator action on the
//!   service was executed live and did not fail (succeeded or still
//!   running, not refuted by verification).
//! - **Outage prevented**: a prediction whose window ended with no
//!   incident of its service starting in it, on which an action was
//!   executed live and succeeded, and whose verification (where there is
//!   one) did not say the issue stayed. Evidence listed: issue id, kind,
//!   probability, window, each action with its result and verification.
//! - **False alarm**: a prediction whose window ended with no incident
//!   starting in it and no action executed on it (skipped or none).
//!   **Not confirmed**: no incident followed, an action was executed but
//!   failed or its verification said the issue did not clear.
//!   **Pending**: its window has not ended at the report's end.
//! - **Actions**: one per issue and action; taken = executed live
//!   (succeeded, failed, timed out, interrupted or in progress); skipped
//!   (shadow mode, kill switch, cooldown, rate limit, circuit breaker,
//!   disabled service: the reason is the detail's first words); failed =
//!   failed, timed out or interrupted.
//! - **SLOs**: availability, and latency and error rate as time-slice
//!   SLIs of the roles' samples against the pipeline's thresholds; see
//!   [`slo`].
//!
//! Entries are folded in event-time order; at equal times predictions
//! come before actions, which come before observations, then by content
//! key, so arrival order never matters. Deliveries twice over (same
//! content key) are dropped.
//!
//! ```
//! use forewarn_ledger::{Entry, Ledger, LedgerOptions, Status};
//! let lines = [
//!     r#"{"id":"e1","ts":"2023-11-14T22:13:20Z","service":"api","kind":"crashed"}"#,
//!     r#"{"id":"e2","ts":"2023-11-14T22:15:20Z","service":"api","kind":"recovered"}"#,
//! ];
//! let entries = lines.iter().map(|l| Entry::from_json(l).unwrap());
//! let ledger = Ledger::replay(LedgerOptions::default(), entries);
//! let snap = ledger.snapshot("2023-11-14T22:33:20Z".parse().unwrap());
//! assert_eq!(snap.services[0].status, Status::Up);
//! // Down 2 of the 20 minutes observed.
//! assert!((snap.services[0].uptime.unwrap() - 0.9).abs() < 1e-12);
//! ```

pub mod entry;
pub mod error;
pub mod ledger;
pub mod options;
pub mod report;
pub mod slo;
pub mod snapshot;
pub mod state;

pub use entry::{AuditLine, AuditPhase, Entry, OrderKey};
pub use error::{Error, Result};
pub use ledger::{Intake, Ledger};
pub use options::{Caps, LedgerOptions, SloSpec, ThresholdSlo, ThresholdSlos};
pub use report::Report;
pub use slo::{BurnWindow, SloStatus};
pub use snapshot::{
    ActionView, IncidentView, OpenIssue, ServiceSnapshot, Snapshot, Status, human_duration,
};
pub use state::records::{Action, ActionStatus, Incident, Prediction, PredictionClass};
pub use state::totals::Totals;
