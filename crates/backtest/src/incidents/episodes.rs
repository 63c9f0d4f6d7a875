//! Fleet correlation in the backtest: the scorer's events go through the
//! same grouping as `forewarn correlate` ([`forewarn_correlate::correlate`],
//! the batch form of the streaming correlator, which gives the same
//! episodes), and the result is measured: pages an operator receives
//! before grouping (every opened incident notifies) and after (one per
//! episode: a `cascading_failure` issue, or the incident alone), and the
//! root-cause hit rate when each alert names its episode's root cause
//! (see [`Grouping::grouped_alerts`]).
//!
//! The scorer of a batch replay sees every service at once, so its own
//! root causes are those of a single-partition stream; the correlator's
//! do not depend on partitioning, which is what makes them comparable
//! with a streaming deployment.

use std::collections::HashMap;

use forewarn_config::PipelineConfig;
use forewarn_core::contracts::PredictedIssue;
use forewarn_correlate::{Episode, Incident, Options};
use serde::Serialize;

use super::Alert;

/// What grouping made of a replay's events.
#[derive(Debug, Clone, Serialize)]
pub struct Grouping {
    /// Every episode, in onset order.
    pub episodes: Vec<Episode>,
    /// Alerts before grouping: opened incidents.
    pub pages_before: usize,
    /// Alerts after grouping: episodes.
    pub pages_after: usize,
    /// Episodes spanning several services (published as `cascading_failure`).
    pub cascades: usize,
    /// Incidents inside a cascade.
    pub cascade_members: usize,
    /// The alerts with `root_cause_service` set to their episode's root.
    pub grouped_alerts: Vec<Alert>,
}

/// Group the opened incidents among `events` over `pipeline`'s dependency
/// graph, and re-label `alerts` (the opened incidents of the same events)
/// with their episode's root cause.
pub fn group(
    pipeline: &PipelineConfig,
    events: &[PredictedIssue],
    alerts: &[Alert],
    options: Options,
) -> Grouping {
    let graph = forewarn_correlate::graph(pipeline);
    let episodes = forewarn_correlate::correlate(
        &graph,
        options,
        events.iter().filter_map(Incident::from_issue),
    );
    let root_of: HashMap<&str, &str> = episodes
        .iter()
        .flat_map(|e| {
            e.members
                .iter()
                .map(|m| (m.id.as_str(), e.root_cause_service.as_str()))
        })
        .collect();
    let grouped_alerts = alerts
        .iter()
        .map(|a| {
            let mut a = a.clone();
            if let Some(root) = root_of.get(a.id.as_str()) {
                a.root_cause_service = Some((*root).to_string());
            }
            a
        })
        .collect();
    let cascades: Vec<&Episode> = episodes.iter().filter(|e| e.is_cascade()).collect();
    Grouping {
        pages_before: alerts.len(),
        pages_after: episodes.len(),
        cascades: cascades.len(),
        cascade_members: cascades.iter().map(|e| e.members.len()).sum(),
        grouped_alerts,
        episodes,
    }
}
