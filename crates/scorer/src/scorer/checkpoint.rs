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
//!
//! [`ScorerStateRef`] is the same state borrowed from the live scorer: it
//! serialises to the same bytes as the [`ScorerState`] a snapshot would
//! make, without copying the state first (a checkpoint of 100,000 series
//! would otherwise hold it twice, and then free a heap of small blocks).

use forewarn_core::SeriesKey;
use forewarn_features::{SeriesWindows, StoredKey};
use forewarn_models::cluster::ClusterState;
use serde::{Deserialize, Serialize};

use super::presence::PresenceState;
use super::state::{InstanceState, SeriesState, TrendTrack, TrendTrackRef};
use super::univariate::{SeriesUnivariate, Univariate};
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

/// A [`ScorerState`] borrowed from a live [`Scorer`](super::Scorer)
/// ([`Scorer::state_ref`](super::Scorer::state_ref)): serialised, the
/// same bytes as the owned state of the same moment.
#[derive(Debug, Serialize)]
pub struct ScorerStateRef<'a> {
    pub(crate) series: SeriesRefs<'a>,
    pub(crate) instances: Vec<InstanceEntryRef<'a>>,
    pub(crate) tracker: &'a IncidentTracker,
    pub(crate) advisor: &'a Advisor,
    pub(crate) logs: Option<LogsState>,
    pub(crate) next_silence_check_ms: Option<i64>,
    pub(crate) presence: &'a PresenceState,
}

/// Every series, sorted by key, serialised as a sequence of
/// [`SeriesEntry`].
#[derive(Debug)]
pub(crate) struct SeriesRefs<'a> {
    pub(crate) entries: Vec<(&'a StoredKey, &'a SeriesWindows, &'a SeriesState)>,
    pub(crate) univariate: &'a Univariate,
}

/// A [`SeriesEntry`] borrowed.
#[derive(Serialize)]
struct SeriesEntryRef<'a> {
    key: &'a StoredKey,
    windows: &'a SeriesWindows,
    trend: Option<TrendTrackRef<'a>>,
    next_hourly_ms: i64,
    univariate: Option<&'a SeriesUnivariate>,
}

impl Serialize for SeriesRefs<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.entries
                .iter()
                .map(|(key, windows, st)| SeriesEntryRef {
                    key,
                    windows,
                    trend: st.trend.as_deref().map(|t| t.saved()),
                    next_hourly_ms: st.next_hourly_ms,
                    univariate: st.univariate.map(|u| self.univariate.get(u)),
                }),
        )
    }
}

/// An [`InstanceEntry`] borrowed.
#[derive(Debug, Serialize)]
pub(crate) struct InstanceEntryRef<'a> {
    service: &'a str,
    instance: &'a str,
    limits: &'a [(String, f64)],
    next_cluster_ms: Option<i64>,
    cluster_engaged: bool,
    cpu_hours: &'a [f64],
    cluster: Option<&'a ClusterState>,
    cluster_first_ms: Option<i64>,
    cluster_last_ms: Option<i64>,
    health_down: bool,
}

impl<'a> InstanceEntryRef<'a> {
    /// The saved part of `i`, borrowed.
    pub(crate) fn of(i: &'a InstanceState) -> Self {
        Self {
            service: &i.service,
            instance: &i.instance,
            limits: &i.limits,
            next_cluster_ms: i.next_cluster_ms,
            cluster_engaged: i.cluster_engaged,
            cpu_hours: &i.cpu_hours,
            cluster: i.cluster.as_ref(),
            cluster_first_ms: i.cluster_first_ms,
            cluster_last_ms: i.cluster_last_ms,
            health_down: i.health_down,
        }
    }
}

impl ScorerStateRef<'_> {
    /// Number of series in the state.
    pub fn series_count(&self) -> usize {
        self.series.entries.len()
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

impl super::Scorer {
    /// Take the learned state out (the scorer is unchanged).
    pub fn snapshot(&self) -> ScorerState {
        let univariate = &self.evaluators.univariate;
        let mut series: Vec<SeriesEntry> = self
            .engine
            .iter()
            .map(|(key, windows, st)| SeriesEntry {
                key: key.to_key(),
                windows: windows.clone(),
                trend: st.trend.as_deref().map(super::state::Track::to_saved),
                next_hourly_ms: st.next_hourly_ms,
                univariate: st.univariate.map(|u| univariate.get(u).clone()),
            })
            .collect();
        // Hash-map order is not stable; a sorted state makes checkpoints of
        // equal state byte-identical.
        series.sort_by(|a, b| a.key.cmp(&b.key));
        ScorerState {
            series,
            instances: self
                .registry
                .instances
                .iter()
                .map(InstanceEntry::of)
                .collect(),
            tracker: self.tracker.clone(),
            advisor: self.advisor.clone(),
            logs: self.logs.as_ref().map(|l| l.state()),
            next_silence_check_ms: Some(self.next_silence_check_ms),
            presence: self.presence.state().clone(),
        }
    }

    /// The learned state borrowed, for a checkpoint: serialised, the same
    /// bytes as [`Self::snapshot`]'s, with no copy of the state made.
    pub fn state_ref(&self) -> ScorerStateRef<'_> {
        let mut entries: Vec<_> = self.engine.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        ScorerStateRef {
            series: SeriesRefs {
                entries,
                univariate: &self.evaluators.univariate,
            },
            instances: self
                .registry
                .instances
                .iter()
                .map(InstanceEntryRef::of)
                .collect(),
            tracker: &self.tracker,
            advisor: &self.advisor,
            logs: self.logs.as_ref().map(|l| l.state()),
            next_silence_check_ms: Some(self.next_silence_check_ms),
            presence: self.presence.state(),
        }
    }
}
