//! The records the ledger keeps per service: failure episodes
//! ([`Incident`]), predictions ([`Prediction`]) and actions ([`Action`]),
//! and how a prediction ends up classified ([`PredictionClass`]).

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    Evidence, IssueKind, IssueStatus, LogEvidence, RecommendedAction, RemediationMode, Severity,
};
use serde::Serialize;

/// One observed failure episode of a service: from its first failure
/// signal (a `crashed`, `oom_killed`, `hung`, `health_failed` or
/// `gave_up` service event, or a health sample of 0) to the moment every
/// instance that went down is up again (`recovered`, or a health sample
/// of 1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// `service@start` (RFC 3339, milliseconds).
    pub id: String,
    /// The service.
    pub service: String,
    /// Every instance that went down during it, sorted ("" for a
    /// service-wide signal).
    pub instances: Vec<String>,
    /// First failure signal.
    pub start: DateTime<Utc>,
    /// Back up; `None` while still down.
    pub end: Option<DateTime<Utc>>,
    /// What opened it: the service-event kind (`crashed`, `oom_killed`,
    /// ...) or `health_down`.
    pub cause: String,
    /// `forewarn watch` restarts during it.
    pub restarts: u32,
    /// Predictions that preceded it (opened before `start`, with `start`
    /// within their window), issue ids, earliest first (at most 16).
    pub predicted_by: Vec<String>,
    /// `start` minus the first of those predictions' opening, seconds.
    pub lead_time_s: Option<f64>,
    /// When Forewarn first knew: the first preceding prediction, else the
    /// first issue event about the service during the episode.
    pub detected_at: Option<DateTime<Utc>>,
    /// `max(0, detected_at - start)`, seconds.
    pub time_to_detect_s: Option<f64>,
    /// `end - start`, seconds; `None` while open.
    pub time_to_recover_s: Option<f64>,
    /// Whether a Forewarn action (live, executed and not failed) or a
    /// watch restart happened between `start` and `end`; `None` while open.
    pub recovered_automatically: Option<bool>,
    /// What acted between `start` and `end`, in plain words.
    pub recovery_actions: Vec<String>,
    /// Whether it starts within the counting window (see
    /// `LedgerOptions::count_from`).
    #[serde(skip)]
    pub counted: bool,
}

/// The last known state of one predicted (or observed) issue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Incident id of the issue.
    pub id: String,
    /// The service.
    pub service: String,
    /// The instance ("" when service-wide).
    pub instance: String,
    /// What is predicted.
    pub kind: IssueKind,
    /// How bad (latest revision).
    pub severity: Severity,
    /// Probability (latest revision).
    pub probability: f64,
    /// When the issue was opened.
    pub opened_at: DateTime<Utc>,
    /// Event time of the latest revision.
    pub updated_at: DateTime<Utc>,
    /// Latest revision seen.
    pub revision: u32,
    /// Lifecycle state of the latest revision.
    pub status: IssueStatus,
    /// When a `resolved` revision arrived.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Point estimate of the failure time (latest revision).
    pub predicted_failure_at: Option<DateTime<Utc>>,
    /// End of the prediction's window: the later of `opened_at +
    /// horizon_s` and the failure interval's latest time (or the point
    /// estimate), over every revision.
    pub window_end: DateTime<Utc>,
    /// The features behind it (latest revision).
    pub evidence: Vec<Evidence>,
    /// Most likely origin.
    pub root_cause_service: Option<String>,
    /// What the scorer advised.
    pub recommended_action: Option<RecommendedAction>,
    /// The log template behind a log anomaly.
    pub log: Option<LogEvidence>,
    /// The incident it preceded (or was issued during).
    pub incident: Option<String>,
    /// `incident start - opened_at`, seconds, when it preceded one.
    pub lead_time_s: Option<f64>,
    /// Whether it was opened while the service was already down.
    pub during_outage: bool,
    /// Whether it opens within the counting window.
    #[serde(skip)]
    pub counted: bool,
}

