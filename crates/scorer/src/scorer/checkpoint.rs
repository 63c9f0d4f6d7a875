//! [`ScorerState`]: everything a [`Scorer`](super::Scorer) has learned from
//! its input (the windows and trend state of every series, per-instance
//! state, open and pending incidents, the advisor's cooldowns, the log
//! miners and baselines), taken out for a checkpoint and put back into a
//! new scorer built from the same pipeline and model.
//!
//! What is derived from the pipeline and model (routes, cluster plans,
//! limits from the config) is not saved: it is resolved again when the
//! state is restored, so a checkpoint stays readable after a config change
//! that keeps the feature windows. Windows made for other windows are
//! refused series by series (the series then starts cold).

use forewarn_core::SeriesKey;
use forewarn_features::SeriesWindows;
use forewarn_models::cluster::ClusterState;
use serde::{Deserialize, Serialize};

use super::presence::PresenceState;
use super::state::{InstanceState, TrendTrack};
use super::univariate::SeriesUnivariate;
use crate::incidents::IncidentTracker;
use crate::logs::LogsState;
use crate::optimize::Advisor;

/// The learned state of a [`Scorer`](super::Scorer), serialisable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScorerState {
    pub(crate) series: Vec<SeriesEntry>,
    pub(crate) instances: Vec<InstanceEntry>,
    pub(crate) tracker: IncidentTracker,
    pub(crate) advisor: Advisor,
    /// Template miners and per-service log minutes and baselines.
    #[serde(default)]
    pub(crate) logs: Option<LogsState>,
    /// Event time of the next check for silent incidents.
    #[serde(default)]
    pub(crate) next_silence_check_ms: Option<i64>,
    /// Each service's learned cadence, and which are silent.
    #[serde(default)]
    pub(crate) presence: PresenceState,
}

/// One series: its windows and what the scorer keeps beside them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SeriesEntry {
    pub(crate) key: SeriesKey,
    pub(crate) windows: SeriesWindows,
    pub(crate) trend: Option<TrendTrack>,
    pub(crate) next_hourly_ms: i64,
    pub(crate) univariate: Option<SeriesUnivariate>,
}

/// One (service, instance).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InstanceEntry {
    pub(crate) service: String,
    pub(crate) instance: String,
    pub(crate) limits: Vec<(String, f64)>,
    pub(crate) next_cluster_ms: Option<i64>,
    pub(crate) cluster_engaged: bool,
    pub(crate) cpu_hours: Vec<f64>,
    #[serde(default)]
    pub(crate) cluster: Option<ClusterState>,
    #[serde(default)]
    pub(crate) cluster_first_ms: Option<i64>,
    #[serde(default)]
    pub(crate) cluster_last_ms: Option<i64>,
    /// Whether its health check was failing (a `service_down` is open).
    #[serde(default)]
    pub(crate) health_down: bool,
}

impl InstanceEntry {
    /// The saved part of `i`.
    pub(crate) fn of(i: &InstanceState) -> Self {
        Self {
            service: i.service.clone(),
            instance: i.instance.clone(),
            limits: i.limits.clone(),
            next_cluster_ms: i.next_cluster_ms,
            cluster_engaged: i.cluster_engaged,
            cpu_hours: i.cpu_hours.clone(),
            cluster: i.cluster.clone(),
            cluster_first_ms: i.cluster_first_ms,
            cluster_last_ms: i.cluster_last_ms,
            health_down: i.health_down,
        }
    }

    /// Put the saved part back into `i`.
    pub(crate) fn restore_into(self, i: &mut InstanceState) {
        i.limits = self.limits;
        i.next_cluster_ms = self.next_cluster_ms;
        i.cluster_engaged = self.cluster_engaged;
        i.cpu_hours = self.cpu_hours;
        i.cluster = self.cluster;
        i.cluster_first_ms = self.cluster_first_ms;
        i.cluster_last_ms = self.cluster_last_ms;
        i.health_down = self.health_down;
    }
}

impl ScorerState {
    /// Number of series in the state.
    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    /// Number of open incidents in the state.
    pub fn open_incidents(&self) -> usize {
        self.tracker.open_count()
    }
}

/// What [`Scorer::restore`](super::Scorer::restore) put back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Restored {
    /// Series restored warm.
    pub series: usize,
    /// Series whose windows did not fit the current feature spec (they
    /// start cold).
    pub refused: usize,
    /// Series restored but evicted at once, idlest first, because the
    /// checkpoint held more than the series cap.
    pub evicted: usize,
}
