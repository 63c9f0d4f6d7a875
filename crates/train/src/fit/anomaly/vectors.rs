//! Anomaly vectors: per service, one vector per instance per cadence tick,
//! made of the chosen features ([`AnomalyFit::features`]) of every metric
//! the service emits, in metric-name order. Feature ids are
//! `metric.window.feature`, e.g. `cpu_utilization.5m.mean`.
//!
//! - Metrics that only carry a limit (a capacity rule's `limit_metric`, e.g.
//!   `memory_limit_bytes`) are left out: they are configuration, not
//!   behaviour.
//! - Ticks start once the instance has a full longest window of history.
//! - A metric with no fresh sample at a tick is missing (NaN) there; a
//!   vector missing more than `max_missing_share` of its features is
//!   dropped.
//! - For training, ticks are thinned (every `stride`-th tick, the same for
//!   all metrics of the service) so a service yields about
//!   `max_rows_per_service` vectors, then cut evenly to that number.

use std::collections::{BTreeMap, BTreeSet};

use forewarn_config::PipelineConfig;
use forewarn_features::CompiledSpec;

use crate::error::{Error, Result};
use crate::fit::config::{AnomalyFit, resolve_threads};
use crate::fold::{Folded, SnapshotPlan, fold_series};
use crate::history::History;
use crate::parallel;
use crate::stats::median_gap;

/// The anomaly vectors of one service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceVectors {
    /// Feature ids, `metric.window.feature`, in column order.
    pub features: Vec<String>,
    /// Instances, sorted.
    pub instances: Vec<String>,
    /// Instance (index into `instances`) of each vector.
    pub instance: Vec<u32>,
    /// Tick (event time, ms) of each vector.
    pub ticks: Vec<i64>,
    /// The vectors, row-major (`features.len()` values each; NaN = missing).
    pub values: Vec<f64>,
}

impl ServiceVectors {
    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.ticks.len()
    }

    /// Whether there is no vector.
    pub fn is_empty(&self) -> bool {
        self.ticks.is_empty()
    }

    /// Vector `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        let d = self.features.len();
        &self.values[i * d..(i + 1) * d]
    }

    /// Keep only the vectors at `keep` (ascending indices).
    fn select(&mut self, keep: &[usize]) {
        let d = self.features.len();
        self.values = keep
            .iter()
            .flat_map(|&i| self.values[i * d..(i + 1) * d].to_vec())
            .collect();
        self.ticks = keep.iter().map(|&i| self.ticks[i]).collect();
        self.instance = keep.iter().map(|&i| self.instance[i]).collect();
    }
}

/// `m` indices spread evenly over `0..n` (all of them when `n ≤ m`).
pub(crate) fn even_indices(n: usize, m: usize) -> Vec<usize> {
    if n <= m {
        return (0..n).collect();
    }
    (0..m).map(|i| i * n / m).collect()
}

/// Which features and metrics the vectors use.
#[derive(Debug, Clone)]
pub(crate) struct VectorPlan {
    /// Positions of the chosen features in the engine's vector.
    pub subset: Vec<usize>,
    /// Their names, `window.feature`.
    pub names: Vec<String>,
    /// Metrics left out (limit carriers).
    pub excluded: BTreeSet<String>,
    /// Length of the longest window (ms).
    pub warmup_ms: i64,
}

