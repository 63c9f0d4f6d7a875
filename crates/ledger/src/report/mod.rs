//! The figures of `forewarn report` over a time range, for the fleet and
//! per service ([`Report`], built by [`Ledger::report`](crate::Ledger::report)),
//! and their renderings: JSON (serde), Markdown ([`markdown`]) and one
//! self-contained HTML page with inline SVG plots ([`html`]).
//!
//! Layout:
//! - `build.rs`: the figures from the ledger's state.
//! - [`markdown`]: the Markdown report.
//! - [`html`]: the HTML report.
//! - `svg.rs`: the plots (timeline, recovery-time histogram, burn-down),
//!   hand-built SVG.

mod build;
pub mod html;
pub mod markdown;
mod svg;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{IssueKind, RecommendedAction};
use serde::Serialize;

use crate::ledger::Intake;
use crate::options::Caps;
use crate::slo::SloStatus;
use crate::state::records::{Action, ActionStatus, Incident, PredictionClass};

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Start of the range (inclusive).
    pub from: DateTime<Utc>,
    /// End of the range (exclusive).
    pub to: DateTime<Utc>,
    /// What the ledger was fed.
    pub intake: Intake,
    /// The caps that bound the detail kept.
    pub caps: Caps,
    /// The whole fleet (the services below).
    pub fleet: Figures,
    /// Per service, by name.
    pub services: Vec<ServiceReport>,
}

impl Report {
    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        markdown::render(self)
    }

    /// The report as one self-contained HTML page.
    pub fn html(&self) -> String {
        html::render(self)
    }
}

/// Summary statistics of a set of durations, seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Spread {
    /// How many.
    pub count: u64,
    /// Mean (exact, from the running totals).
    pub mean: Option<f64>,
    /// Median of the values kept in detail.
    pub median: Option<f64>,
    /// 90th percentile (nearest rank) of the values kept in detail.
    pub p90: Option<f64>,
    /// Smallest of the values kept in detail.
    pub min: Option<f64>,
    /// Largest of the values kept in detail.
    pub max: Option<f64>,
}

/// One bucket of the recovery-time histogram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// Upper bound, seconds (`None`: the longer ones).
    pub le_s: Option<f64>,
    /// Incidents that recovered within it.
    pub count: u64,
}

/// Actions taken, skipped and failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ActionFigures {
    /// Executed live.
    pub taken: u64,
    /// Of which succeeded.
    pub succeeded: u64,
    /// Of which failed, timed out or were interrupted.
    pub failed: u64,
    /// Of which still running at the end of the range.
    pub in_progress: u64,
    /// Not executed.
    pub skipped: u64,
    /// Skipped, per reason.
    pub skipped_by_reason: std::collections::BTreeMap<String, u64>,
}

/// The figures of the fleet or of one service over the range.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Observed time, seconds.
    pub observed_s: f64,
    /// Down time, seconds.
    pub down_s: f64,
    /// `1 - down / observed` (`None`: nothing observed).
    pub uptime: Option<f64>,
    /// Incidents that started in the range.
    pub incidents: u64,
    /// Of which still open at its end.
    pub incidents_open: u64,
    /// Of which predicted ahead.
    pub predicted_ahead: u64,
    /// Lead times of those, seconds.
    pub lead_time_s: Spread,
    /// Incidents Forewarn detected.
    pub detected: u64,
    /// Incidents no Forewarn issue event covered.
    pub undetected: u64,
    /// Time to detect, seconds (the mean is MTTD).
    pub time_to_detect_s: Spread,
    /// Time to recover of the incidents that ended, seconds (the mean is
    /// MTTR).
    pub time_to_recover_s: Spread,
    /// Recovery-time histogram.
    pub recovery_histogram: Vec<Bucket>,
    /// Incidents that recovered automatically.
    pub recovered_automatically: u64,
    /// Their share of the incidents that ended.
    pub recovered_automatically_share: Option<f64>,
    /// Predictions opened in the range (observed kinds excluded).
    pub predictions: u64,
    /// Outages prevented.
    pub outages_prevented: u64,
    /// False alarms.
    pub false_alarms: u64,
    /// Acted on, no failure, effect not confirmed.
    pub not_confirmed: u64,
    /// Window not over at the end of the range.
    pub pending: u64,
    /// Opened while the service was already down.
    pub during_outage: u64,
    /// Actions.
    pub actions: ActionFigures,
}

/// One service's part of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceReport {
    /// The service.
    pub service: String,
    /// Its figures.
    pub figures: Figures,
    /// Its SLOs at the end of the range.
    pub slos: Vec<SloStatus>,
    /// Error budget left (ratio) across the range, per SLO (in the order
    /// of `slos`), for the burn-down plots.
    pub burn_down: Vec<BurnDown>,
    /// Down intervals within the range (the rest of the observed time is up).
    pub down: Vec<Interval>,
    /// Start of its observed time within the range.
    pub observed_from: Option<DateTime<Utc>>,
    /// Incidents that started in the range (those kept in detail).
    pub incidents: Vec<Incident>,
    /// Predictions opened in the range (those kept in detail).
    pub predictions: Vec<PredictionLine>,
    /// The evidence of each outage prevented.
    pub prevented: Vec<PreventedOutage>,
    /// Actions started in the range (those kept in detail).
    pub actions: Vec<Action>,
    /// Records counted in the figures but no longer kept in detail:
    /// incidents, predictions, actions.
    pub not_listed: [u64; 3],
}

/// One SLO's error budget left across the range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BurnDown {
    /// The SLO (`availability`, `latency`, `error_rate`).
    pub slo: String,
    /// The budget left at evenly spread instants.
    pub points: Vec<BudgetPoint>,
}

/// The budget left at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetPoint {
    /// The instant.
    pub at: DateTime<Utc>,
    /// Budget left, ratio.
    pub left: f64,
}

/// A time interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// Start.
    pub from: DateTime<Utc>,
    /// End.
    pub to: DateTime<Utc>,
}

/// One prediction in a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictionLine {
    /// Issue id.
    pub id: String,
    /// What was predicted.
    pub kind: IssueKind,
    /// Instance.
    pub instance: String,
    /// Probability (latest revision).
    pub probability: f64,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// End of its window.
    pub window_end: DateTime<Utc>,
    /// How it ended up.
    pub class: PredictionClass,
    /// The incident it preceded or was issued during.
    pub incident: Option<String>,
    /// Lead time before that incident, seconds.
    pub lead_time_s: Option<f64>,
}

/// The evidence that an outage was prevented.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreventedOutage {
    /// Issue id.
    pub issue_id: String,
    /// What was predicted.
    pub kind: IssueKind,
    /// Probability (latest revision).
    pub probability: f64,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// Predicted failure time, if the model gave one.
    pub predicted_failure_at: Option<DateTime<Utc>>,
    /// End of the window in which no failure happened.
    pub window_end: DateTime<Utc>,
    /// The actions executed on it.
    pub actions: Vec<ActionEvidence>,
}

/// One action in the evidence of a prevented outage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionEvidence {
    /// The action.
    pub action: RecommendedAction,
    /// When it started.
    pub ts: DateTime<Utc>,
    /// How it ended.
    pub status: ActionStatus,
    /// Verification: whether the issue cleared.
    pub verified: Option<bool>,
    /// What the executor or verification said.
    pub detail: String,
}
