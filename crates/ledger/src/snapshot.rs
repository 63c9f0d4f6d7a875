//! The live state of the fleet at one instant, for the dashboard
//! ([`Ledger::snapshot`]): per service its status, uptime, SLOs, open
//! issues with their countdown, recent actions and recent incidents in
//! plain words. Serialises to JSON as is.

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{
    Evidence, IssueKind, IssueStatus, LogEvidence, RecommendedAction, RemediationMode, Severity,
};
use serde::Serialize;

use crate::ledger::Ledger;
use crate::slo::{SloStatus, evaluate_all};
use crate::state::records::{ActionStatus, Incident};
use crate::state::service::ServiceState;

/// Recent actions listed per service.
pub const RECENT_ACTIONS: usize = 10;
/// Recent incidents listed per service.
pub const RECENT_INCIDENTS: usize = 5;

/// The fleet at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    /// The instant.
    pub at: DateTime<Utc>,
    /// The window of `uptime`, seconds.
    pub uptime_window_s: f64,
    /// Every service, by name.
    pub services: Vec<ServiceSnapshot>,
}

/// A service's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing heard of it yet.
    Unknown,
    /// Up, no open prediction.
    Up,
    /// Up, with an open predicted issue.
    Degraded,
    /// In a failure episode.
    Down,
}

/// One service at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceSnapshot {
    /// The service.
    pub service: String,
    /// Its status.
    pub status: Status,
    /// Start of the failure episode in progress.
    pub down_since: Option<DateTime<Utc>>,
    /// Share of the window (observed part) it was up; `None` when
    /// nothing was observed.
    pub uptime: Option<f64>,
    /// Its SLOs: budget left, burn rates, alerts.
    pub slos: Vec<SloStatus>,
    /// Issues open now (not resolved, window not over), soonest failure
    /// first.
    pub open_issues: Vec<OpenIssue>,
    /// The latest actions, newest first (at most [`RECENT_ACTIONS`]).
    pub recent_actions: Vec<ActionView>,
    /// The latest incidents, newest first (at most [`RECENT_INCIDENTS`]).
    pub recent_incidents: Vec<IncidentView>,
}

/// An open predicted (or observed) issue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenIssue {
    /// Issue id.
    pub id: String,
    /// What is predicted.
    pub kind: IssueKind,
    /// Whether it is an observed failure rather than a prediction.
    pub observed: bool,
    /// Instance ("" when service-wide).
    pub instance: String,
    /// How bad.
    pub severity: Severity,
    /// Probability of the failure within the horizon.
    pub probability: f64,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// Point estimate of the failure time.
    pub predicted_failure_at: Option<DateTime<Utc>>,
    /// `predicted_failure_at - at`, seconds (negative once past).
    pub countdown_s: Option<f64>,
    /// The features behind it, strongest first.
    pub evidence: Vec<Evidence>,
    /// The service most likely at the origin.
    pub root_cause_service: Option<String>,
    /// What the scorer advised.
    pub recommended_action: Option<RecommendedAction>,
    /// The log template behind a log anomaly.
    pub log: Option<LogEvidence>,
}

/// One action, as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionView {
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
    pub verified: Option<bool>,
    /// Why skipped, or what the executor or verification said.
    pub detail: String,
}

/// One incident in plain words, safe to show customers (no evidence, no
/// issue ids).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentView {
    /// Start.
    pub start: DateTime<Utc>,
    /// End (`None`: ongoing).
    pub end: Option<DateTime<Utc>>,
    /// Duration so far or in all, seconds.
    pub duration_s: f64,
    /// Whether it was predicted before it started.
    pub predicted: bool,
    /// Whether it recovered without a person (`None`: ongoing).
    pub recovered_automatically: Option<bool>,
    /// A sentence, e.g. "Unavailable for 4 min (the process crashed);
    /// recovered automatically."
    pub summary: String,
}

/// A duration in words: `40 s`, `4 min`, `7 min 30 s`, `2 h 5 min`, `3 d 2 h`.
pub fn human_duration(s: f64) -> String {
    let s = s.max(0.0).round() as i64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 if s % 60 == 0 => format!("{} min", s / 60),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        3600..86_400 if (s % 3600) / 60 == 0 => format!("{} h", s / 3600),
        3600..86_400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ if (s % 86_400) / 3600 == 0 => format!("{} d", s / 86_400),
        _ => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

fn cause_words(cause: &str) -> &'static str {
    match cause {
        "crashed" => "the process crashed",
        "oom_killed" => "the process ran out of memory",
        "hung" => "the service stopped responding",
        "health_failed" | "health_down" => "its health check failed",
        "gave_up" => "it could not be restarted",
        _ => "a failure",
    }
}

