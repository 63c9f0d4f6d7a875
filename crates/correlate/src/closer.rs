//! [`Closer`]: when a published episode is over. A `cascading_failure`
//! issue is resolved (revision 1, status `resolved`, detected at the
//! latest member resolution) once every predicted member has resolved,
//! so the episode closes on the dashboard and verifies the remediator's
//! action on it like any issue. Members resolved before the episode was
//! decided count too. Observed members (service events) have no
//! resolution and are not waited for; an episode of observed failures
//! only stays open.

use std::collections::{BTreeMap, BTreeSet};

use forewarn_core::contracts::{IssueStatus, PredictedIssue};
use serde::{Deserialize, Serialize};

use crate::episode::Episode;
use crate::incident::Incident;

/// A published cascade not resolved yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Waiting {
    issue: PredictedIssue,
    pending: BTreeSet<String>,
    last_ms: i64,
}

/// Resolution of the episodes; serialisable (part of the checkpoint).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Closer {
    /// Predicted incidents whose episode is not decided yet, with their
    /// resolution time once they resolved.
    tracked: BTreeMap<String, Option<i64>>,
    /// Published cascades still open, by issue id.
    waiting: BTreeMap<String, Waiting>,
}

fn resolved(issue: &PredictedIssue, last_ms: i64) -> PredictedIssue {
    let mut r = issue.clone();
    r.revision = 1;
    r.status = IssueStatus::Resolved;
    r.detected_at = chrono::DateTime::from_timestamp_millis(last_ms).unwrap_or(r.detected_at);
    r
}

impl Closer {
    /// Follow an incident the correlator accepted.
    pub fn track(&mut self, incident: &Incident) {
        if !incident.observed {
            self.tracked.entry(incident.id.clone()).or_insert(None);
        }
    }

    /// Incident `id` resolved at `ts_ms`: the resolution of its cascade,
    /// when it was the last member open.
    pub fn resolve(&mut self, id: &str, ts_ms: i64) -> Option<PredictedIssue> {
        if let Some(t) = self.tracked.get_mut(id) {
            *t = Some(t.map_or(ts_ms, |t| t.max(ts_ms)));
            return None;
        }
        let key = self
            .waiting
            .iter()
            .find(|(_, w)| w.pending.contains(id))
            .map(|(k, _)| k.clone())?;
        let w = self.waiting.get_mut(&key)?;
        w.pending.remove(id);
        w.last_ms = w.last_ms.max(ts_ms);
        if !w.pending.is_empty() {
            return None;
        }
        let w = self.waiting.remove(&key)?;
        Some(resolved(&w.issue, w.last_ms))
    }

    /// An episode was decided (and, for a cascade, its issue published):
    /// its members are no longer followed one by one; a cascade waits for
    /// its open members, or is resolved at once when none is left.
    pub fn decided(&mut self, e: &Episode) -> Option<PredictedIssue> {
        let mut pending = BTreeSet::new();
        let mut last_ms = i64::MIN;
        for m in e.members.iter().filter(|m| !m.observed) {
            match self.tracked.remove(&m.id) {
                Some(Some(t)) => last_ms = last_ms.max(t),
                _ => {
                    pending.insert(m.id.clone());
                }
            }
        }
        if !e.is_cascade() || (last_ms == i64::MIN && pending.is_empty()) {
            return None;
        }
        let issue = e.issue();
        if pending.is_empty() {
            return Some(resolved(&issue, last_ms));
        }
        self.waiting.insert(
            issue.id.clone(),
            Waiting {
                issue,
                pending,
                last_ms,
            },
        );
        None
    }

    /// Published cascades still open.
    pub fn open(&self) -> usize {
        self.waiting.len()
    }
}
