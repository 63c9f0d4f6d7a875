//! [`FitConfig`]: every choice training makes that is not in the pipeline
//! file, with its default and the reason for it. `forewarn train` uses the
//! defaults; tests and benchmarks change them.

/// Default per-metric features of the anomaly vectors: each metric's level
/// over the pipeline's shortest window (`1m.mean` in the default pipeline,
/// `5m.mean` in one for 5-minute data whose shortest window is 5 minutes;
/// README, "Anomaly model", for the alternatives measured).
pub const DEFAULT_ANOMALY_FEATURES: [&str; 1] = ["mean"];
/// Default share of features whose largest deviations make the anomaly
/// score (chosen leaving machines out on smd-dev; README, "Anomaly model").
pub const DEFAULT_TOP_SHARE: f64 = 0.3;
/// Default half-life of the online anomaly baseline: three days (chosen
/// with [`DEFAULT_TOP_SHARE`]).
pub const DEFAULT_HALF_LIFE_S: f64 = 3.0 * 86_400.0;
/// Default scoring rank: a vector's anomaly score is its second-largest
/// deviation, so a fault must move at least two features at once and no
/// single bursty feature alarms alone. Chosen across sources (smd-dev mean
/// F1 0.602 against 0.545 for the top-share mean; leave-one-fleet-out F1
/// 0.802 against 0.819; README, "Anomaly model"). 0 scores by the mean of
/// the largest [`DEFAULT_TOP_SHARE`] instead.
pub const DEFAULT_RANK: usize = 2;
/// Default number of centroids: one (more did not help held-out machines).
pub const DEFAULT_CLUSTERS: usize = 1;

/// Default grid of the level smoothing constant (per reference step).
pub const DEFAULT_ALPHAS: [f64; 7] = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.3];
/// Default grid of the trend smoothing constant (per reference step).
pub const DEFAULT_BETAS: [f64; 5] = [0.0002, 0.001, 0.005, 0.02, 0.1];
/// Default grid of the trend damping (per reference step). It stops at
/// 0.998 on purpose: on mostly mean-reverting history the 30-minute error
/// keeps falling as damping grows (0.97 wins on the simulator's sample), but
/// at 0.97 per 10 s a trend adds at most ~330 s of itself over any horizon,
/// so the 2-hour crossing forecasts the trend model exists for would never
/// fire. At 0.998 a trend still carries about half its weight over 2 hours.
pub const DEFAULT_PHIS: [f64; 4] = [0.998, 0.999, 0.9995, 1.0];

/// How the trend forecasters are fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendFit {
    /// Forecast horizon `h` the parameters are chosen for (ms).
    pub horizon_ms: i64,
    /// A forecast is scored every this many samples of a series (after its
    /// first `models.trend.min_history`).
    pub eval_every: usize,
    /// Grid of `alpha`.
    pub alphas: Vec<f64>,
    /// Grid of `beta`.
    pub betas: Vec<f64>,
    /// Grid of `phi`.
    pub phis: Vec<f64>,
    /// Share of `h`-step actuals the interval `forecast ± z·D(h)·se` should
    /// hold on the training data.
    pub coverage: f64,
    /// `z` is clamped to this range (it must be positive and finite).
    pub z_range: (f64, f64),
    /// Samples per metric the grid search runs on at most; series are
    /// picked evenly over the sorted keys until the budget is used.
    pub sample_budget: usize,
    /// Metrics fitted besides those of the pipeline's capacity rules and
    /// SLO roles (`roles.latency_p99`, `roles.error_rate`).
    pub extra_metrics: Vec<String>,
}

impl Default for TrendFit {
    fn default() -> Self {
        Self {
            horizon_ms: 30 * 60_000,
            eval_every: 30,
            alphas: DEFAULT_ALPHAS.to_vec(),
            betas: DEFAULT_BETAS.to_vec(),
            phis: DEFAULT_PHIS.to_vec(),
            coverage: 0.9,
            z_range: (0.5, 100.0),
            sample_budget: 300_000,
            extra_metrics: Vec::new(),
        }
    }
}

/// How the cluster (anomaly) models are fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyFit {
    /// Features taken from each metric, as `window.feature`, or `feature`
    /// alone for that feature of the pipeline's shortest window; every one
    /// must be in the pipeline's feature spec.
    pub features: Vec<String>,
    /// Event-time cadence of the vectors (ms): one vector per instance per
    /// tick, from each metric's features after its last sample at or before
    /// the tick.
    pub cadence_ms: i64,
    /// A metric whose last sample is older than this at a tick is missing
    /// there (ms); at least twice the series' median sampling interval.
    pub max_stale_ms: i64,
    /// Vectors with more than this share of missing features are dropped.
    pub max_missing_share: f64,
    /// Vectors per service at most (ticks are thinned evenly): the mean,
    /// scale and calibration are fitted on all of them.
    pub max_rows_per_service: usize,
    /// Vectors of the pooled fallback model at most.
    pub max_rows_fallback: usize,
    /// A service with fewer vectors gets no model of its own (the fallback
    /// serves it).
    pub min_rows: usize,
    /// DBSCAN `min_points` (a point counts itself).
    pub dbscan_min_points: usize,
    /// DBSCAN `eps` is this quantile of the distances from each vector to its
    /// `min_points − 1`-th nearest neighbour.
    pub dbscan_eps_quantile: f64,
    /// If DBSCAN marks more than this share as noise, it is ignored and all
    /// vectors are kept (the data has no dense core to clean against).
    pub max_noise_share: f64,
    /// Vectors DBSCAN and k-means see at most (thinned evenly); DBSCAN
    /// costs `O(n²)` in this number. Only used when `clusters > 1`.
    pub max_rows_cluster: usize,
    /// Centroids at most (1: the baseline is the training mean, no
    /// clustering).
    pub clusters: usize,
    /// Centroids at most one per this many clean vectors.
    pub rows_per_cluster: usize,
    /// k-means iterations at most.
    pub kmeans_max_iter: u64,
    /// Quantiles of the training scores kept for calibration.
    pub calibration_quantiles: usize,
    /// Share of the features whose largest deviations make the score.
    pub top_share: f64,
    /// Half-life of the online baseline (seconds of event time).
    pub half_life_s: f64,
    /// Half-life with which the online spread widens (seconds of event
    /// time; it narrows with `half_life_s`).
    pub growth_half_life_s: f64,
    /// Score by the `rank`-th largest deviation (0: the top-share mean).
    pub rank: usize,
}

