//! [`Scorer`]: samples in, events out. One scorer owns the feature windows
//! of its series, the trend state of capacity and SLO series, the incident
//! tracker, the optimization advisor and the dependency graph. Data flows
//! one way:
//!
//! sample → [`FeatureEngine`] (windows, and this scorer's per-series state
//! beside them) → trend forecast (capacity and SLO series), cluster score
//! (per instance) and, for the metrics the pipeline lists under
//! `models.anomaly.univariate`, the online univariate detector (per series,
//! every sample) → [`Signal`] → [`IncidentTracker`] → events; and
//! hourly CPU and latency summaries → [`Advisor`] → optimization events.
//!
//! Cost. Windows are updated on every sample; models are evaluated on an
//! event-time cadence per series or instance
//! ([`ScorerOptions::eval_every_ms`]). Everything a series needs (its
//! route: trend target, limit role, hourly checks; its instance) is
//! resolved once, when the series is first seen, and kept beside its
//! windows: a sample costs one hash lookup of borrowed strings and no
//! allocation. Cluster evaluations read only the windows their model uses.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_config::PipelineConfig;
use forewarn_core::SeriesKey;
use forewarn_core::contracts::{
    Evidence, FailureInterval, IssueKind, LogRecord, MetricSample, ModelRef, OptimizationEvent,
    OptimizationKind, PredictedIssue, RecommendedAction,
};
use forewarn_features::engine::EngineRejected;
use forewarn_features::series::PushOutcome;
use forewarn_features::{CompiledSpec, Feature, FeatureEngine, SeriesRef};
use forewarn_models::artifact::Model;
use forewarn_models::cluster::ClusterModel;
use forewarn_models::trend::{
    DailyProfile, GapMemo, HoltState, Projection, TrendParams, crossing, seasonal_crossing,
};
use forewarn_models::univariate::{DetectorConfig, SeriesDetector};

use serde::{Deserialize, Serialize};

use crate::incidents::{IncidentPolicy, IncidentTracker, Signal};
use crate::logs::{Belief, LOG_FEATURES, Logs};
use crate::optimize::{self, Advice, Advisor, DAY_MS, OVER_PROVISIONED_HOURS};
use crate::root_cause::DependencyGraph;

mod checkpoint;
pub use checkpoint::{Restored, ScorerState};

/// Knobs of the scorer that are not part of the pipeline file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorerOptions {
    /// How often (event time) each series' models are evaluated.
    pub eval_every_ms: i64,
    /// Most series tracked at once.
    pub max_series: usize,
    /// Model name and version stamped on events.
    pub model_ref: ModelRef,
    /// An open incident without a signal for this long (event time) is
    /// resolved: its series went idle or were evicted, its service stopped
    /// logging. Checked once a minute of event time.
    pub silence_ms: i64,
}

impl Default for ScorerOptions {
    fn default() -> Self {
        Self {
            eval_every_ms: 30_000,
            max_series: 1_000_000,
            silence_ms: 6 * 3_600_000,
            model_ref: ModelRef {
                name: "untrained".into(),
                version: "0".into(),
            },
        }
    }
}

/// What one or more samples caused, by destination topic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Events {
    /// Predicted-issue events (opened, updated, resolved).
    pub issues: Vec<PredictedIssue>,
    /// Optimization advice.
    pub optimizations: Vec<OptimizationEvent>,
}

impl Events {
    /// Whether there is nothing to publish.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty() && self.optimizations.is_empty()
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.issues.len() + self.optimizations.len()
    }

    /// Forget every event (keeping the buffers).
    pub fn clear(&mut self) {
        self.issues.clear();
        self.optimizations.clear();
    }
}

/// z of the crossing interval of the regression projection: about 95 %
/// if the residuals were independent (they are not quite, so the interval
/// is optimistic).
const REGRESSION_Z: f64 = 2.0;

/// An hour, the cadence of the advisor's checks.
const HOUR_MS: i64 = 3_600_000;

static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

/// What a forecast series runs into.
#[derive(Debug, Clone)]
struct TrendTarget {
    issue: IssueKind,
    /// Metric carrying the limit (per instance), if any.
    limit_metric: Option<String>,
    /// Fixed limit from the service config or SLO, if any.
    limit_value: Option<f64>,
    /// Fitted parameters for this metric.
    params: TrendParams,
    /// Whether a repeating daily cycle is projected (SLO targets: latency
    /// and error rate follow traffic; capacity limits are reached by
    /// trends, and a cycle there, such as nightly disk clean-up, would
    /// move the predicted exhaustion by hours).
    seasonal: bool,
}

/// Hourly checks of the advisor a series feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hourly {
    None,
    Cpu,
    Latency { timeout_ms: i64 },
}

