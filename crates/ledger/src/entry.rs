//! What the ledger is fed: one [`Entry`] per event read from a topic or a
//! line of the remediator's audit log, with its event time and the key
//! that orders entries canonically (event time, then kind, then id), so
//! the same entries fold the same way whatever order they arrived in.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    ActionResult, IssueKind, MetricSample, PredictedIssue, RemediationMode, RemediationOutcome,
    ServiceEvent,
};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One input of the ledger.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A predicted (or observed: `service_down`, `service_silent`) issue
    /// from the predictions topic.
    Prediction(PredictedIssue),
    /// A remediation outcome from the outcomes topic.
    Outcome(RemediationOutcome),
    /// An event `forewarn watch` observed (crashed, recovered...).
    Service(ServiceEvent),
    /// A metric sample; only the health role's samples (`roles.health`,
    /// `health_up` by default: 1 passing, 0 failing) and the latency and
    /// error-rate roles' (`roles.latency_p99`, `roles.error_rate`: their
    /// SLIs) are used, others are ignored.
    Sample(MetricSample),
    /// A line of the remediator's audit log.
    Audit(AuditLine),
}

/// What an audit-log line records (the remediator's `Phase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditPhase {
    /// Not executed (shadow mode, kill switch, policy, limits).
    Skipped,
    /// About to execute.
    Started,
    /// Execution finished (succeeded, failed or timed out).
    Finished,
    /// Whether the issue cleared within the verification deadline.
    Verified,
}

/// One line of the remediator's audit log
/// (`crates/remediate/src/audit.rs`), the fields the ledger uses; the
/// hash chain (`prev`, `hash`) is checked by `forewarn audit verify`,
/// not here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLine {
    /// Line number, from 1.
    pub seq: u64,
    /// What the line records.
    pub phase: AuditPhase,
    /// Kind of the issue acted on.
    pub kind: IssueKind,
    /// Position of the action in its chain (0 = first).
    pub step: usize,
    /// The outcome, as published to the outcomes topic.
    pub outcome: RemediationOutcome,
}

impl AuditPhase {
    /// The phase of an outcome read from the topic, which does not carry
    /// it: a `Started` line is published as `mode: live, result: skipped`
    /// (a real skip is always `mode: shadow`), a verification carries
    /// `verified`, anything else is a finished execution.
    pub fn of(o: &RemediationOutcome) -> Self {
        match (o.result, o.mode, o.verified) {
            (ActionResult::Skipped, RemediationMode::Live, _) => Self::Started,
            (ActionResult::Skipped, RemediationMode::Shadow, _) => Self::Skipped,
            (_, _, Some(_)) => Self::Verified,
            _ => Self::Finished,
        }
    }
}

impl Entry {
    /// Decode one JSON line: any of the event contracts, or an audit-log
    /// line (told apart by their fields).
    pub fn from_json(line: &str) -> Result<Self> {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| Error::Decode {
            reason: e.to_string(),
        })?;
        let has = |k: &str| v.get(k).is_some();
        let r = if has("phase") && has("outcome") {
            serde_json::from_value(v).map(Entry::Audit)
        } else if has("issue_id") {
            serde_json::from_value(v).map(Entry::Outcome)
        } else if has("horizon_s") || has("probability") {
            serde_json::from_value(v).map(Entry::Prediction)
        } else if has("metric") && has("value") {
            serde_json::from_value(v).map(Entry::Sample)
        } else if has("kind") && has("ts") {
            serde_json::from_value(v).map(Entry::Service)
        } else {
            return Err(Error::Decode {
                reason:
                    "no field tells which event it is (issue_id, horizon_s, metric, kind, phase)"
                        .into(),
            });
        };
        r.map_err(|e| Error::Decode {
            reason: e.to_string(),
        })
    }

    /// Decode one record's bytes (a JSON event, as on the topics).
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(bytes).map_err(|e| Error::Decode {
            reason: e.to_string(),
        })?;
        Self::from_json(text)
    }

    /// The entry as JSON: what [`Ledger::replay`](crate::Ledger::replay)
    /// orders entries of one [`OrderKey`] by, so that of two different
    /// records under one key (a producer that reused an id and revision)
    /// the same one is kept whatever order they came in.
    pub fn canonical_json(&self) -> String {
        let json = match self {
            Entry::Prediction(p) => serde_json::to_string(p),
            Entry::Outcome(o) => serde_json::to_string(o),
            Entry::Service(s) => serde_json::to_string(s),
            Entry::Sample(m) => serde_json::to_string(m),
            Entry::Audit(a) => serde_json::to_string(a),
        };
        json.unwrap_or_default()
    }

    /// The event time.
    pub fn ts(&self) -> DateTime<Utc> {
        match self {
            Entry::Prediction(p) => p.detected_at,
            Entry::Outcome(o) => o.ts,
            Entry::Service(s) => s.ts,
            Entry::Sample(m) => m.ts,
            Entry::Audit(a) => a.outcome.ts,
        }
    }

    /// The service the entry is about.
    pub fn service(&self) -> &str {
        match self {
            Entry::Prediction(p) => &p.service,
            Entry::Outcome(o) => &o.service,
            Entry::Service(s) => &s.service,
            Entry::Sample(m) => &m.service,
            Entry::Audit(a) => &a.outcome.service,
        }
    }

    /// The canonical order: event time, then predictions before actions
    /// before observations (so a prediction at the very instant of a
    /// failure is folded first, and an action at the instant of a
    /// recovery counts as preceding it), then a content key. Two entries
    /// with the same key are the same event delivered twice.
    pub fn order_key(&self) -> OrderKey {
        let (rank, id) = match self {
            Entry::Prediction(p) => (0, format!("{}.{}", p.id, p.revision)),
            Entry::Outcome(o) => (1, format!("{}.{:?}", o.id, AuditPhase::of(o))),
            Entry::Audit(a) => (1, format!("{}.{:?}", a.outcome.id, a.phase)),
            Entry::Service(s) => (2, s.id.clone()),
            Entry::Sample(m) => (
                2,
                format!(
                    "{}\u{1f}{}\u{1f}{}\u{1f}{}",
                    m.service, m.instance, m.metric, m.value
                ),
            ),
        };
        OrderKey {
            ts_ms: self.ts().timestamp_millis(),
            rank,
            id,
        }
    }
}

/// Where an entry sorts: see [`Entry::order_key`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderKey {
    /// Event time, milliseconds since the epoch.
    pub ts_ms: i64,
    /// 0 prediction, 1 action, 2 observation.
    pub rank: u8,
    /// Content key (ids, revision, phase).
    pub id: String,
}
