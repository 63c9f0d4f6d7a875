//! The cluster evaluator: each instance of a service that a cluster model
//! covers (its own, or the model's fallback) is scored on the features of
//! all its metrics every `eval_every`, once the longest window has filled,
//! against its own copy of the model's baseline, which learns the vectors
//! it judges normal (`forewarn_models::cluster`). Warm-up, per instance:
//! for `models.anomaly.warmup` (2 h by default) after its first evaluation
//! the baseline takes the instance's own level and spread (a model trained
//! on another fleet, or matched by a reused service name, must not alarm
//! on a level alone) and raises nothing. Features the instance lacks are
//! left out of its score, and named once in a warning.
//! A [`ClusterPlan`] binds a model's feature vector to the pipeline's
//! windows once, so an evaluation reads only the windows the model uses.

use std::collections::{BTreeMap, HashMap};

use forewarn_core::contracts::{Evidence, IssueKind};
use forewarn_features::{CompiledSpec, Feature, FeatureEngine, SeriesRef};
use forewarn_models::cluster::ClusterModel;

use super::evaluate::{Ctx, Evaluator, Sample, Setup, Windows};
use super::route::Route;
use super::state::{InstanceState, SeriesState};
use crate::error::{Error, Result};
use crate::incidents::Signal;

static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