/// Everything a (service, metric) needs, resolved once.
#[derive(Debug, Clone)]
struct Route {
    trend: Option<TrendTarget>,
    is_limit: bool,
    hourly: Hourly,
    univariate: bool,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct TrendTrack {
    holt: HoltState,
    memo: GapMemo,
    /// The series' daily cycle, projected when it repeats day over day.
    profile: DailyProfile,
    first_ms: i64,
    next_eval_ms: i64,
    /// Whether the tracker may hold state for this target (see
    /// [`Scorer::worth_emitting`]).
    engaged: bool,
}

/// The scorer's state of one series, kept beside its windows.
#[derive(Debug, Clone, Copy)]
struct SeriesState {
    route: u32,
    instance: u32,
    trend: Option<TrendTrack>,
    next_hourly_ms: i64,
    /// Index into `Scorer::univariate`, for series with a detector.
    univariate: Option<u32>,
}

/// The online univariate detector of one series.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Univariate {
    scorer: SeriesDetector,
    engaged: bool,
    /// The held probability and when it was last updated (ms).
    held: f64,
    held_ms: i64,
}

/// Detector scores at or under this are no evidence at all; the rest of
/// the range maps linearly to a probability (0.995 → 0.9).
const UNIVARIATE_FLOOR: f64 = 0.95;

/// How fast a univariate probability decays after the detector's spike,
/// per minute. The detector marks the onset of an anomaly with one high
/// score and then suppresses repeats (as NAB rewards); holding the
/// probability lets the tracker's minimum duration and hysteresis apply to
/// it like to every other signal: a spike to 0.975 stays above the default
/// 0.9 threshold for 7 minutes and resolves about 17 minutes later.
const UNIVARIATE_DECAY_PER_MIN: f64 = 0.01;

/// How fast a log-anomaly probability decays between minutes: a minute at
/// 1.0 stays over the default 0.9 threshold for two minutes (past the
/// tracker's one-minute minimum) and resolves four minutes later.
const LOG_DECAY_PER_MIN: f64 = 0.05;

/// State of one (service, instance).
#[derive(Debug, Clone)]
struct InstanceState {
    service: String,
    instance: String,
    /// Latest value of each limit metric.
    limits: Vec<(String, f64)>,
    /// Index into `Scorer::plans`, when a cluster model covers the service.
    plan: Option<usize>,
    next_cluster_ms: Option<i64>,
    /// Whether the tracker may hold cluster state for this instance.
    cluster_engaged: bool,
    /// Hourly p95 CPU utilisation, newest last (at most a day).
    cpu_hours: Vec<f64>,
}

/// A cluster model and where its features live: per (metric, window), the
/// positions of the window's features in the model's vector.
#[derive(Debug, Clone)]
struct ClusterPlan {
    model: ClusterModel,
    groups: Vec<Group>,
}

/// The features a cluster model reads from one window of one metric.
#[derive(Debug, Clone)]
struct Group {
    metric: String,
    window: usize,
    /// Whether any of them is a quantile.
    quantiles: bool,
    /// (position in the window's features, position in the model's vector)
    positions: Vec<(usize, usize)>,
}

impl ClusterPlan {
    fn new(model: &ClusterModel, spec: &CompiledSpec) -> Result<Self, String> {
        let features = &spec.spec.features;
        let mut groups: Vec<Group> = Vec::new();
        for (pos, id) in model.features.iter().enumerate() {
            // `metric.window.feature`; metric names have no dots.
            let mut parts = id.splitn(3, '.');
            let (Some(metric), Some(window), Some(feature)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(format!(
                    "cluster feature {id:?} is not metric.window.feature"
                ));
            };
            let w = spec
                .windows
                .iter()
                .position(|cw| cw.name == window)
                .ok_or_else(|| format!("cluster feature {id:?}: no window {window:?}"))?;
            let f = features
                .iter()
                .position(|f| f.name() == feature)
                .ok_or_else(|| format!("cluster feature {id:?}: no feature {feature:?}"))?;
            let quantile = matches!(features[f], Feature::P50 | Feature::P95 | Feature::P99);
            match groups
                .iter_mut()
                .find(|g| g.metric == metric && g.window == w)
            {
                Some(g) => {
                    g.positions.push((f, pos));
                    g.quantiles |= quantile;
                }
                None => groups.push(Group {
                    metric: metric.to_string(),
                    window: w,
                    quantiles: quantile,
                    positions: vec![(f, pos)],
                }),
            }
        }
        Ok(Self {
            model: model.clone(),
            groups,
        })
    }
}

/// Routes and instances, resolved when a series is first seen.
#[derive(Debug, Default)]
struct Registry {
    routes: Vec<Route>,
    route_index: HashMap<(String, String), u32>,
    instances: Vec<InstanceState>,
    instance_index: HashMap<(String, String), u32>,
}

/// Turns samples into predicted-issue and optimization events.
#[derive(Debug)]
pub struct Scorer {
    pipeline: PipelineConfig,
    model: Model,
    opts: ScorerOptions,
    engine: FeatureEngine<SeriesState>,
    registry: Registry,
    plans: Vec<ClusterPlan>,
    /// Service → index into `plans` (the fallback under "").
    plan_of: HashMap<String, usize>,
    policy: IncidentPolicy,
    graph: DependencyGraph,
    tracker: IncidentTracker,
    advisor: Advisor,
    /// The univariate detectors' feature spec (one window) and config.
    univariate_spec: CompiledSpec,
    univariate_cfg: DetectorConfig,
    univariate: Vec<Univariate>,
    window_buf: Vec<f64>,
    x_buf: Vec<f64>,
    horizon_s: f64,
    min_history_ms: i64,
    /// Index of the longest window, and its length.
    longest: usize,
    longest_ms: i64,
    /// Feature positions within a window.
    at: FeatureAt,
    /// Log mining, features and beliefs, when the pipeline reads logs.
    logs: Option<Logs>,
    /// Event time (ms) of the next check for silent incidents.
    next_silence_check_ms: i64,
}

