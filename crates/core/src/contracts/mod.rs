//! The event contracts: what Forewarn reads from and writes to its topics.
//!
//! Every event carries `schema_version`; readers accept versions up to
//! [`SCHEMA_VERSION`] and refuse newer ones with a typed error. Fields added
//! later are optional, so version 1 readers keep working on version 1 data.
//! `forewarn schema` prints the JSON Schema of each type ([`schemas`]).

mod control;
mod episode;
mod issue;
mod log;
mod metric;
mod optimization;
mod outcome;
mod service_event;

pub use control::{CONTROL_KEY, ControlMessage, SwitchState};
pub use episode::{EpisodeMember, EpisodeRef};
pub use issue::{
    Evidence, FailureInterval, IssueKind, IssueStatus, LogEvidence, ModelRef, PredictedIssue,
    RecommendedAction, Severity,
};
pub use log::{LogLevel, LogRecord};
pub use metric::MetricSample;
pub use optimization::{OptimizationEvent, OptimizationKind};
pub use outcome::{ActionResult, RemediationMode, RemediationOutcome};
pub use service_event::{ServiceEvent, ServiceEventKind};

/// The schema version this build writes, and the newest it reads.
pub const SCHEMA_VERSION: u32 = 1;

pub(crate) fn default_schema_version() -> u32 {
    SCHEMA_VERSION
}

/// The name and JSON Schema of every contract, in the order the README
/// documents them.
pub fn schemas() -> Vec<(&'static str, schemars::Schema)> {
    vec![
        ("metric-sample", schemars::schema_for!(MetricSample)),
        ("log-record", schemars::schema_for!(LogRecord)),
        ("predicted-issue", schemars::schema_for!(PredictedIssue)),
        (
            "optimization-event",
            schemars::schema_for!(OptimizationEvent),
        ),
        (
            "remediation-outcome",
            schemars::schema_for!(RemediationOutcome),
        ),
        ("service-event", schemars::schema_for!(ServiceEvent)),
        ("control-message", schemars::schema_for!(ControlMessage)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_has_a_versioned_object_schema() {
        let all = schemas();
        assert_eq!(all.len(), 7);
        for (name, schema) in all {
            let v = schema.as_value();
            assert_eq!(v["type"], "object", "{name}");
            assert!(
                v["properties"]["schema_version"].is_object(),
                "{name} lacks schema_version"
            );
        }
    }
}