/// How a prediction ended up (see the crate docs for the definitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PredictionClass {
    /// An observed kind (`service_down`, `service_silent`): a detection,
    /// not a prediction.
    Observed,
    /// A failure of the service started within its window, after it.
    PredictedAhead,
    /// Opened while the service was already down.
    DuringOutage,
    /// Its window has not ended yet and no failure followed so far.
    Pending,
    /// No failure within its window, and an action on it was executed
    /// live, succeeded, and was not refuted by verification.
    OutagePrevented,
    /// No failure within its window; a live action was executed but
    /// failed, timed out, or its verification said the issue did not
    /// clear.
    NotConfirmed,
    /// No failure within its window and no action executed on it.
    FalseAlarm,
}

impl PredictionClass {
    /// Its wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Observed => "observed",
            Self::PredictedAhead => "predicted_ahead",
            Self::DuringOutage => "during_outage",
            Self::Pending => "pending",
            Self::OutagePrevented => "outage_prevented",
            Self::NotConfirmed => "not_confirmed",
            Self::FalseAlarm => "false_alarm",
        }
    }
}

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Started, not finished yet.
    InProgress,
    /// The executor reported success.
    Succeeded,
    /// The executor reported failure.
    Failed,
    /// It did not finish in time.
    TimedOut,
    /// The remediator stopped while it ran.
    Interrupted,
    /// Not executed (shadow mode, policy, limits: see `detail`).
    Skipped,
}

/// One action of the remediator about one issue: its `started`,
/// `finished`, `verified` (or `skipped`) outcomes merged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// The issue acted on.
    pub issue_id: String,
    /// The service.
    pub service: String,
    /// The instance targeted ("" when service-wide).
    pub target: String,
    /// The action.
    pub action: RecommendedAction,
    /// Shadow or live.
    pub mode: RemediationMode,
    /// When it started (or was skipped).
    pub ts: DateTime<Utc>,
    /// Where it stands.
    pub status: ActionStatus,
    /// Whether the issue cleared within the verification deadline.
    pub verified: Option<bool>,
    /// Why skipped, what the executor said, or what verification found
    /// (the latest).
    pub detail: String,
    /// Whether it starts within the counting window.
    #[serde(skip)]
    pub counted: bool,
}

impl Action {
    /// Executed for real: live and not skipped.
    pub fn executed(&self) -> bool {
        self.mode == RemediationMode::Live && self.status != ActionStatus::Skipped
    }

    /// Executed and not failed (succeeded, or still running).
    pub fn effective(&self) -> bool {
        self.executed()
            && matches!(
                self.status,
                ActionStatus::Succeeded | ActionStatus::InProgress
            )
            && self.verified != Some(false)
    }

    /// The reason of a skip, without its particulars: the text before the
    /// first `:` (`shadow mode`, `cooldown`, `rate limit`, `kill switch`),
    /// or the first words of it.
    pub fn skip_reason(&self) -> String {
        let d = self.detail.trim();
        let head = d.split(':').next().unwrap_or(d);
        let words: Vec<&str> = head.split_whitespace().take(4).collect();
        if words.is_empty() {
            "unspecified".into()
        } else {
            words.join(" ")
        }
    }
}

impl Prediction {
    /// Its class at `now`, given the actions of its service.
    pub fn class<'a>(
        &self,
        now: DateTime<Utc>,
        actions: impl IntoIterator<Item = &'a Action>,
    ) -> PredictionClass {
        if self.kind.is_observed() {
            return PredictionClass::Observed;
        }
        if self.during_outage {
            return PredictionClass::DuringOutage;
        }
        if self.incident.is_some() {
            return PredictionClass::PredictedAhead;
        }
        if now <= self.window_end {
            return PredictionClass::Pending;
        }
        let mine: Vec<&Action> = actions
            .into_iter()
            .filter(|a| a.issue_id == self.id && a.executed())
            .collect();
        if mine.is_empty() {
            PredictionClass::FalseAlarm
        } else if mine
            .iter()
            .any(|a| a.status == ActionStatus::Succeeded && a.verified != Some(false))
        {
            PredictionClass::OutagePrevented
        } else {
            PredictionClass::NotConfirmed
        }
    }
}