#[derive(Debug, Clone, Copy)]
struct FeatureAt {
    count: Option<usize>,
    mean: Option<usize>,
    slope: Option<usize>,
    slope_se: Option<usize>,
    p50: Option<usize>,
    p95: Option<usize>,
}

fn ts_of(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

fn default_action(kind: IssueKind) -> RecommendedAction {
    match kind {
        IssueKind::MemoryExhaustion | IssueKind::GcThrash => RecommendedAction::Restart,
        IssueKind::ConnectionPoolExhaustion => RecommendedAction::Reconnect,
        IssueKind::DiskExhaustion => RecommendedAction::Notify,
        IssueKind::QueueBacklog | IssueKind::CpuSaturation | IssueKind::LatencyDegradation => {
            RecommendedAction::Scale
        }
        _ => RecommendedAction::Notify,
    }
}

/// Kinds whose trend calls for more capacity before it crosses.
fn load_driven(kind: IssueKind) -> bool {
    matches!(
        kind,
        IssueKind::QueueBacklog
            | IssueKind::ConnectionPoolExhaustion
            | IssueKind::LatencyDegradation
            | IssueKind::CpuSaturation
    )
}

fn human_secs(s: f64) -> String {
    let m = (s / 60.0).round() as i64;
    if m < 60 {
        format!("{m} min")
    } else {
        format!("{}h{:02}", m / 60, m % 60)
    }
}

impl Registry {
    fn route(&mut self, pipeline: &PipelineConfig, model: &Model, key: &SeriesKey) -> u32 {
        let k = (key.service.clone(), key.metric.clone());
        if let Some(i) = self.route_index.get(&k) {
            return *i;
        }
        let svc = pipeline.services.get(&key.service);
        let trend_cfg = &pipeline.models.trend;
        let mut trend = None;
        if trend_cfg.enabled {
            if let Some(r) = trend_cfg.capacity.iter().find(|r| r.metric == key.metric) {
                trend = Some(TrendTarget {
                    issue: r.issue,
                    limit_metric: r.limit_metric.clone(),
                    limit_value: r.limit.and_then(|l| svc.and_then(|c| c.limits.get(l))),
                    params: *model.trend_for(&key.metric),
                    seasonal: false,
                });
            } else if let Some(c) = svc {
                let slo = match key.metric.as_str() {
                    "latency_p99_ms" => c
                        .slo
                        .latency_p99_ms
                        .map(|v| (IssueKind::LatencyDegradation, v)),
                    "error_rate" => c.slo.error_rate.map(|v| (IssueKind::ErrorRateIncrease, v)),
                    _ => None,
                };
                trend = slo.map(|(issue, v)| TrendTarget {
                    issue,
                    limit_metric: None,
                    limit_value: Some(v),
                    params: *model.trend_for(&key.metric),
                    seasonal: true,
                });
            }
        }
        let hourly = match key.metric.as_str() {
            "cpu_utilization" => Hourly::Cpu,
            "latency_p99_ms" => {
                svc.and_then(|c| c.timeout)
                    .map_or(Hourly::None, |t| Hourly::Latency {
                        timeout_ms: t.as_millis(),
                    })
            }
            _ => Hourly::None,
        };
        let route = Route {
            trend,
            univariate: pipeline.models.anomaly.enabled
                && pipeline.models.anomaly.univariate.contains(&key.metric),
            is_limit: trend_cfg
                .capacity
                .iter()
                .any(|r| r.limit_metric.as_deref() == Some(key.metric.as_str())),
            hourly,
        };
        let i = self.routes.len() as u32;
        self.routes.push(route);
        self.route_index.insert(k, i);
        i
    }

    fn instance(&mut self, key: &SeriesKey, plan_of: &HashMap<String, usize>) -> u32 {
        let k = (key.service.clone(), key.instance.clone());
        if let Some(i) = self.instance_index.get(&k) {
            return *i;
        }
        let i = self.instances.len() as u32;
        self.instances.push(InstanceState {
            service: key.service.clone(),
            instance: key.instance.clone(),
            limits: Vec::new(),
            plan: plan_of
                .get(&key.service)
                .or_else(|| plan_of.get(""))
                .copied(),
            next_cluster_ms: None,
            cluster_engaged: false,
            cpu_hours: Vec::new(),
        });
        self.instance_index.insert(k, i);
        i
    }
}

impl Scorer {
    /// A scorer for `pipeline` with the fitted `model`.
    pub fn new(
        pipeline: PipelineConfig,
        model: Model,
        opts: ScorerOptions,
    ) -> Result<Self, String> {
        let spec: CompiledSpec = pipeline.features.compile().map_err(|p| {
            format!(
                "features: {}",
                p.iter()
                    .map(|x| format!("{}: {}", x.path, x.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })?;
        let policy = IncidentPolicy::from(&pipeline.thresholds);
        let graph = DependencyGraph::new(
            pipeline
                .services
                .iter()
                .map(|(n, s)| (n.clone(), s.depends_on.clone())),
        );
        let (mut plans, mut plan_of) = (Vec::new(), HashMap::new());
        if pipeline.models.anomaly.enabled {
            for (service, m) in &model.services {
                plan_of.insert(service.clone(), plans.len());
                plans.push(ClusterPlan::new(m, &spec)?);
            }
            if let Some(m) = &model.fallback {
                plan_of.insert(String::new(), plans.len());
                plans.push(ClusterPlan::new(m, &spec)?);
            }
        }
        let univariate_cfg = DetectorConfig::default();
        let univariate_spec = univariate_cfg.feature_spec().compile().map_err(|p| {
            format!(
                "univariate detector: {}",
                p.iter()
                    .map(|x| format!("{}: {}", x.path, x.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })?;
        let per_window = spec.spec.features.len();
        let pos = |f: Feature| spec.spec.features.iter().position(|x| *x == f);
        let at = FeatureAt {
            count: pos(Feature::Count),
            mean: pos(Feature::Mean),
            slope: pos(Feature::Slope),
            slope_se: pos(Feature::SlopeStderr),
            p50: pos(Feature::P50),
            p95: pos(Feature::P95),
        };
        let longest = spec
            .windows
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| w.pane_ms * w.panes)
            .map_or(0, |(i, _)| i);
        let longest_ms = spec.windows.get(longest).map_or(0, |w| w.pane_ms * w.panes);
        let lc = &pipeline.models.logs;
        let logs = match (&pipeline.sources.logs, lc.enabled) {
            (Some(_), true) => Some(Logs::new(&lc.masks, lc.warmup.as_millis())?),
            _ => None,
        };
        Ok(Self {
            horizon_s: pipeline.models.trend.horizon.as_secs_f64(),
            min_history_ms: pipeline.models.trend.min_history.as_millis(),
            engine: FeatureEngine::new(spec, opts.max_series),
            registry: Registry::default(),
            plans,
            plan_of,
            policy,
            graph,
            tracker: IncidentTracker::default(),
            advisor: Advisor::default(),
            univariate_spec,
            univariate_cfg,
            univariate: Vec::new(),
            window_buf: vec![f64::NAN; per_window],
            x_buf: Vec::new(),
            longest,
            longest_ms,
            at,
            logs,
            next_silence_check_ms: i64::MIN,
            pipeline,
            model,
            opts,
        })
    }

    /// The feature engine (statistics, series count, memory).
    pub fn engine(&self) -> &FeatureEngine<impl Sized> {
        &self.engine
    }

    /// The incident tracker.
    pub fn tracker(&self) -> &IncidentTracker {
        &self.tracker
    }

    /// Apply one sample; the events it caused (usually none) are appended
    /// to `out`. A sample the feature engine refuses (late, non-finite,
    /// over the series cap) is returned as the error and changes nothing
    /// else.
    pub fn on_metric(&mut self, s: &MetricSample, out: &mut Events) -> Result<(), EngineRejected> {
        self.resolve_silent(s.ts.timestamp_millis(), out);
        self.sample(s, out, true)
    }

    /// Once a minute of event time (at `ts`, on the input's own clock, so
    /// a replay resolves the same incidents at the same points): resolve
    /// the open incidents without a signal for `silence_ms`.
    fn resolve_silent(&mut self, ts: i64, out: &mut Events) {
        if ts < self.next_silence_check_ms {
            return;
        }
        let minute = ts.div_euclid(60_000) * 60_000;
        self.next_silence_check_ms = minute + 60_000;
        let before = ts_of(minute - self.opts.silence_ms);
        let suppress = TimeDelta::milliseconds(self.policy.suppress_ms);
        out.issues
            .extend(self.tracker.expire_silent(before, suppress));
    }

    /// Apply one log record: counted in its service's open minute; when
    /// it closes that minute, the minute's log features go into the
    /// windows as series of the service (instance "", see
    /// [`crate::logs::LOG_FEATURES`]) and the log-anomaly detector judges
    /// it. Does nothing when the pipeline has no `sources.logs` or
    /// `models.logs.enabled` is false.
    pub fn on_log(&mut self, r: &LogRecord, out: &mut Events) {
        if self.logs.is_none() {
            return;
        }
        self.resolve_silent(r.ts.timestamp_millis(), out);
        let Some(logs) = self.logs.as_mut() else {
            return;
        };
        let Some((minute, belief)) = logs.push(r) else {
            return;
        };
        let mut s = MetricSample {
            schema_version: forewarn_core::SCHEMA_VERSION,
            ts: ts_of(minute.end_ms),
            service: r.service.clone(),
            instance: String::new(),
            metric: String::new(),
            value: 0.0,
            labels: BTreeMap::new(),
        };
        for (name, v) in LOG_FEATURES.iter().zip(minute.features) {
            s.metric.clear();
            s.metric.push_str(name);
            s.value = v;
            // Refused only when late or over the series cap; the belief
            // below does not depend on it.
            let _ = self.sample(&s, out, false);
        }
        self.log_anomaly(&r.service, minute.end_ms, belief, out);
    }

    /// Hold the log belief of `service` (it decays 0.05 a minute, so a
    /// one-minute spike lasts past the tracker's minimum duration) and
    /// pass it on with its evidence: the log features, the template behind
    /// it with example lines, and the service's other open incidents.
    fn log_anomaly(
        &mut self,
        service: &str,
        end_ms: i64,
        belief: Option<Belief>,
        out: &mut Events,
    ) {
        let Some(b) = belief else { return };
        let threshold = self.policy.threshold(IssueKind::LogAnomaly);
        let Some(st) = self.logs.as_mut().and_then(|l| l.service_mut(service)) else {
            return;
        };
        let minutes = (end_ms - st.held_ms).max(0) as f64 / 60_000.0;
        let decayed = st.held - LOG_DECAY_PER_MIN * minutes;
        if b.probability >= decayed {
            st.held = b.probability;
            st.why = Some(b);
        } else {
            st.held = decayed;
        }
        st.held_ms = end_ms;
        let (probability, was) = (st.held, st.engaged);
        let Some(why) = st.why.clone() else { return };
        let (emit, engaged) = self.worth_emitting(IssueKind::LogAnomaly, probability, was);
        if let Some(st) = self.logs.as_mut().and_then(|l| l.service_mut(service)) {
            st.engaged = engaged;
        }
        if !emit {
            return;
        }
        let total: f64 = why.parts.iter().map(|p| p.3).sum::<f64>().max(1e-9);
        let mut evidence: Vec<Evidence> = why
            .parts
            .iter()
            .map(|(feature, value, baseline, strength)| Evidence {
                feature: feature.clone(),
                value: *value,
                baseline: Some(*baseline),
                contribution: strength / total,
            })
            .collect();
        let mut related: Vec<&PredictedIssue> = self
            .tracker
            .open()
            .filter(|i| i.service == service && i.kind != IssueKind::LogAnomaly)
            .collect();
        related.sort_by(|a, b| a.id.cmp(&b.id));
        evidence.extend(related.into_iter().map(|i| {
            let kind = serde_json::to_value(i.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let target = if i.instance.is_empty() {
                String::new()
            } else {
                format!(".{}", i.instance)
            };
            Evidence {
                feature: format!("open_issue.{kind}{target}"),
                value: i.probability,
                baseline: None,
                contribution: 0.0,
            }
        }));
        let signal = Signal {
            service: service.to_string(),
            evidence,
            // The template of the minute the belief comes from, when that
            // minute was anomalous.
            log: why.log.filter(|_| why.probability >= threshold),
            ..self.anomaly_signal("logs", IssueKind::LogAnomaly, end_ms, probability)
        };
        self.emit(signal, out);
    }

    fn sample(
        &mut self,
        s: &MetricSample,
        out: &mut Events,
        cluster: bool,
    ) -> Result<(), EngineRejected> {
        let ts = s.ts.timestamp_millis();
        let Self {
            engine,
            registry,
            pipeline,
            model,
            plan_of,
            opts,
            min_history_ms,
            univariate: detectors,
            univariate_cfg,
            univariate_spec,
            ..
        } = self;
        let (outcome, st) =
            engine.push_with(SeriesRef::from(s), ts, s.value, |key| SeriesState {
                route: registry.route(pipeline, model, key),
                instance: registry.instance(key, plan_of),
                trend: None,
                next_hourly_ms: i64::MIN,
                univariate: None,
            })?;
        if outcome == PushOutcome::Duplicate {
            // A redelivered sample (at-least-once input) moves nothing.
            return Ok(());
        }
        let (route_idx, inst) = (st.route as usize, st.instance as usize);
        let route = &registry.routes[route_idx];
        if route.univariate && st.univariate.is_none() {
            match SeriesDetector::new(univariate_cfg.clone(), univariate_spec) {
                Ok(scorer) => {
                    st.univariate = Some(detectors.len() as u32);
                    detectors.push(Univariate {
                        scorer,
                        engaged: false,
                        held: 0.0,
                        held_ms: ts,
                    });
                }
                Err(e) => {
                    tracing::warn!(metric = %s.metric, "univariate detector unavailable: {e}")
                }
            }
        }
        let detector = st.univariate;
        let mut evaluate_trend = None;
        if let Some(target) = &route.trend {
            let track = st.trend.get_or_insert(TrendTrack {
                first_ms: ts,
                next_eval_ms: ts,
                ..TrendTrack::default()
            });
            track
                .holt
                .update_memo(&target.params, &mut track.memo, ts, s.value);
            if target.seasonal {
                track.profile.update(ts, s.value);
            }
            if ts >= track.next_eval_ms && ts - track.first_ms >= *min_history_ms {
                track.next_eval_ms = ts + opts.eval_every_ms;
                evaluate_trend = Some(*track);
            }
        }
        let mut hourly = Hourly::None;
        if route.hourly != Hourly::None {
            if st.next_hourly_ms == i64::MIN {
                st.next_hourly_ms = ts + HOUR_MS;
            } else if ts >= st.next_hourly_ms {
                st.next_hourly_ms += HOUR_MS * (1 + (ts - st.next_hourly_ms) / HOUR_MS);
                hourly = route.hourly;
            }
        }
        if route.is_limit {
            let limits = &mut registry.instances[inst].limits;
            match limits.iter_mut().find(|(m, _)| *m == s.metric) {
                Some(l) => l.1 = s.value,
                None => limits.push((s.metric.clone(), s.value)),
            }
        }
        if let Some(track) = evaluate_trend {
            let engaged = self.trend(route_idx, inst, &track, s, ts, out);
            if engaged != track.engaged
                && let Some(Some(t)) = self
                    .engine
                    .state_mut(SeriesRef::from(s))
                    .map(|st| st.trend.as_mut())
            {
                t.engaged = engaged;
            }
        }
        if hourly != Hourly::None {
            self.hourly(hourly, inst, s, ts, out);
        }
        if let Some(u) = detector {
            self.univariate(u as usize, s, ts, out);
        }
        if cluster {
            self.cluster(inst, ts, out);
        }
        Ok(())
    }

    /// Score one sample with its series' univariate detector.
    fn univariate(&mut self, u: usize, s: &MetricSample, ts: i64, out: &mut Events) {
        let d = &mut self.univariate[u];
        let score = d.scorer.push(&self.univariate_spec, ts, s.value);
        let now = ((score - UNIVARIATE_FLOOR) / (1.0 - UNIVARIATE_FLOOR)).clamp(0.0, 1.0);
        let minutes = (ts - d.held_ms).max(0) as f64 / 60_000.0;
        d.held = now.max(d.held - UNIVARIATE_DECAY_PER_MIN * minutes);
        d.held_ms = ts;
        let (probability, was) = (d.held, d.engaged);
        let (emit, engaged) = self.worth_emitting(IssueKind::MetricAnomaly, probability, was);
        self.univariate[u].engaged = engaged;
        if !emit {
            return;
        }
        let signal = Signal {
            service: s.service.clone(),
            instance: s.instance.clone(),
            subject: Some(s.metric.clone()),
            evidence: vec![
                Evidence {
                    feature: format!("{}.value", s.metric),
                    value: s.value,
                    baseline: None,
                    contribution: 1.0,
                },
                Evidence {
                    feature: format!("{}.univariate_score", s.metric),
                    value: score,
                    baseline: None,
                    contribution: 0.0,
                },
            ],
            ..self.anomaly_signal("univariate", IssueKind::MetricAnomaly, ts, probability)
        };
        self.emit(signal, out);
    }

    /// Read one window's features of the sample's series into
    /// `window_buf`, quantiles only when asked.
    fn read_window(&mut self, s: &MetricSample, window: usize, quantiles: bool) -> bool {
        self.engine.window_features_into(
            SeriesRef::from(s),
            window,
            quantiles,
            &mut self.window_buf,
        )
    }

    fn feature(&self, at: Option<usize>) -> f64 {
        at.map_or(f64::NAN, |i| self.window_buf[i])
    }

    /// Evaluate the trend of one series; returns whether the tracker may
    /// now hold state for it.
    fn trend(
        &mut self,
        route: usize,
        inst: usize,
        track: &TrendTrack,
        s: &MetricSample,
        ts: i64,
        out: &mut Events,
    ) -> bool {
        let Some(target) = self.registry.routes[route].trend.clone() else {
            return track.engaged;
        };
        let limit = target
            .limit_metric
            .as_ref()
            .and_then(|m| {
                self.registry.instances[inst]
                    .limits
                    .iter()
                    .find(|(n, _)| n == m)
                    .map(|l| l.1)
            })
            .or(target.limit_value);
        let Some(limit) = limit else {
            return track.engaged;
        };
        let longest = self.longest;
        self.read_window(s, longest, false);
        let at = self.at;
        let (count, mean) = (self.feature(at.count), self.feature(at.mean));
        let (slope, se) = (self.feature(at.slope), self.feature(at.slope_se));
        let holt = track.holt;
        // The least-squares line of the longest window gives the trend and
        // its standard error, and its value now (the mean sits at the
        // middle of the span the samples cover) the level: unbiased on a
        // steady leak, where a smoothed level lags by trend × its memory.
        // Projected undamped, as the line it is. Holt's state, with its
        // fitted damping, serves short histories.
        let (params, proj) =
            if count >= 3.0 && slope.is_finite() && se.is_finite() && mean.is_finite() {
                let span_s = (ts - track.first_ms).min(self.longest_ms) as f64 / 1000.0;
                let params = TrendParams {
                    phi: 1.0,
                    z: REGRESSION_Z,
                    ..target.params
                };
                let proj = Projection {
                    level: mean + slope * span_s / 2.0,
                    trend: slope,
                    trend_se: se,
                };
                (params, proj)
            } else {
                let proj = Projection {
                    level: holt.level,
                    trend: holt.trend,
                    trend_se: holt.trend_stderr(&target.params),
                };
                (target.params, proj)
            };
        // A series whose days repeat (traffic-driven latency, say) is
        // projected as trend plus its daily cycle; the window's slope then
        // loses the cycle's own slope over the window.
        let seasonal = target.seasonal && count >= 3.0 && track.profile.seasonal();
        let c = if seasonal {
            // Take the cycle's own least-squares line over the window out of
            // the window's line: what is left is the trend beside the cycle,
            // and the level is that residual plus the cycle now.
            let span_ms = (ts - track.first_ms).min(self.longest_ms).max(1);
            let p = &track.profile;
            let (cycle_end, cycle_slope) = p.window_line(ts, span_ms);
            let proj = Projection {
                level: proj.level - cycle_end + p.at(ts),
                trend: proj.trend - cycle_slope,
                trend_se: proj.trend_se,
            };
            seasonal_crossing(p, &proj, ts, limit, self.horizon_s, params.z)
        } else {
            crossing(&params, &proj, limit, self.horizon_s)
        };
        let now = ts_of(ts);
        // Crossings further than ten years out (a nearly flat trend) are
        // no crossing at all; this also keeps the arithmetic in range.
        let at_s = |secs: Option<f64>| {
            secs.filter(|x| x.is_finite() && *x <= 3.2e8)
                .and_then(|x| now.checked_add_signed(TimeDelta::milliseconds((x * 1000.0) as i64)))
        };
        let failure_interval = match (at_s(c.earliest_s), at_s(c.latest_s)) {
            (Some(earliest), Some(latest)) => Some(FailureInterval { earliest, latest }),
            (Some(earliest), None) => Some(FailureInterval {
                earliest,
                latest: now + TimeDelta::milliseconds((self.horizon_s * 4000.0) as i64),
            }),
            _ => None,
        };
        let window_name = self.engine.spec().windows[longest].name.clone();
        let mut evidence = vec![
            Evidence {
                feature: format!("{}.trend_per_s", s.metric),
                value: proj.trend,
                baseline: Some(0.0),
                contribution: 0.6,
            },
            Evidence {
                feature: format!("{}.headroom", s.metric),
                value: c.headroom,
                baseline: None,
                contribution: 0.3,
            },
            Evidence {
                feature: format!("{}.{window_name}.slope_stderr", s.metric),
                value: proj.trend_se,
                baseline: None,
                contribution: 0.1,
            },
        ];
        if seasonal {
            evidence.push(Evidence {
                feature: format!("{}.daily_cycle_repeat", s.metric),
                value: track.profile.repeat_correlation(),
                baseline: None,
                contribution: 0.0,
            });
        }
        if load_driven(target.issue)
            && c.probability >= 0.5
            && let Some(in_s) = c.in_s.filter(|x| *x > 0.0 && *x <= self.horizon_s)
        {
            let advice = Advice {
                kind: OptimizationKind::ScaleUpAhead,
                service: s.service.clone(),
                ts: now,
                rationale: format!(
                    "{} of {}/{} is rising by {:.3}/min toward its limit of {limit} and reaches it in about {}",
                    s.metric,
                    s.service,
                    s.instance,
                    proj.trend * 60.0,
                    human_secs(in_s)
                ),
                expected_effect: format!(
                    "adding capacity in the next {} avoids the predicted {:?} instead of reacting to it",
                    human_secs(in_s),
                    target.issue
                ),
            };
            out.optimizations
                .extend(self.advisor.offer(advice, self.policy.suppress_ms));
        }
        let (emit, engaged) = self.worth_emitting(target.issue, c.probability, track.engaged);
        if !emit {
            return engaged;
        }
        let action = self
            .pipeline
            .services
            .get(&s.service)
            .map(|c| c.recovery_strategy)
            .filter(|a| *a != RecommendedAction::Notify)
            .unwrap_or_else(|| default_action(target.issue));
        let signal = Signal {
            kind: target.issue,
            service: s.service.clone(),
            instance: s.instance.clone(),
            subject: None,
            ts: now,
            probability: c.probability,
            predicted_failure_at: at_s(c.in_s),
            failure_interval,
            horizon_s: self.horizon_s,
            evidence,
            root_cause_service: None,
            model: self.model_ref("trend"),
            recommended_action: Some(action),
            log: None,
        };
        self.emit(signal, out);
        engaged
    }

    /// The advisor's hourly checks of one series.
    fn hourly(&mut self, what: Hourly, inst: usize, s: &MetricSample, ts: i64, out: &mut Events) {
        let longest = self.longest;
        if !self.read_window(s, longest, true) {
            return;
        }
        let now = ts_of(ts);
        let advice = match what {
            Hourly::None => None,
            Hourly::Cpu => {
                let p95 = self.feature(self.at.p95);
                let i = &mut self.registry.instances[inst];
                i.cpu_hours.push(p95);
                if i.cpu_hours.len() > OVER_PROVISIONED_HOURS {
                    i.cpu_hours.remove(0);
                }
                let cores = self
                    .pipeline
                    .services
                    .get(&s.service)
                    .and_then(|c| c.limits.cpu_cores);
                optimize::over_provisioned(&s.service, &s.instance, &i.cpu_hours, cores, now)
            }
            Hourly::Latency { timeout_ms } => optimize::timeout_below_p99(
                &s.service,
                timeout_ms as f64,
                self.feature(self.at.p50),
                now,
            ),
        };
        if let Some(a) = advice {
            out.optimizations.extend(self.advisor.offer(a, DAY_MS));
        }
    }

    fn cluster(&mut self, inst: usize, ts: i64, out: &mut Events) {
        let i = &mut self.registry.instances[inst];
        let Some(plan_idx) = i.plan else { return };
        // Not before the longest window has filled once: the model was
        // trained on full windows, and a half-empty 1 h slope is not normal.
        let warmup = self.min_history_ms.max(self.longest_ms);
        let next = i.next_cluster_ms.get_or_insert(ts + warmup);
        if ts < *next {
            return;
        }
        *next = ts + self.opts.eval_every_ms;
        // Borrowed out and put back below: no allocation on quiet evaluations.
        let (service, instance) = (
            std::mem::take(&mut i.service),
            std::mem::take(&mut i.instance),
        );
        let plan = &self.plans[plan_idx];
        let mut x = std::mem::take(&mut self.x_buf);
        x.clear();
        x.resize(plan.model.features.len(), f64::NAN);
        for g in &plan.groups {
            let key = SeriesRef {
                service: &service,
                instance: &instance,
                metric: &g.metric,
                labels: &NO_LABELS,
            };
            if self
                .engine
                .window_features_into(key, g.window, g.quantiles, &mut self.window_buf)
            {
                for (f, pos) in &g.positions {
                    x[*pos] = self.window_buf[*f];
                }
            }
        }
        let model = &plan.model;
        let score = model.score(&x);
        let was = self.registry.instances[inst].cluster_engaged;
        let (emit, engaged) = self.worth_emitting(IssueKind::MetricAnomaly, score.probability, was);
        let i = &mut self.registry.instances[inst];
        i.cluster_engaged = engaged;
        if !emit {
            (i.service, i.instance) = (service, instance);
            self.x_buf = x;
            return;
        }
        (i.service, i.instance) = (service.clone(), instance.clone());
        let plan = &self.plans[plan_idx];
        let model = &plan.model;
        let mut ranked: Vec<(usize, f64)> =
            score.contributions.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let evidence = ranked
            .iter()
            .take(5)
            .map(|(i, c)| Evidence {
                feature: model.features[*i].clone(),
                value: x[*i],
                baseline: Some(model.mean[*i]),
                contribution: *c,
            })
            .collect();
        self.x_buf = x;
        let signal = Signal {
            service,
            instance,
            evidence,
            ..self.anomaly_signal("cluster", IssueKind::MetricAnomaly, ts, score.probability)
        };
        self.emit(signal, out);
    }

    /// The model that decided: `NAME/model` of the artifact, its version.
    fn model_ref(&self, model: &str) -> ModelRef {
        ModelRef {
            name: format!("{}/{model}", self.opts.model_ref.name),
            version: self.opts.model_ref.version.clone(),
        }
    }

    /// A signal of an anomaly model (`model`: univariate, cluster, logs)
    /// at `ts_ms`: no failure time is forecast, the advice is to look; the
    /// caller fills in the target and the evidence.
    fn anomaly_signal(&self, model: &str, kind: IssueKind, ts_ms: i64, probability: f64) -> Signal {
        Signal {
            kind,
            service: String::new(),
            instance: String::new(),
            subject: None,
            ts: ts_of(ts_ms),
            probability,
            predicted_failure_at: None,
            failure_interval: None,
            horizon_s: self.horizon_s,
            evidence: Vec::new(),
            root_cause_service: None,
            model: self.model_ref(model),
            recommended_action: Some(RecommendedAction::Notify),
            log: None,
        }
    }

    /// Whether a signal of `probability` must reach the tracker, and whether
    /// the tracker may hold state for its target afterwards. A signal under
    /// `threshold − hysteresis` changes nothing for a target with no open or
    /// pending incident, so it is not even built: most evaluations are
    /// quiet, and building a signal allocates.
    fn worth_emitting(&self, kind: IssueKind, probability: f64, engaged: bool) -> (bool, bool) {
        let low = probability < self.policy.threshold(kind) - self.policy.hysteresis;
        (engaged || !low, !low)
    }

    /// Attach the likely root cause and pass the signal to the tracker.
    fn emit(&mut self, mut signal: Signal, out: &mut Events) {
        let mut onsets: HashMap<String, i64> = HashMap::new();
        for i in self.tracker.open() {
            let t = i.opened_at.timestamp_millis();
            let e = onsets.entry(i.service.clone()).or_insert(t);
            *e = (*e).min(t);
        }
        onsets
            .entry(signal.service.clone())
            .or_insert(signal.ts.timestamp_millis());
        signal.root_cause_service = self
            .graph
            .rank(&signal.service, &onsets)
            .first()
            .map(|c| c.service.clone());
        out.issues
            .extend(self.tracker.observe(&self.policy, signal));
    }
}
