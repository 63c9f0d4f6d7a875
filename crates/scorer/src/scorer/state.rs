//! What the scorer keeps per series (beside its windows, in the feature
//! engine) and per instance: the trend track of a capacity or SLO series,
//! the index of its univariate detector, the hourly-check schedule, an
//! instance's latest limits, its cluster schedule and CPU history. Plain
//! data, read and written by the evaluators and saved by the checkpoint.

use forewarn_models::cluster::ClusterState;
use forewarn_models::trend::{DailyProfile, GapMemo, HoltState};
use serde::{Deserialize, Serialize};

/// What a trend track knows of its series' restarts: the last value, the
/// largest fall from one sample to the next since the last forecast (the
/// forecast judges it against the limit), and until when the series is
/// warming up after a restart.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(crate) struct Restart {
    pub(crate) last: f64,
    pub(crate) fall: f64,
    pub(crate) fall_ms: i64,
    pub(crate) hold_until_ms: i64,
}

/// The trend state of one forecast series, as a checkpoint saves it (the
/// daily profile always present, the default one for a target without a
/// cycle).
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
    /// Restarts seen (absent from checkpoints before 2026-12-08).
    #[serde(default)]
    pub(crate) restart: Restart,
}

/// [`TrendTrack`] borrowed from a [`Track`], serialised byte for byte as
/// the owned one (a checkpoint is written without copying the state).
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct TrendTrackRef<'a> {
    holt: &'a HoltState,
    memo: &'a GapMemo,
    profile: &'a DailyProfile,
    first_ms: i64,
    next_eval_ms: i64,
    engaged: bool,
    restart: &'a Restart,
}

/// The profile a target without a daily cycle reads (it never updates
/// one): the empty one.
static NO_PROFILE: std::sync::LazyLock<DailyProfile> =
    std::sync::LazyLock::new(DailyProfile::default);

/// The live trend state of one forecast series: [`TrendTrack`] with its
/// daily profile (2.5 KB) boxed and made only for a target that projects
/// a cycle (SLO and saturation targets; a capacity target never reads
/// it).
#[derive(Debug, Clone, Default)]
pub(crate) struct Track {
    pub(crate) holt: HoltState,
    pub(crate) memo: GapMemo,
    pub(crate) profile: Option<Box<DailyProfile>>,
    pub(crate) first_ms: i64,
    pub(crate) next_eval_ms: i64,
    pub(crate) engaged: bool,
    pub(crate) restart: Restart,
}

impl Track {
    /// The daily profile (the empty one when none was made).
    pub(crate) fn profile(&self) -> &DailyProfile {
        self.profile.as_deref().unwrap_or(&NO_PROFILE)
    }

    /// The checkpoint's view of this track.
    pub(crate) fn saved(&self) -> TrendTrackRef<'_> {
        TrendTrackRef {
            holt: &self.holt,
            memo: &self.memo,
            profile: self.profile(),
            first_ms: self.first_ms,
            next_eval_ms: self.next_eval_ms,
            engaged: self.engaged,
            restart: &self.restart,
        }
    }

    /// The owned checkpoint form.
    pub(crate) fn to_saved(&self) -> TrendTrack {
        TrendTrack {
            holt: self.holt,
            memo: self.memo,
            profile: *self.profile(),
            first_ms: self.first_ms,
            next_eval_ms: self.next_eval_ms,
            engaged: self.engaged,
            restart: self.restart,
        }
    }

    /// A saved track put back; its profile kept only when the target
    /// projects a cycle (`seasonal`).
    pub(crate) fn from_saved(t: TrendTrack, seasonal: bool) -> Self {
        Self {
            holt: t.holt,
            memo: t.memo,
            profile: seasonal.then(|| Box::new(t.profile)),
            first_ms: t.first_ms,
            next_eval_ms: t.next_eval_ms,
            engaged: t.engaged,
            restart: t.restart,
        }
    }
}

/// The scorer's state of one series, kept beside its windows. The trend
/// track is boxed (most series have none), and its daily profile boxed
/// again (most trend targets have no cycle): held inline, every series
/// paid 2.6 KB for them (most of the scorer's memory per series,
/// measured).
#[derive(Debug, Clone)]
pub(crate) struct SeriesState {
    /// Index into the registry's routes.
    pub(crate) route: u32,
    /// Index into the registry's instances.
    pub(crate) instance: u32,
    pub(crate) trend: Option<Box<Track>>,
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
