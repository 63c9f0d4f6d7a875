//! [`Scorer`]: samples in, events out. One scorer owns the feature windows
//! of its series, the trend state of capacity and SLO series, the incident
//! tracker and the dependency graph. Data flows one way:
//!
//! sample → [`FeatureEngine`] → trend forecast (per capacity/SLO series) and
//! cluster score (per instance) → [`Signal`] → [`IncidentTracker`] → events.
//!
//! Models are evaluated on an event-time cadence per series
//! ([`ScorerOptions::eval_every_ms`]), not on every sample, so the cost per
//! sample stays small; windows are updated on every sample.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_config::{CapacityRule, PipelineConfig};
use forewarn_core::SeriesKey;
use forewarn_core::contracts::{
    Evidence, FailureInterval, IssueKind, MetricSample, ModelRef, PredictedIssue, RecommendedAction,
};
use forewarn_features::engine::EngineRejected;
use forewarn_features::{CompiledSpec, Feature, FeatureEngine};
use forewarn_models::artifact::Model;
use forewarn_models::trend::{HoltState, Projection, crossing};

use crate::incidents::{IncidentPolicy, IncidentTracker, Signal};
use crate::root_cause::DependencyGraph;

/// Knobs of the scorer that are not part of the pipeline file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorerOptions {
    /// How often (event time) each series' models are evaluated.
    pub eval_every_ms: i64,
    /// Most series tracked at once.
    pub max_series: usize,
    /// Model name and version stamped on events.
    pub model_ref: ModelRef,
}

impl Default for ScorerOptions {
    fn default() -> Self {
        Self {
            eval_every_ms: 30_000,
            max_series: 1_000_000,
            model_ref: ModelRef {
                name: "untrained".into(),
                version: "0".into(),
            },
        }
    }
}

/// What a forecast series runs into.
#[derive(Debug, Clone)]
struct TrendTarget {
    issue: IssueKind,
    /// Metric carrying the limit (per instance), if any.
    limit_metric: Option<String>,
    /// Fixed limit from the service config or SLO, if any.
    limit_value: Option<f64>,
}

#[derive(Debug, Clone, Default)]
struct TrendTrack {
    holt: HoltState,
    first_ms: i64,
    next_eval_ms: i64,
}

