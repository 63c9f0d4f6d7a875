//! What the pages receive, as JSON: the operator's [`OperatorState`]
//! (everything) and its [`Delta`]s, and the customers' [`PublicState`],
//! built from its own plain types so that nothing internal (evidence,
//! probabilities, ids, actions) can reach the status view by accident.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{PredictedIssue, RemediationOutcome};
use serde::Serialize;

use crate::health::{Health, Observed, PublicStatus};
use crate::reliability::Figures;

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
    /// Why that colour, in a few words.
    pub reason: String,
    /// The state last observed.
    pub observed: Observed,
    /// When that state began, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Open predicted issues of the service.
    pub open_issues: usize,
    /// Uptime and error budget, once the service has been seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reliability: Option<Figures>,
}

/// An observed incident: a period a service was down or degraded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// Affected service.
    pub service: String,
    /// Down (outage) or degraded.
    pub outage: bool,
    /// When it began.
    pub started_at: DateTime<Utc>,
    /// When it ended; absent while it lasts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// What was observed (operator only), e.g. `oom_killed`.
    pub cause: String,
    /// Whether it ended after an automatic restart or remediation.
    pub automatic: bool,
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
    /// The SLO the figures are held to (target share, window in seconds).
    pub slo: SloView,
    /// One row per service, by name.
    pub services: Vec<ServiceRow>,
    /// Open predicted issues, soonest predicted failure first.
    pub issues: Vec<PredictedIssue>,
    /// Recent actions, newest first.
    pub actions: Vec<RemediationOutcome>,
    /// Recent observed incidents, newest first.
    pub incidents: Vec<Incident>,
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
    pub issues: Vec<PredictedIssue>,
    /// Ids of issues resolved (or dropped).
    pub closed: Vec<String>,
    /// Actions new or updated (e.g. now verified).
    pub actions: Vec<RemediationOutcome>,
    /// The incidents, when they changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<Vec<Incident>>,
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

/// The SLO, as shown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SloView {
    /// Target share of time up.
    pub target: f64,
    /// Window, in seconds.
    pub window_s: i64,
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

impl PublicIncident {
    /// An observed incident in plain words (no cause, no action detail).
    pub fn of(i: &Incident, now: DateTime<Utc>) -> Self {
        let what = if i.outage {
            "unavailable"
        } else {
            "responding slowly or with errors"
        };
        let text = match i.ended_at {
            None => format!(
                "{} is {what} since {} UTC ({}). We are working on it.",
                i.service,
                i.started_at.format("%H:%M"),
                span(now - i.started_at)
            ),
            Some(end) => format!(
                "{} was {what} for {} ({}–{} UTC). It has recovered{}.",
                i.service,
                span(end - i.started_at),
                i.started_at.format("%H:%M"),
                end.format("%H:%M"),
                if i.automatic { " automatically" } else { "" }
            ),
        };
        Self {
            service: i.service.clone(),
            resolved: i.ended_at.is_some(),
            started_at: i.started_at,
            ended_at: i.ended_at,
            text,
        }
    }
}

/// A duration in words: `40 s`, `12 min`, `3 h 5 min`, `2 days`.
pub fn span(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => match (s / 3600, s % 3600 / 60) {
            (h, 0) => format!("{h} h"),
            (h, m) => format!("{h} h {m} min"),
        },
        _ => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incidents_read_as_plain_sentences() {
        let t0: DateTime<Utc> = "2023-11-14T22:10:00Z".parse().unwrap();
        let mut i = Incident {
            service: "api".into(),
            outage: true,
            started_at: t0,
            ended_at: None,
            cause: "oom_killed".into(),
            automatic: true,
        };
        let open = PublicIncident::of(&i, t0 + chrono::Duration::seconds(90));
        assert_eq!(
            open.text,
            "api is unavailable since 22:10 UTC (1 min). We are working on it."
        );
        i.ended_at = Some(t0 + chrono::Duration::seconds(240));
        let done = PublicIncident::of(&i, t0);
        assert_eq!(
            done.text,
            "api was unavailable for 4 min (22:10–22:14 UTC). It has recovered automatically."
        );
        assert!(!done.text.contains("oom"));
        assert_eq!(span(chrono::Duration::seconds(3 * 3600 + 300)), "3 h 5 min");
    }
}
