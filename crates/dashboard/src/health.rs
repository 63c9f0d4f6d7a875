//! Colours and words for a service's status, in one place: the ledger
//! says what the status is ([`Status`]); this says how the operator's
//! tile shows it ([`Health`]) and what customers are told
//! ([`PublicStatus`]: observed failures only, never predictions).

use forewarn_ledger::Status;
use serde::Serialize;

/// The colour of a service's tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Red: in a failure episode.
    Down,
    /// Amber: a failure is predicted.
    Warning,
    /// Green: up, nothing predicted.
    Ok,
    /// Grey: nothing heard of it yet, or its data stopped.
    Unknown,
}

impl Health {
    /// The tile of a service the ledger gives `status`; `stale` when its
    /// metrics stopped arriving (only a service seen up turns grey).
    pub fn of(status: Status, stale: bool) -> Self {
        match status {
            Status::Down => Self::Down,
            _ if stale => Self::Unknown,
            Status::Degraded => Self::Warning,
            Status::Up => Self::Ok,
            Status::Unknown => Self::Unknown,
        }
    }
}

/// The customer-facing state of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PublicStatus {
    /// Serving.
    Operational,
    /// Not serving.
    Outage,
    /// Not known (no data).
    Unknown,
}

impl PublicStatus {
    /// From the ledger's status: customers are told what is, not what the
    /// models expect (a service with an open prediction is operational).
    pub fn of(status: Status, stale: bool) -> Self {
        match status {
            Status::Down => Self::Outage,
            _ if stale => Self::Unknown,
            Status::Up | Status::Degraded => Self::Operational,
            Status::Unknown => Self::Unknown,
        }
    }

    /// In words.
    pub fn words(self) -> &'static str {
        match self {
            Self::Operational => "Operational",
            Self::Outage => "Outage",
            Self::Unknown => "No data",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictions_are_amber_for_operators_and_invisible_to_customers() {
        assert_eq!(Health::of(Status::Degraded, false), Health::Warning);
        assert_eq!(
            PublicStatus::of(Status::Degraded, false),
            PublicStatus::Operational
        );
        assert_eq!(Health::of(Status::Down, true), Health::Down);
        assert_eq!(PublicStatus::of(Status::Down, false), PublicStatus::Outage);
        assert_eq!(Health::of(Status::Up, true), Health::Unknown);
        assert_eq!(PublicStatus::of(Status::Unknown, false).words(), "No data");
    }
}