impl VectorPlan {
    /// Resolve the chosen features against the spec.
    pub(crate) fn new(
        spec: &CompiledSpec,
        pipeline: &PipelineConfig,
        cfg: &AnomalyFit,
    ) -> Result<Self> {
        let all = spec.feature_names();
        // `mean` alone: the mean of the shortest window.
        let shortest = spec.spec.shortest_window().map_or("", |w| w.name.as_str());
        let names: Vec<String> = cfg
            .features
            .iter()
            .map(|f| {
                if f.contains('.') {
                    f.clone()
                } else {
                    format!("{shortest}.{f}")
                }
            })
            .collect();
        let subset = names
            .iter()
            .map(|f| {
                all.iter().position(|a| a == f).ok_or_else(|| {
                    Error::Config(format!(
                        "anomaly feature `{f}` is not computed by the pipeline's feature spec (it computes {})",
                        all.join(", ")
                    ))
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            subset,
            names,
            excluded: pipeline
                .models
                .trend
                .capacity
                .iter()
                .filter_map(|r| r.limit_metric.clone())
                .collect(),
            warmup_ms: spec.spec.longest_window_ms(),
        })
    }
}

/// Series indices per service and instance, for the metrics the vectors use.
fn layout<'h>(
    history: &'h History,
    plan: &VectorPlan,
) -> BTreeMap<&'h str, BTreeMap<&'h str, Vec<usize>>> {
    let mut out: BTreeMap<&str, BTreeMap<&str, Vec<usize>>> = BTreeMap::new();
    for (i, s) in history.series.iter().enumerate() {
        if !plan.excluded.contains(&s.key.metric) {
            out.entry(&s.key.service)
                .or_default()
                .entry(&s.key.instance)
                .or_default()
                .push(i);
        }
    }
    out
}

/// The snapshot plan of every series (`None` for series the vectors do not
/// use). With `max_rows`, ticks are thinned per service to about that many.
pub(crate) fn snapshot_plans(
    history: &History,
    plan: &VectorPlan,
    cfg: &AnomalyFit,
    max_rows: Option<usize>,
) -> Vec<Option<SnapshotPlan>> {
    let mut out = vec![None; history.series.len()];
    for instances in layout(history, plan).values() {
        let starts: Vec<(i64, i64)> = instances
            .values()
            .map(|idx| {
                let first = idx
                    .iter()
                    .filter_map(|i| history.series[*i].ts.first())
                    .min();
                let last = idx
                    .iter()
                    .filter_map(|i| history.series[*i].ts.last())
                    .max();
                (
                    first.copied().unwrap_or(0) + plan.warmup_ms,
                    last.copied().unwrap_or(0),
                )
            })
            .collect();
        let ticks: i64 = starts
            .iter()
            .map(|(s, l)| ((l - s) / cfg.cadence_ms + 1).max(0))
            .sum();
        let stride = max_rows
            .map_or(1, |m| (ticks + m as i64 - 1) / (m as i64).max(1))
            .max(1);
        for (idx, (start, _)) in instances.values().zip(starts) {
            for &i in idx {
                let s = &history.series[i];
                out[i] = Some(SnapshotPlan {
                    subset: plan.subset.clone(),
                    cadence_ms: cfg.cadence_ms,
                    stride,
                    start_ms: start,
                    max_stale_ms: cfg.max_stale_ms.max(2 * median_gap(&s.ts)),
                });
            }
        }
    }
    out
}

/// Assemble the vectors of every service from folded series (indexed like
/// `history.series`).
pub(crate) fn assemble(
    history: &History,
    folded: &[Folded],
    plan: &VectorPlan,
    cfg: &AnomalyFit,
    max_rows: Option<usize>,
) -> BTreeMap<String, ServiceVectors> {
    let mut out = BTreeMap::new();
    let width = plan.names.len();
    for (service, instances) in layout(history, plan) {
        let metrics: BTreeSet<&str> = instances
            .values()
            .flatten()
            .map(|i| history.series[*i].key.metric.as_str())
            .collect();
        let metrics: Vec<&str> = metrics.into_iter().collect();
        let mut v = ServiceVectors {
            features: metrics
                .iter()
                .flat_map(|m| plan.names.iter().map(move |f| format!("{m}.{f}")))
                .collect(),
            instances: instances.keys().map(|s| s.to_string()).collect(),
            ..ServiceVectors::default()
        };
        let d = v.features.len();
        for (n, idx) in instances.values().enumerate() {
            // Per metric column block: that metric's snapshots, if any.
            let mut snaps = vec![None; metrics.len()];
            for &i in idx {
                let m = metrics
                    .iter()
                    .position(|m| *m == history.series[i].key.metric);
                if let (Some(m), Some(s)) = (m, folded[i].snapshots.as_ref()) {
                    snaps[m] = Some(s);
                }
            }
            let ticks: BTreeSet<i64> = snaps
                .iter()
                .flatten()
                .flat_map(|s| s.ticks.iter().copied())
                .collect();
            let mut pos = vec![0usize; metrics.len()];
            let mut row = vec![f64::NAN; d];
            for t in ticks {
                row.fill(f64::NAN);
                for (m, s) in snaps.iter().enumerate() {
                    let Some(s) = s else { continue };
                    if s.ticks.get(pos[m]) == Some(&t) {
                        let k = pos[m];
                        row[m * width..(m + 1) * width]
                            .copy_from_slice(&s.values[k * width..(k + 1) * width]);
                        pos[m] += 1;
                    }
                }
                let missing = row.iter().filter(|x| !x.is_finite()).count();
                if missing as f64 <= cfg.max_missing_share * d as f64 {
                    v.values.extend_from_slice(&row);
                    v.ticks.push(t);
                    v.instance.push(n as u32);
                }
            }
        }
        if let Some(m) = max_rows {
            let keep = even_indices(v.len(), m);
            if keep.len() < v.len() {
                v.select(&keep);
            }
        }
        out.insert(service.to_string(), v);
    }
    out
}

/// The anomaly vectors of every service in `history`, every tick kept (no
/// thinning): what a trained model would be scored on, tick by tick.
/// `threads` = 0 uses one per core.
pub fn vectors(
    spec: &CompiledSpec,
    pipeline: &PipelineConfig,
    history: &History,
    cfg: &AnomalyFit,
    threads: usize,
) -> Result<BTreeMap<String, ServiceVectors>> {
    let plan = VectorPlan::new(spec, pipeline, cfg)?;
    let plans = snapshot_plans(history, &plan, cfg, None);
    let folded = parallel::map(history.series.len(), resolve_threads(threads), |i| {
        plans[i]
            .as_ref()
            .map(|p| fold_series(spec, &history.series[i], Some(p), None))
            .unwrap_or_default()
    });
    Ok(assemble(history, &folded, &plan, cfg, None))
}