/// Turns samples into predicted-issue events.
#[derive(Debug)]
pub struct Scorer {
    pipeline: PipelineConfig,
    model: Model,
    opts: ScorerOptions,
    engine: FeatureEngine,
    policy: IncidentPolicy,
    graph: DependencyGraph,
    tracker: IncidentTracker,
    trends: HashMap<SeriesKey, TrendTrack>,
    /// Latest value of each limit series, by (service, instance, metric).
    limits: HashMap<(String, String, String), f64>,
    /// Next cluster evaluation per (service, instance).
    next_cluster_eval: HashMap<(String, String), i64>,
    feature_buf: Vec<f64>,
    horizon_s: f64,
    min_history_ms: i64,
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
        let t = &pipeline.thresholds;
        let policy = IncidentPolicy {
            probability: t.probability,
            per_kind: t.per_kind.clone(),
            hysteresis: t.hysteresis,
            min_duration_ms: t.min_duration.as_millis(),
            suppress_ms: t.suppress_for.as_millis(),
        };
        let graph = DependencyGraph::new(
            pipeline
                .services
                .iter()
                .map(|(n, s)| (n.clone(), s.depends_on.clone())),
        );
        let width = spec.width();
        Ok(Self {
            horizon_s: pipeline.models.trend.horizon.as_secs_f64(),
            min_history_ms: pipeline.models.trend.min_history.as_millis(),
            engine: FeatureEngine::new(spec, opts.max_series),
            policy,
            graph,
            tracker: IncidentTracker::default(),
            trends: HashMap::new(),
            limits: HashMap::new(),
            next_cluster_eval: HashMap::new(),
            feature_buf: vec![f64::NAN; width],
            pipeline,
            model,
            opts,
        })
    }

    /// The feature engine (for statistics and tests).
    pub fn engine(&self) -> &FeatureEngine {
        &self.engine
    }

    /// The incident tracker.
    pub fn tracker(&self) -> &IncidentTracker {
        &self.tracker
    }

    fn trend_target(&self, s: &MetricSample) -> Option<TrendTarget> {
        let svc = self.pipeline.services.get(&s.service);
        if self.pipeline.models.trend.enabled {
            let rule: Option<&CapacityRule> = self
                .pipeline
                .models
                .trend
                .capacity
                .iter()
                .find(|r| r.metric == s.metric);
            if let Some(r) = rule {
                return Some(TrendTarget {
                    issue: r.issue,
                    limit_metric: r.limit_metric.clone(),
                    limit_value: r.limit.and_then(|k| svc.and_then(|c| c.limits.get(k))),
                });
            }
        }
        let slo = &svc?.slo;
        match s.metric.as_str() {
            "latency_p99_ms" => slo.latency_p99_ms.map(|v| TrendTarget {
                issue: IssueKind::LatencyDegradation,
                limit_metric: None,
                limit_value: Some(v),
            }),
            "error_rate" => slo.error_rate.map(|v| TrendTarget {
                issue: IssueKind::ErrorRateIncrease,
                limit_metric: None,
                limit_value: Some(v),
            }),
            _ => None,
        }
    }

    fn is_limit_metric(&self, metric: &str) -> bool {
        self.pipeline
            .models
            .trend
            .capacity
            .iter()
            .any(|r| r.limit_metric.as_deref() == Some(metric))
    }

    /// Apply one sample; returns the events it caused (usually none).
    pub fn on_metric(&mut self, s: &MetricSample) -> Result<Vec<PredictedIssue>, EngineRejected> {
        let ts = s.ts.timestamp_millis();
        let key = SeriesKey::from(s);
        self.engine.push(&key, ts, s.value)?;
        let mut out = Vec::new();
        if self.is_limit_metric(&s.metric) {
            self.limits.insert(
                (s.service.clone(), s.instance.clone(), s.metric.clone()),
                s.value,
            );
        }
        if let Some(target) = self.trend_target(s) {
            self.trend(&key, &target, s, ts, &mut out);
        }
        self.cluster(s, ts, &mut out);
        Ok(out)
    }

    fn trend(
        &mut self,
        key: &SeriesKey,
        target: &TrendTarget,
        s: &MetricSample,
        ts: i64,
        out: &mut Vec<PredictedIssue>,
    ) {
        let params = *self.model.trend_for(&s.metric);
        let track = self
            .trends
            .entry(key.clone())
            .or_insert_with(|| TrendTrack {
                first_ms: ts,
                next_eval_ms: ts,
                ..TrendTrack::default()
            });
        track.holt.update(&params, ts, s.value);
        if ts < track.next_eval_ms || ts - track.first_ms < self.min_history_ms {
            return;
        }
        track.next_eval_ms = ts + self.opts.eval_every_ms;
        let holt = track.holt;
        let limit = target
            .limit_metric
            .as_ref()
            .and_then(|m| {
                self.limits
                    .get(&(s.service.clone(), s.instance.clone(), m.clone()))
                    .copied()
            })
            .or(target.limit_value);
        let Some(limit) = limit else { return };
        let spec = self.engine.spec();
        let longest = spec
            .windows
            .last()
            .map(|w| w.name.clone())
            .unwrap_or_default();
        let se_idx = spec.index_of(&longest, Feature::SlopeStderr);
        let slope_idx = spec.index_of(&longest, Feature::Slope);
        let count_idx = spec.index_of(&longest, Feature::Count);
        let mut buf = std::mem::take(&mut self.feature_buf);
        self.engine.features_into(key, &mut buf);
        let se = se_idx.map_or(f64::NAN, |i| buf[i]);
        let slope = slope_idx.map_or(f64::NAN, |i| buf[i]);
        let count = count_idx.map_or(0.0, |i| buf[i]);
        self.feature_buf = buf;
        // The least-squares slope of the longest window is a steadier trend
        // than Holt's (which weighs the last ~1/β samples); Holt supplies the
        // smoothed level, and its trend is the fallback on short history.
        let proj = if count >= 3.0 && slope.is_finite() && se.is_finite() {
            Projection {
                level: holt.level,
                trend: slope,
                trend_se: se,
            }
        } else {
            Projection {
                level: holt.level,
                trend: holt.trend,
                trend_se: holt.trend_stderr(&params),
            }
        };
        let c = crossing(&params, &proj, limit, self.horizon_s);
        let now = ts_of(ts);
        let at =
            |secs: Option<f64>| secs.map(|x| now + TimeDelta::milliseconds((x * 1000.0) as i64));
        let failure_interval = match (at(c.earliest_s), at(c.latest_s)) {
            (Some(earliest), Some(latest)) => Some(FailureInterval { earliest, latest }),
            (Some(earliest), None) => Some(FailureInterval {
                earliest,
                latest: now + TimeDelta::milliseconds((self.horizon_s * 4000.0) as i64),
            }),
            _ => None,
        };
        let evidence = vec![
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
                feature: format!("{}.{longest}.slope", s.metric),
                value: slope,
                baseline: Some(0.0),
                contribution: 0.1,
            },
        ];
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
            ts: now,
            probability: c.probability,
            predicted_failure_at: at(c.in_s),
            failure_interval,
            horizon_s: self.horizon_s,
            evidence,
            root_cause_service: None,
            model: ModelRef {
                name: format!("{}/trend", self.opts.model_ref.name),
                version: self.opts.model_ref.version.clone(),
            },
            recommended_action: Some(action),
        };
        self.emit(signal, out);
    }

    fn cluster(&mut self, s: &MetricSample, ts: i64, out: &mut Vec<PredictedIssue>) {
        let Some(model) = self.model.cluster_for(&s.service) else {
            return;
        };
        let who = (s.service.clone(), s.instance.clone());
        let next = self
            .next_cluster_eval
            .entry(who)
            .or_insert(ts + self.min_history_ms);
        if ts < *next {
            return;
        }
        *next = ts + self.opts.eval_every_ms;
        let spec = self.engine.spec();
        let names = spec.feature_names();
        let mut x = vec![f64::NAN; model.features.len()];
        let mut buf = std::mem::take(&mut self.feature_buf);
        let mut last_metric = String::new();
        let mut have = false;
        for (i, f) in model.features.iter().enumerate() {
            // Feature ids are `metric.window.feature`; metric names have no dots.
            let Some((metric, feat)) = f.split_once('.') else {
                continue;
            };
            if metric != last_metric {
                let key = SeriesKey {
                    service: s.service.clone(),
                    instance: s.instance.clone(),
                    metric: metric.to_string(),
                    labels: Default::default(),
                };
                have = self.engine.features_into(&key, &mut buf);
                last_metric = metric.to_string();
            }
            if have && let Some(j) = names.iter().position(|n| n == feat) {
                x[i] = buf[j];
            }
        }
        self.feature_buf = buf;
        let score = model.score(&x);
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
        let signal = Signal {
            kind: IssueKind::MetricAnomaly,
            service: s.service.clone(),
            instance: s.instance.clone(),
            ts: ts_of(ts),
            probability: score.probability,
            predicted_failure_at: None,
            failure_interval: None,
            horizon_s: self.horizon_s,
            evidence,
            root_cause_service: None,
            model: ModelRef {
                name: format!("{}/cluster", self.opts.model_ref.name),
                version: self.opts.model_ref.version.clone(),
            },
            recommended_action: Some(RecommendedAction::Notify),
        };
        self.emit(signal, out);
    }

    /// Attach the likely root cause and pass the signal to the tracker.
    fn emit(&mut self, mut signal: Signal, out: &mut Vec<PredictedIssue>) {
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
        out.extend(self.tracker.observe(&self.policy, signal));
    }
}
