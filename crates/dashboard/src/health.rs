//! What an observation says about a service's health, in one place:
//! [`Observed`] from a service event of `forewarn watch` or an observed
//! issue of the scorer (`service_down`, `service_silent`), and the colour
//! of a tile ([`Health`]) from that and the open predictions.

use forewarn_core::contracts::{IssueStatus, PredictedIssue, ServiceEvent, ServiceEventKind};
use serde::Serialize;

/// The service's state as last observed (not predicted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed {
    /// Nothing observed yet.
    Unknown,
    /// Running and, as far as is known, serving.
    Up,
    /// Running but failing its health check.
    Degraded,
    /// Not serving: crashed, OOM-killed, hung, given up, or reported down
    /// or silent by the scorer.
    Down,
    /// Stopped on purpose.
    Stopped,
}

impl Observed {
    /// What a service event says.
    pub fn of_event(e: &ServiceEvent) -> Self {
        match e.kind {
            ServiceEventKind::Started
            | ServiceEventKind::Restarted
            | ServiceEventKind::Recovered => Self::Up,
            ServiceEventKind::HealthFailed => Self::Degraded,
            ServiceEventKind::Crashed
            | ServiceEventKind::OomKilled
            | ServiceEventKind::Hung
            | ServiceEventKind::GaveUp => Self::Down,
            ServiceEventKind::Stopped => Self::Stopped,
        }
    }

    /// What an observed issue (`service_down`, `service_silent`) says;
    /// `None` for predictions, which say nothing about the present.
    pub fn of_issue(i: &PredictedIssue) -> Option<Self> {
        if !i.kind.is_observed() {
            return None;
        }
        Some(match i.status {
            IssueStatus::Open | IssueStatus::Updated => Self::Down,
            IssueStatus::Resolved => Self::Up,
        })
    }

    /// Whether this counts against uptime.
    pub fn is_down(self) -> bool {
        self == Self::Down
    }
}

/// The colour of a service's tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Red: observed down.
    Down,
    /// Amber: a failure is predicted, or the health check fails.
    Warning,
    /// Green: reporting, nothing predicted.
    Ok,
    /// Grey: never seen, stopped on purpose, or no data lately.
    Unknown,
}

/// The customer-facing state of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicStatus {
    /// Serving.
    Operational,
    /// Serving badly (health check failing).
    Degraded,
    /// Not serving.
    Outage,
    /// Not known (no data, or stopped).
    Unknown,
}

impl PublicStatus {
    /// From the observed state only: customers are told what is, not
    /// what the models expect.
    pub fn of(o: Observed) -> Self {
        match o {
            Observed::Up => Self::Operational,
            Observed::Degraded => Self::Degraded,
            Observed::Down => Self::Outage,
            Observed::Unknown | Observed::Stopped => Self::Unknown,
        }
    }

    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            Self::Operational => "Operational",
            Self::Degraded => "Degraded performance",
            Self::Outage => "Outage",
            Self::Unknown => "No data",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_map_to_states_and_statuses() {
        let ts = "2023-11-14T22:13:20Z".parse().unwrap();
        let e = |k| ServiceEvent::new("api", "", k, ts, 0);
        assert_eq!(
            Observed::of_event(&e(ServiceEventKind::OomKilled)),
            Observed::Down
        );
        assert_eq!(
            Observed::of_event(&e(ServiceEventKind::Hung)),
            Observed::Down
        );
        assert_eq!(
            Observed::of_event(&e(ServiceEventKind::HealthFailed)),
            Observed::Degraded
        );
        assert_eq!(
            Observed::of_event(&e(ServiceEventKind::Recovered)),
            Observed::Up
        );
        assert_eq!(
            Observed::of_event(&e(ServiceEventKind::Stopped)),
            Observed::Stopped
        );
        assert_eq!(PublicStatus::of(Observed::Down), PublicStatus::Outage);
        assert_eq!(PublicStatus::of(Observed::Stopped), PublicStatus::Unknown);
        assert!(Health::Down < Health::Warning && Health::Ok < Health::Unknown);
    }
}
