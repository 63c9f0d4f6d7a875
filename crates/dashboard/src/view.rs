//! What the pages receive, as JSON: the operator's [`OperatorState`]
//! (everything) and its [`Delta`]s, and the customers' [`PublicState`],
//! built from its own plain types so that nothing internal (evidence,
//! probabilities, ids, actions) can reach the status view by accident.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    Evidence, IssueKind, LogEvidence, RecommendedAction, RemediationMode, Severity,
};
use forewarn_ledger::{ActionStatus, IncidentView, SloStatus, Status};
use serde::Serialize;

use crate::health::{Health, PublicStatus};

/// Which clock "now" is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// The wall clock: a live system.
    Wall,
    /// The newest event time seen: a replay (the demo, `--from-beginning`
    /// over old data), where the wall clock is far from the events.
    Event,
}

/// One tile of the fleet map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRow {
    /// Service name.
    pub name: String,
    /// Tile colour.
    pub health: Health,
    /// The ledger's status.
    pub status: Status,
    /// Why that colour, in a few words.
    pub reason: String,
    /// Start of the failure episode in progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down_since: Option<DateTime<Utc>>,
    /// Share of the uptime window it was up (`None`: nothing observed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uptime: Option<f64>,
    /// Its availability SLO and error budget (the tile's budget bar).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slo: Option<SloSummary>,
    /// Every SLO of it: availability, then latency and error rate where
    /// the pipeline sets their thresholds (the SLO column).
    pub slos: Vec<SloSummary>,
    /// Open predicted issues of the service.
    pub open_issues: usize,
}

/// The error budget of one of a service's SLOs, as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SloSummary {
    /// `availability`, `latency` or `error_rate`.
    pub name: String,
    /// In a few words, e.g. `latency ≤ 500 ms`.
    pub label: String,
    /// Its SLI over the period (`None`: nothing measured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sli: Option<f64>,
    /// Share of time that must be up.
    pub objective: f64,
    /// Its period, seconds.
    pub period_s: f64,
    /// Bad time (down, over the threshold) within the period, seconds.
    pub down_s: f64,
    /// Budget left, seconds (negative once overspent).
    pub budget_left_s: f64,
    /// Budget left as a share (1 untouched, 0 spent).
    pub budget_left_ratio: f64,
    /// The highest burn rate over the alert windows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fastest_burn_rate: Option<f64>,
    /// Burn-rate alerts firing.
    pub alerts: Vec<String>,
}

impl SloSummary {
    /// Rounded so that a row changes when a figure visibly does.
    pub fn of(s: &SloStatus) -> Self {
        let r = |x: f64, k: f64| (x * k).round() / k;
        Self {
            name: s.name.clone(),
            label: s.label(),
            sli: s.sli.map(|x| r(x, 1e5)),
            objective: s.objective,
            period_s: s.period_s,
            down_s: r(s.down_s, 1.0),
            budget_left_s: r(s.budget_left_s, 1.0),
            budget_left_ratio: r(s.budget_left_ratio, 1e4),
            fastest_burn_rate: s.fastest_burn_rate.map(|b| r(b, 100.0)),
            alerts: s.alerts.clone(),
        }
    }
}

/// An open issue, as the operator sees it (the browser counts down to
/// `predicted_failure_at` itself).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssueView {
    /// Issue id.
    pub id: String,
    /// Affected service.
    pub service: String,
    /// Affected instance ("" when service-wide).
    pub instance: String,
    /// What is predicted.
    pub kind: IssueKind,
    /// Whether it is an observed failure rather than a prediction.
    pub observed: bool,
    /// How bad.
    pub severity: Severity,
    /// Probability of the failure within the horizon.
    pub probability: f64,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// Point estimate of the failure time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicted_failure_at: Option<DateTime<Utc>>,
    /// The features behind it, strongest first.
    pub evidence: Vec<Evidence>,
    /// The service most likely at the origin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_cause_service: Option<String>,
    /// What the scorer advised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommended_action: Option<RecommendedAction>,
    /// The log template behind a log anomaly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<LogEvidence>,
}