impl Default for AnomalyFit {
    fn default() -> Self {
        Self {
            features: DEFAULT_ANOMALY_FEATURES
                .iter()
                .map(|f| f.to_string())
                .collect(),
            cadence_ms: 60_000,
            max_stale_ms: 120_000,
            max_missing_share: 0.5,
            max_rows_per_service: 50_000,
            max_rows_fallback: 50_000,
            max_rows_cluster: 2_000,
            min_rows: 50,
            dbscan_min_points: 10,
            dbscan_eps_quantile: 0.95,
            max_noise_share: 0.25,
            clusters: DEFAULT_CLUSTERS,
            rows_per_cluster: 25,
            kmeans_max_iter: 200,
            calibration_quantiles: 1001,
            top_share: DEFAULT_TOP_SHARE,
            half_life_s: DEFAULT_HALF_LIFE_S,
            growth_half_life_s: forewarn_models::cluster::DEFAULT_GROWTH_HALF_LIFE_S,
            rank: DEFAULT_RANK,
        }
    }
}

/// Everything training chooses beyond the pipeline file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FitConfig {
    /// Trend forecasters.
    pub trend: TrendFit,
    /// Cluster models.
    pub anomaly: AnomalyFit,
    /// Worker threads for folding and fitting; 0 = one per core. The result
    /// does not depend on it.
    pub threads: usize,
}

impl FitConfig {
    /// Every problem with the configuration.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let t = &self.trend;
        if t.horizon_ms <= 0 || t.eval_every == 0 || t.sample_budget == 0 {
            out.push("trend: horizon_ms, eval_every and sample_budget must be positive".into());
        }
        let unit = |v: &f64| *v > 0.0 && *v <= 1.0;
        if t.alphas.is_empty() || t.betas.is_empty() || t.phis.is_empty() {
            out.push("trend: the alpha, beta and phi grids must not be empty".into());
        }
        if !(t.alphas.iter().all(unit) && t.betas.iter().all(unit) && t.phis.iter().all(unit)) {
            out.push("trend: every alpha, beta and phi must be within (0, 1]".into());
        }
        if !(t.coverage > 0.0 && t.coverage < 1.0) {
            out.push(format!(
                "trend: coverage must be within (0, 1), got {}",
                t.coverage
            ));
        }
        if !(t.z_range.0 > 0.0 && t.z_range.0 <= t.z_range.1 && t.z_range.1.is_finite()) {
            out.push("trend: z_range must be positive, finite and ordered".into());
        }
        let a = &self.anomaly;
        if a.features.is_empty() {
            out.push("anomaly: at least one feature is required".into());
        }
        if a.cadence_ms <= 0 || a.max_stale_ms <= 0 {
            out.push("anomaly: cadence_ms and max_stale_ms must be positive".into());
        }
        if a.dbscan_min_points < 2 || a.clusters == 0 || a.rows_per_cluster == 0 {
            out.push("anomaly: dbscan_min_points ≥ 2, clusters and rows_per_cluster ≥ 1".into());
        }
        if a.min_rows < a.dbscan_min_points.max(2) || a.max_rows_per_service < a.min_rows {
            out.push("anomaly: need dbscan_min_points ≤ min_rows ≤ max_rows_per_service".into());
        }
        if a.max_rows_fallback < a.min_rows {
            out.push("anomaly: max_rows_fallback must be at least min_rows".into());
        }
        if !(a.dbscan_eps_quantile > 0.0 && a.dbscan_eps_quantile <= 1.0) {
            out.push("anomaly: dbscan_eps_quantile must be within (0, 1]".into());
        }
        if !(0.0..1.0).contains(&a.max_missing_share) || !(0.0..1.0).contains(&a.max_noise_share) {
            out.push("anomaly: max_missing_share and max_noise_share must be within [0, 1)".into());
        }
        if a.calibration_quantiles < 2 || a.kmeans_max_iter == 0 {
            out.push("anomaly: calibration_quantiles ≥ 2 and kmeans_max_iter ≥ 1".into());
        }
        out
    }

    /// Worker threads to use.
    pub(crate) fn workers(&self) -> usize {
        resolve_threads(self.threads)
    }
}

/// `threads`, or one per core when it is 0.
pub(crate) fn resolve_threads(threads: usize) -> usize {
    if threads > 0 {
        threads
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        assert!(FitConfig::default().problems().is_empty());
        let mut c = FitConfig::default();
        c.trend.phis.push(1.5);
        c.anomaly.features.clear();
        let p = c.problems();
        assert_eq!(p.len(), 2, "{p:?}");
    }
}
