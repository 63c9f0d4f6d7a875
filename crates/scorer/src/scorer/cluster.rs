//! The cluster evaluator: each instance of a service that a cluster model
//! covers (its own, or the model's fallback) is scored on the features of
//! all its metrics every `eval_every`, once the longest window has filled.
//! A [`ClusterPlan`] binds a model's feature vector to the pipeline's
//! windows once, so an evaluation reads only the windows the model uses.

use std::collections::{BTreeMap, HashMap};

use forewarn_core::contracts::{Evidence, IssueKind};
use forewarn_features::{CompiledSpec, Feature, SeriesRef};
use forewarn_models::cluster::ClusterModel;

use super::evaluate::{Ctx, Evaluator, Sample, Setup};
use super::route::Route;
use super::state::SeriesState;
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

/// The cluster models of the pipeline's services.
#[derive(Debug)]
pub(crate) struct Cluster {
    plans: Vec<ClusterPlan>,
    /// Service → index into `plans` (the fallback under "").
    plan_of: HashMap<String, usize>,
    eval_every_ms: i64,
    min_history_ms: i64,
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
        let plan = &self.plans[plan_idx];
        let x = &mut self.x;
        x.clear();
        x.resize(plan.model.features.len(), f64::NAN);
        for g in &plan.groups {
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
        let model = &plan.model;
        let score = model.score(x);
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
                baseline: Some(model.mean[*k]),
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
