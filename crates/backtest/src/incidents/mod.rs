//! Incident backtests on data in the simulator's layout: metrics in long
//! format plus `labels.json`. History is replayed in event time through the
//! production [`forewarn_scorer::Scorer`] (no broker), every predicted-issue
//! event is collected, and the first event of each incident is matched
//! against the labelled incidents and traps. Two simple baselines (a static
//! threshold and a per-metric z-score) run over the same samples and are
//! evaluated by the same code, so the gain is visible.
//!
//! Data flows one way:
//! history → [`replay`] (scorer) and [`baselines`] → [`Alert`]s →
//! [`evaluate`] → [`Evaluation`] → [`report`] (Markdown, HTML with plots,
//! Parquet rows). The scorer's events also go through the fleet
//! correlator ([`episodes`]): pages before and after grouping, root-cause
//! hit rate of the episodes.

pub mod baselines;
pub mod episodes;
pub mod evaluate;
pub mod replay;
pub mod report;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{IssueKind, IssueStatus, PredictedIssue};
use serde::Serialize;

pub use evaluate::{Evaluation, IncidentRow, Matching, Outcome, Summary, evaluate};
pub use replay::{Replay, ReplayOptions, replay};

/// The first event of one alert raised by a detector: Forewarn's scorer
/// (an opened predicted issue) or a baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Detector that raised it: `forewarn`, `static_threshold`, `zscore`.
    pub detector: &'static str,
    /// Incident id (Forewarn's deterministic id, or the baseline's own).
    pub id: String,
    /// What kind of issue it announces.
    pub kind: IssueKind,
    /// Target service.
    pub service: String,
    /// Target instance, empty for service-wide.
    pub instance: String,
    /// Event time it was raised.
    pub detected_at: DateTime<Utc>,
    /// When it says the failure happens, if it says.
    pub predicted_failure_at: Option<DateTime<Utc>>,
    /// Likely origin, if it names one.
    pub root_cause_service: Option<String>,
    /// Its probability (1.0 for baselines).
    pub probability: f64,
    /// The metric or feature that drove it (strongest evidence).
    pub signal: String,
}

impl Alert {
    /// The alert an opened predicted-issue event stands for; `None` for
    /// updates and resolutions (an incident is announced once).
    pub fn from_event(e: &PredictedIssue) -> Option<Self> {
        (e.status == IssueStatus::Open).then(|| Self {
            detector: "forewarn",
            id: e.id.clone(),
            kind: e.kind,
            service: e.service.clone(),
            instance: e.instance.clone(),
            detected_at: e.detected_at,
            predicted_failure_at: e.predicted_failure_at,
            root_cause_service: e.root_cause_service.clone(),
            probability: e.probability,
            signal: e
                .evidence
                .first()
                .map(|ev| ev.feature.clone())
                .unwrap_or_default(),
        })
    }
}