impl IncidentView {
    /// The customer view of `i` at `at`.
    pub fn of(i: &Incident, at: DateTime<Utc>) -> Self {
        let end = i.end.unwrap_or(at);
        let duration_s = (end - i.start).num_milliseconds().max(0) as f64 / 1000.0;
        let mut summary = match i.end {
            Some(_) => format!(
                "Unavailable for {} ({}).",
                human_duration(duration_s),
                cause_words(&i.cause)
            ),
            None => format!(
                "Unavailable since {} ({}).",
                i.start.format("%Y-%m-%d %H:%M UTC"),
                cause_words(&i.cause)
            ),
        };
        match i.recovered_automatically {
            Some(true) => summary.push_str(" Recovered automatically."),
            Some(false) => summary.push_str(" Recovered."),
            None => summary.push_str(" Being worked on."),
        }
        Self {
            start: i.start,
            end: i.end,
            duration_s,
            predicted: i.lead_time_s.is_some(),
            recovered_automatically: i.recovered_automatically,
            summary,
        }
    }
}

impl Ledger {
    /// The fleet at `at` (usually now, or the newest event time).
    pub fn snapshot(&self, at: DateTime<Utc>) -> Snapshot {
        let window = self.opts.uptime_window;
        let services = self
            .services()
            .into_iter()
            .map(|name| match self.state().services.get(&name) {
                Some(svc) => self.service_snapshot(svc, at, window),
                None => ServiceSnapshot {
                    service: name,
                    status: Status::Unknown,
                    down_since: None,
                    uptime: None,
                    slos: Vec::new(),
                    open_issues: Vec::new(),
                    recent_actions: Vec::new(),
                    recent_incidents: Vec::new(),
                },
            })
            .collect();
        Snapshot {
            at,
            uptime_window_s: window.num_milliseconds() as f64 / 1000.0,
            services,
        }
    }

    fn service_snapshot(
        &self,
        svc: &ServiceState,
        at: DateTime<Utc>,
        window: TimeDelta,
    ) -> ServiceSnapshot {
        let to = at.timestamp_millis();
        let from = (at - window).timestamp_millis();
        let observed = svc.observed_ms(from, to);
        let uptime = (observed > 0).then(|| {
            let start = from.max(svc.first_seen_ms.unwrap_or(from));
            1.0 - svc.downtime_ms(start, to) as f64 / observed as f64
        });
        let mut open_issues: Vec<OpenIssue> = svc
            .predictions
            .values()
            .filter(|p| {
                p.status != IssueStatus::Resolved
                    && p.opened_at <= at
                    && (p.kind.is_observed() || at <= p.window_end)
            })
            .map(|p| OpenIssue {
                id: p.id.clone(),
                kind: p.kind,
                observed: p.kind.is_observed(),
                instance: p.instance.clone(),
                severity: p.severity,
                probability: p.probability,
                opened_at: p.opened_at,
                predicted_failure_at: p.predicted_failure_at,
                countdown_s: p
                    .predicted_failure_at
                    .map(|f| (f - at).num_milliseconds() as f64 / 1000.0),
                evidence: p.evidence.clone(),
                root_cause_service: p.root_cause_service.clone(),
                recommended_action: p.recommended_action,
                log: p.log.clone(),
            })
            .collect();
        open_issues.sort_by(|a, b| {
            (
                a.predicted_failure_at.is_none(),
                a.predicted_failure_at,
                &a.id,
            )
                .cmp(&(
                    b.predicted_failure_at.is_none(),
                    b.predicted_failure_at,
                    &b.id,
                ))
        });
        let status = if svc.open.is_some() {
            Status::Down
        } else if open_issues.iter().any(|i| !i.observed) {
            Status::Degraded
        } else {
            Status::Up
        };
        let recent_actions = svc
            .actions
            .iter()
            .rev()
            .filter(|a| a.ts <= at)
            .take(RECENT_ACTIONS)
            .map(|a| ActionView {
                ts: a.ts,
                issue_id: a.issue_id.clone(),
                action: a.action,
                mode: a.mode,
                status: a.status,
                verified: a.verified,
                detail: a.detail.clone(),
            })
            .collect();
        let recent_incidents = svc
            .open
            .iter()
            .chain(svc.incidents.iter().rev())
            .take(RECENT_INCIDENTS)
            .map(|i| IncidentView::of(i, at))
            .collect();
        ServiceSnapshot {
            service: svc.name.clone(),
            status,
            down_since: svc.open.as_ref().map(|o| o.start),
            uptime,
            slos: evaluate_all(svc, &self.opts, at),
            open_issues,
            recent_actions,
            recent_incidents,
        }
    }
}
