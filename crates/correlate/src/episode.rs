//! [`Episode`]: the incidents of one failure episode, its deterministic
//! id, its root cause (the dependency graph's ranking over the members'
//! onsets, [`forewarn_core::graph::DependencyGraph::rank`], the same
//! ranking the scorer uses inside a partition) and the one
//! `cascading_failure` issue it is published as ([`Episode::issue`]).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    EpisodeMember, EpisodeRef, Evidence, IssueKind, IssueStatus, ModelRef, PredictedIssue,
    RecommendedAction, Severity,
};
use forewarn_core::graph::{Candidate, DependencyGraph};
use forewarn_core::id::content_id;
use serde::{Deserialize, Serialize};

use crate::incident::Incident;

/// The model name on the correlator's events.
pub const MODEL_NAME: &str = "correlate";
/// The version of the grouping rules on the correlator's events.
pub const MODEL_VERSION: &str = "1";

/// One decided episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// Content hash of the member ids.
    pub id: String,
    /// The service at its origin.
    pub root_cause_service: String,
    /// Its incidents, in onset order (then id).
    pub members: Vec<Incident>,
    /// Event time at which it was decided (first onset + window), ms.
    pub decided_ms: i64,
}

/// The episode id of a set of member ids (any order).
pub fn episode_id<'a>(members: impl IntoIterator<Item = &'a str>) -> String {
    let mut ids: Vec<&str> = members.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut parts = vec!["episode"];
    parts.extend(ids);
    content_id(&parts)
}

/// The likely origin of the members' trouble: every member service's
/// candidates from the dependency graph (onset of a service = its earliest
/// member), best first: a frontier (no anomalous dependency of its own)
/// before the rest, then the earliest onset, the deepest, the name.
pub fn root_cause(graph: &DependencyGraph, members: &[Incident]) -> String {
    let mut onsets: HashMap<String, i64> = HashMap::new();
    for m in members {
        let e = onsets.entry(m.service.clone()).or_insert(m.onset_ms);
        *e = (*e).min(m.onset_ms);
    }
    let services: BTreeSet<&str> = members.iter().map(|m| m.service.as_str()).collect();
    let mut best: Option<Candidate> = None;
    for s in services {
        for c in graph.rank(s, &onsets) {
            let better = best.as_ref().is_none_or(|b| {
                (
                    !c.frontier,
                    c.onset_ms,
                    std::cmp::Reverse(c.depth),
                    &c.service,
                ) < (
                    !b.frontier,
                    b.onset_ms,
                    std::cmp::Reverse(b.depth),
                    &b.service,
                )
            });
            if better {
                best = Some(c);
            }
        }
    }
    best.map(|c| c.service)
        .or_else(|| members.first().map(|m| m.service.clone()))
        .unwrap_or_default()
}

fn ts(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl Episode {
    /// An episode of `members` (any order), decided at `decided_ms`.
    pub fn new(graph: &DependencyGraph, mut members: Vec<Incident>, decided_ms: i64) -> Self {
        members.sort_by(|a, b| (a.onset_ms, &a.id).cmp(&(b.onset_ms, &b.id)));
        Self {
            id: episode_id(members.iter().map(|m| m.id.as_str())),
            root_cause_service: root_cause(graph, &members),
            members,
            decided_ms,
        }
    }

    /// The distinct services of its members.
    pub fn services(&self) -> BTreeSet<&str> {
        self.members.iter().map(|m| m.service.as_str()).collect()
    }

    /// Whether it spans several services: a cascade, published as one
    /// `cascading_failure` issue. A single-service episode (several
    /// incidents of one service) is still one page, but no cascade.
    pub fn is_cascade(&self) -> bool {
        self.services().len() >= 2
    }

    /// Its first onset, ms.
    pub fn onset_ms(&self) -> i64 {
        self.members.first().map_or(self.decided_ms, |m| m.onset_ms)
    }

    /// The id of the `cascading_failure` issue it is published as.
    pub fn issue_id(&self) -> String {
        content_id(&["cascading-failure", &self.id])
    }

    /// The annotation carried by its issue: id, root cause, members.
    pub fn reference(&self) -> EpisodeRef {
        EpisodeRef {
            id: self.id.clone(),
            root_cause_service: self.root_cause_service.clone(),
            members: self
                .members
                .iter()
                .map(|m| EpisodeMember {
                    id: m.id.clone(),
                    service: m.service.clone(),
                    kind: m.kind.clone(),
                    onset: m.onset(),
                    observed: m.observed,
                })
                .collect(),
        }
    }

    /// The `cascading_failure` issue: on the root-cause service, opened at
    /// the first onset, detected when decided, as severe and as probable as
    /// its worst member, advising what the root cause's first incident
    /// advised; one evidence entry per member (`SERVICE.KIND`, value its
    /// onset in seconds after the first).
    pub fn issue(&self) -> PredictedIssue {
        let n = self.members.len().max(1) as f64;
        let first = self.onset_ms();
        let action = self
            .members
            .iter()
            .find(|m| m.service == self.root_cause_service)
            .and_then(|m| m.recommended_action)
            .unwrap_or(RecommendedAction::Notify);
        PredictedIssue {
            schema_version: forewarn_core::SCHEMA_VERSION,
            id: self.issue_id(),
            revision: 0,
            status: IssueStatus::Open,
            kind: IssueKind::CascadingFailure,
            service: self.root_cause_service.clone(),
            instance: String::new(),
            severity: self
                .members
                .iter()
                .map(|m| m.severity)
                .max()
                .unwrap_or(Severity::Warning),
            probability: self
                .members
                .iter()
                .map(|m| m.probability)
                .fold(0.0, f64::max),
            detected_at: ts(self.decided_ms),
            opened_at: ts(first),
            predicted_failure_at: None,
            failure_interval: None,
            horizon_s: self.members.iter().map(|m| m.horizon_s).fold(0.0, f64::max),
            evidence: self
                .members
                .iter()
                .map(|m| Evidence {
                    feature: format!("{}.{}", m.service, m.kind),
                    value: (m.onset_ms - first) as f64 / 1000.0,
                    baseline: None,
                    contribution: 1.0 / n,
                })
                .collect(),
            root_cause_service: Some(self.root_cause_service.clone()),
            model: ModelRef {
                name: MODEL_NAME.into(),
                version: MODEL_VERSION.into(),
            },
            recommended_action: Some(action),
            log: None,
            episode: Some(Box::new(self.reference())),
        }
    }
}