/// One action of the remediator, as the operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    /// Stable key: service, issue and action.
    pub key: String,
    /// Target service.
    pub service: String,
    /// When it started.
    pub ts: DateTime<Utc>,
    /// The issue acted on.
    pub issue_id: String,
    /// The action.
    pub action: RecommendedAction,
    /// Shadow or live.
    pub mode: RemediationMode,
    /// Where it stands.
    pub status: ActionStatus,
    /// Whether the issue cleared afterwards (`None`: not known yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    /// Why skipped, or what the executor or verification said.
    pub detail: String,
}

/// An incident of a service (operator view).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRow {
    /// Affected service.
    pub service: String,
    /// The ledger's account of it.
    #[serde(flatten)]
    pub incident: IncidentView,
}

/// The whole operator state: the first event of a live connection and
/// the body of `/api/state`.
#[derive(Debug, Clone, Serialize)]
pub struct OperatorState {
    /// Increases with every change.
    pub seq: u64,
    /// The dashboard's "now".
    pub now: DateTime<Utc>,
    /// Where "now" comes from.
    pub clock: Clock,
    /// The window of `uptime`, seconds.
    pub uptime_window_s: f64,
    /// One row per service, by name.
    pub services: Vec<ServiceRow>,
    /// Open issues, soonest predicted failure first.
    pub issues: Vec<IssueView>,
    /// Recent actions, newest first.
    pub actions: Vec<ActionRow>,
    /// Recent incidents, newest first.
    pub incidents: Vec<IncidentRow>,
    /// The Kafka feed.
    pub feed: FeedStatus,
}

/// What changed since the previous state or delta: rows to replace (by
/// service name, issue id, outcome id), issues closed, and the whole list
/// of incidents when it changed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Delta {
    /// The state's `seq` after this delta.
    pub seq: u64,
    /// The dashboard's "now".
    pub now: Option<DateTime<Utc>>,
    /// Service rows that changed.
    pub services: Vec<ServiceRow>,
    /// Issues opened or updated.
    pub issues: Vec<IssueView>,
    /// Ids of issues resolved (or dropped).
    pub closed: Vec<String>,
    /// Actions new or updated (e.g. now verified).
    pub actions: Vec<ActionRow>,
    /// The incidents, when they changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<Vec<IncidentRow>>,
    /// The feed, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<FeedStatus>,
}

impl Delta {
    /// Whether there is nothing in it.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
            && self.issues.is_empty()
            && self.closed.is_empty()
            && self.actions.is_empty()
            && self.incidents.is_none()
            && self.feed.is_none()
    }
}

/// The state of the Kafka feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedStatus {
    /// Whether a broker was reached.
    pub connected: bool,
    /// Partitions followed.
    pub partitions: usize,
    /// Records read.
    pub records: u64,
    /// Records not understood (wrong contract).
    pub undecodable: u64,
}

/// The status view's state: services, their status and uptime, incidents
/// in plain words. Nothing else.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicState {
    /// The dashboard's "now".
    pub now: DateTime<Utc>,
    /// Where "now" comes from.
    pub clock: Clock,
    /// The window of `uptime`, seconds.
    pub uptime_window_s: f64,
    /// Every service, by name.
    pub services: Vec<PublicService>,
    /// Incidents, newest first.
    pub incidents: Vec<PublicIncident>,
}

/// One service on the status view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicService {
    /// Name.
    pub name: String,
    /// Current status.
    pub status: PublicStatus,
    /// The status in words.
    pub status_text: &'static str,
    /// Uptime over the window, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uptime: Option<f64>,
}

/// One incident on the status view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicIncident {
    /// Affected service.
    pub service: String,
    /// Whether it is over.
    pub resolved: bool,
    /// When it began.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// What happened, in a sentence.
    pub text: String,
}