/// A cluster model and where its features live: per (metric, window), the
/// positions of the window's features in the model's vector.
#[derive(Debug, Clone)]
pub(crate) struct ClusterPlan {
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
    /// Bind `model`'s features (`metric.window.feature`) to `spec`.
    pub(crate) fn new(model: &ClusterModel, spec: &CompiledSpec) -> Result<Self> {
        let features = &spec.spec.features;
        let bad = |id: &str, reason: String| Error::ClusterModel {
            feature: id.to_string(),
            reason,
        };
        let mut groups: Vec<Group> = Vec::new();
        for (pos, id) in model.features.iter().enumerate() {
            // `metric.window.feature`; metric names have no dots.
            let mut parts = id.splitn(3, '.');
            let (Some(metric), Some(window), Some(feature)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(bad(id, "is not metric.window.feature".into()));
            };
            let w = spec
                .windows
                .iter()
                .position(|cw| cw.name == window)
                .ok_or_else(|| bad(id, format!("no window {window:?}")))?;
            let f = features
                .iter()
                .position(|f| f.name() == feature)
                .ok_or_else(|| bad(id, format!("no feature {feature:?}")))?;
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

impl ClusterPlan {
    /// The instance's feature vector for this plan's model into `x` (NaN
    /// where a metric has no window yet); returns how many are missing.
    fn read(
        &self,
        i: &InstanceState,
        engine: &mut FeatureEngine<SeriesState>,
        windows: &mut Windows,
        x: &mut Vec<f64>,
    ) -> usize {
        x.clear();
        x.resize(self.model.features.len(), f64::NAN);
        for g in &self.groups {
            let key = SeriesRef {
                service: &i.service,
                instance: &i.instance,
                metric: &g.metric,
                labels: &NO_LABELS,
            };
            if windows.read(engine, key, g.window, g.quantiles) {
                for (f, pos) in &g.positions {
                    x[*pos] = windows.buf[*f];
                }
            }
        }
        x.iter().filter(|v| !v.is_finite()).count()
    }
}

/// The cluster models of the pipeline's services.
#[derive(Debug)]
pub(crate) struct Cluster {
    plans: Vec<ClusterPlan>,
    /// Service → index into `plans` (the fallback under "").
    plan_of: HashMap<String, usize>,
    eval_every_ms: i64,
    min_history_ms: i64,
    warmup_ms: i64,
    /// The feature vector being scored.
    x: Vec<f64>,
    /// Whether the sample just updated is a metric's (log features do not
    /// trigger cluster evaluations).
    due: bool,
}

impl Cluster {
    /// Service → index of its plan (the fallback under ""), for the
    /// registry's instances.
    pub(crate) fn plan_of(&self) -> &HashMap<String, usize> {
        &self.plan_of
    }
}

impl Evaluator for Cluster {
    fn new(setup: &Setup<'_>) -> Result<Self> {
        let (mut plans, mut plan_of) = (Vec::new(), HashMap::new());
        if setup.pipeline.models.anomaly.enabled {
            for (service, m) in &setup.model.services {
                plan_of.insert(service.clone(), plans.len());
                plans.push(ClusterPlan::new(m, setup.spec)?);
            }
            if let Some(m) = &setup.model.fallback {
                plan_of.insert(String::new(), plans.len());
                plans.push(ClusterPlan::new(m, setup.spec)?);
            }
        }
        Ok(Self {
            plans,
            plan_of,
            eval_every_ms: setup.opts.eval_every_ms(),
            min_history_ms: setup.pipeline.models.trend.min_history.as_millis(),
            warmup_ms: setup.pipeline.models.anomaly.warmup.as_millis(),
            x: Vec::new(),
            due: false,
        })
    }

    fn update(&mut self, _: &mut SeriesState, _: &Route, sample: &Sample<'_>) {
        self.due = !sample.from_logs;
    }

    fn evaluate(&mut self, ctx: &mut Ctx<'_>, signals: &mut Vec<Signal>) {
        if !std::mem::take(&mut self.due) {
            return;
        }
        let ts = ctx.sample.ts;
        let Ctx {
            instance: i,
            engine,
            windows,
            stamp,
            ..
        } = ctx;
        let Some(plan_idx) = i.plan else { return };
        // Not before the longest window has filled once: the model was
        // trained on full windows, and a half-empty 1 h slope is not normal.
        let warmup = self.min_history_ms.max(windows.longest_ms);
        let next = i.next_cluster_ms.get_or_insert(ts + warmup);
        if ts < *next {
            return;
        }
        *next = ts + self.eval_every_ms;
        // Matched by what the instance is, not by name alone: at its first
        // evaluation, a model of its service's name that misses most of its
        // metrics gives way to the pooled fallback when that fits better.
        let mut plan_idx = plan_idx;
        let missing = self.plans[plan_idx].read(i, engine, windows, &mut self.x);
        if i.cluster.is_none()
            && let Some(&fallback) = self.plan_of.get("")
            && fallback != plan_idx
            && missing * 2 > self.x.len()
        {
            let named = self.x.len();
            let fallback_missing = self.plans[fallback].read(i, engine, windows, &mut self.x);
            if fallback_missing * named < missing * self.x.len() {
                tracing::info!(
                    service = %i.service,
                    instance = %i.instance,
                    "the anomaly model of this service's name misses {missing} of its \
                     {named} features here; using the pooled model instead"
                );
                plan_idx = fallback;
                i.plan = Some(fallback);
            } else {
                self.plans[plan_idx].read(i, engine, windows, &mut self.x);
            }
        }
        let plan = &self.plans[plan_idx];
        let x = &self.x;
        let model = &plan.model;
        let state = i.cluster.get_or_insert_with(|| model.state());
        let first = *i.cluster_first_ms.get_or_insert(ts);
        let elapsed_s = i
            .cluster_last_ms
            .map_or(0.0, |last| (ts - last).max(0) as f64 / 1000.0);
        i.cluster_last_ms = Some(ts);
        let warming = ts - first < self.warmup_ms;
        if warming {
            model.absorb_level(state, x, state.warmed);
            state.warmed += 1;
        }
        let score = model.score_with(state, x, if warming { 0.0 } else { elapsed_s });
        if !score.missing.is_empty() && !std::mem::replace(&mut i.missing_reported, true) {
            let names: Vec<&str> = score
                .missing
                .iter()
                .map(|k| model.features[*k].as_str())
                .collect();
            tracing::warn!(
                service = %i.service,
                instance = %i.instance,
                missing = %names.join(", "),
                "the anomaly model uses features this instance does not report; \
                 they are left out of its score"
            );
        }
        if warming {
            return;
        }
        let (emit, engaged) = stamp.worth_emitting(
            IssueKind::MetricAnomaly,
            score.probability,
            i.cluster_engaged,
        );
        i.cluster_engaged = engaged;
        if !emit {
            return;
        }
        let mut ranked: Vec<(usize, f64)> =
            score.contributions.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let evidence = ranked
            .iter()
            .take(5)
            .map(|(k, c)| Evidence {
                feature: model.features[*k].clone(),
                value: x[*k],
                baseline: i
                    .cluster
                    .as_ref()
                    .map(|st| model.baseline(st, score.centroid, *k)),
                contribution: *c,
            })
            .collect();
        signals.push(Signal {
            service: i.service.clone(),
            instance: i.instance.clone(),
            evidence,
            ..stamp.anomaly_signal("cluster", IssueKind::MetricAnomaly, ts, score.probability)
        });
    }
}
