//! What the scorer keeps per series (beside its windows, in the feature
//! engine) and per instance: the trend track of a capacity or SLO series,
//! the index of its univariate detector, the hourly-check schedule, an
//! instance's latest limits, its cluster schedule and CPU history. Plain
//! data, read and written by the evaluators and saved by the checkpoint.

use forewarn_models::cluster::ClusterState;
use forewarn_models::trend::{DailyProfile, GapMemo, HoltState};
use serde::{Deserialize, Serialize};

/// The trend state of one forecast series.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct TrendTrack {
    pub(crate) holt: HoltState,
    pub(crate) memo: GapMemo,
    /// The series' daily cycle, projected when it repeats day over day.
    pub(crate) profile: DailyProfile,
    pub(crate) first_ms: i64,
    pub(crate) next_eval_ms: i64,
    /// Whether the tracker may hold state for this target (see
    /// [`Stamp::worth_emitting`](super::signal::Stamp::worth_emitting)).
    pub(crate) engaged: bool,
}

/// The scorer's state of one series, kept beside its windows. The trend
/// track is boxed: with its daily profile it is about 2.6 KB, and held
/// inline every series paid for it, those without a trend too (most of
/// the scorer's memory per series, measured).
#[derive(Debug, Clone)]
pub(crate) struct SeriesState {
    /// Index into the registry's routes.
    pub(crate) route: u32,
    /// Index into the registry's instances.
    pub(crate) instance: u32,
    pub(crate) trend: Option<Box<TrendTrack>>,
    pub(crate) next_hourly_ms: i64,
    /// Index of the series' univariate detector, for series with one.
    pub(crate) univariate: Option<u32>,
}

/// State of one (service, instance).
#[derive(Debug, Clone)]
pub(crate) struct InstanceState {
    pub(crate) service: String,
    pub(crate) instance: String,
    /// Latest value of each limit metric.
    pub(crate) limits: Vec<(String, f64)>,
    /// Index of the cluster plan covering the service, if any.
    pub(crate) plan: Option<usize>,
    pub(crate) next_cluster_ms: Option<i64>,
    /// Whether the tracker may hold cluster state for this instance.
    pub(crate) cluster_engaged: bool,
    /// The instance's baseline, as learned online (from its first
    /// evaluation on).
    pub(crate) cluster: Option<ClusterState>,
    /// Event time of its first and latest cluster evaluation (ms).
    pub(crate) cluster_first_ms: Option<i64>,
    pub(crate) cluster_last_ms: Option<i64>,
    /// Whether its missing features were reported.
    pub(crate) missing_reported: bool,
    /// Hourly p95 CPU utilisation, newest last (at most a day).
    pub(crate) cpu_hours: Vec<f64>,
    /// Event time of its newest metric sample (ms), so the service's
    /// cadence is learned once per tick, not once per series.
    pub(crate) seen_ms: i64,
    /// Whether its health check is failing (`roles.health` read 0).
    pub(crate) health_down: bool,
}
