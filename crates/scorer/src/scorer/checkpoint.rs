//! [`ScorerState`]: everything a [`Scorer`] has learned from its input (the
//! windows and trend state of every series, per-instance state, open and
//! pending incidents, the advisor's cooldowns), taken out for a checkpoint
//! and put back into a new scorer built from the same pipeline and model.
//!
//! What is derived from the pipeline and model (routes, cluster plans,
//! limits from the config) is not saved: it is resolved again when the
//! state is restored, so a checkpoint stays readable after a config change
//! that keeps the feature windows. Windows made for other windows are
//! refused series by series (the series then starts cold).
//!
//! Also here: bounded memory ([`Scorer::evict_idle`], the series cap).

use forewarn_core::SeriesKey;
use forewarn_features::SeriesWindows;
use serde::{Deserialize, Serialize};

use super::{InstanceState, Scorer, ScorerOptions, SeriesState, TrendTrack, Univariate};
use crate::incidents::IncidentTracker;
use crate::logs::LogsState;
use crate::optimize::Advisor;
use forewarn_config::PipelineConfig;
use forewarn_models::artifact::Model;

/// The learned state of a [`Scorer`], serialisable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScorerState {
    series: Vec<SeriesEntry>,
    instances: Vec<InstanceEntry>,
    tracker: IncidentTracker,
    advisor: Advisor,
    /// Template miners and per-service log minutes and baselines.
    #[serde(default)]
    logs: Option<LogsState>,
    /// Event time of the next check for silent incidents.
    #[serde(default)]
    next_silence_check_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SeriesEntry {
    key: SeriesKey,
    windows: SeriesWindows,
    trend: Option<TrendTrack>,
    next_hourly_ms: i64,
    univariate: Option<Univariate>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct InstanceEntry {
    service: String,
    instance: String,
    limits: Vec<(String, f64)>,
    next_cluster_ms: Option<i64>,
    cluster_engaged: bool,
    cpu_hours: Vec<f64>,
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

/// What [`Scorer::restore`] put back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Restored {
    /// Series restored warm.
    pub series: usize,
    /// Series whose windows did not fit the current feature spec (they
    /// start cold).
    pub refused: usize,
}

impl Scorer {
    /// Take the learned state out (the scorer is unchanged).
    pub fn snapshot(&self) -> ScorerState {
        let mut series: Vec<SeriesEntry> = self
            .engine
            .iter()
            .map(|(key, windows, st)| SeriesEntry {
                key: key.clone(),
                windows: windows.clone(),
                trend: st.trend,
                next_hourly_ms: st.next_hourly_ms,
                univariate: st.univariate.map(|u| self.univariate[u as usize].clone()),
            })
            .collect();
        // Hash-map order is not stable; a sorted state makes checkpoints of
        // equal state byte-identical.
        series.sort_by(|a, b| a.key.cmp(&b.key));
        let instances = self
            .registry
            .instances
            .iter()
            .map(|i| InstanceEntry {
                service: i.service.clone(),
                instance: i.instance.clone(),
                limits: i.limits.clone(),
                next_cluster_ms: i.next_cluster_ms,
                cluster_engaged: i.cluster_engaged,
                cpu_hours: i.cpu_hours.clone(),
            })
            .collect();
        ScorerState {
            series,
            instances,
            tracker: self.tracker.clone(),
            advisor: self.advisor.clone(),
            logs: self.logs.as_ref().map(|l| l.state()),
            next_silence_check_ms: Some(self.next_silence_check_ms),
        }
    }

    /// A scorer for `pipeline` and `model` that resumes from `state`.
    pub fn restore(
        pipeline: PipelineConfig,
        model: Model,
        opts: ScorerOptions,
        state: ScorerState,
    ) -> Result<(Self, Restored), String> {
        let mut s = Self::new(pipeline, model, opts)?;
        let mut done = Restored::default();
        for i in state.instances {
            let key = SeriesKey::new(&i.service, &i.instance, "");
            let idx = s.registry.instance(&key, &s.plan_of) as usize;
            let InstanceState {
                limits,
                next_cluster_ms,
                cluster_engaged,
                cpu_hours,
                ..
            } = &mut s.registry.instances[idx];
            *limits = i.limits;
            *next_cluster_ms = i.next_cluster_ms;
            *cluster_engaged = i.cluster_engaged;
            *cpu_hours = i.cpu_hours;
        }
        for e in state.series {
            let route = s.registry.route(&s.pipeline, &s.model, &e.key);
            let instance = s.registry.instance(&e.key, &s.plan_of);
            let r = &s.registry.routes[route as usize];
            let univariate = match e.univariate {
                Some(u) if r.univariate => {
                    s.univariate.push(u);
                    Some(s.univariate.len() as u32 - 1)
                }
                _ => None,
            };
            let st = SeriesState {
                route,
                instance,
                trend: e.trend.filter(|_| r.trend.is_some()),
                next_hourly_ms: e.next_hourly_ms,
                univariate,
            };
            if s.engine.insert(e.key, e.windows, st) {
                done.series += 1;
            } else {
                if univariate.is_some() {
                    s.univariate.pop();
                }
                done.refused += 1;
            }
        }
        s.tracker = state.tracker;
        s.advisor = state.advisor;
        if let (Some(logs), Some(st)) = (s.logs.as_mut(), state.logs) {
            logs.restore(st)?;
        }
        s.next_silence_check_ms = state.next_silence_check_ms.unwrap_or(i64::MIN);
        // Checkpoints from before the tracker kept last signal times: take
        // the newest event time as every open incident's last signal.
        if let Some(newest) = s.newest_ms() {
            s.tracker.assume_seen(newest);
        }
        Ok((s, done))
    }

    /// Number of series tracked.
    pub fn series_count(&self) -> usize {
        self.engine.series_count()
    }

    /// Newest event time (ms) of any series tracked.
    pub fn newest_ms(&self) -> Option<i64> {
        self.engine
            .iter()
            .filter_map(|(_, w, _)| w.watermark())
            .max()
    }

    /// Change the series cap (new series over it are refused and counted).
    pub fn set_max_series(&mut self, max_series: usize) {
        self.engine.set_max_series(max_series);
    }

    /// Forget every series whose newest sample is older than `before_ms`
    /// (event time), with its detector, and the log state of every service
    /// whose logs have been quiet as long (measured on the logs' own clock).
    /// Their open incidents are resolved by the silence check of the input
    /// path ([`ScorerOptions::silence_ms`]). Returns how many series were
    /// evicted.
    pub fn evict_idle(&mut self, before_ms: i64) -> usize {
        let idle_ms = self.newest_ms().map_or(0, |n| n - before_ms);
        if let Some(logs) = self.logs.as_mut() {
            logs.evict_idle(idle_ms);
        }
        let evicted = self.engine.evict_idle(before_ms);
        if evicted > 0 && !self.univariate.is_empty() {
            // Keep only the detectors of remaining series, renumbered.
            let old = std::mem::take(&mut self.univariate);
            let mut slots: Vec<Option<Univariate>> = old.into_iter().map(Some).collect();
            for st in self.engine.states_mut() {
                if let Some(u) = st.univariate.as_mut()
                    && let Some(d) = slots[*u as usize].take()
                {
                    *u = self.univariate.len() as u32;
                    self.univariate.push(d);
                }
            }
        }
        evicted
    }
}
