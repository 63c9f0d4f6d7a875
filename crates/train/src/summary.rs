//! [`TrainSummary`]: what one training run read and fitted, for people
//! (the CLI prints it) and machines (it serialises to one JSON line), and
//! the `Metadata.metrics` entries derived from the same fits.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::fit::anomaly::{AnomalyFits, ClusterFit, FALLBACK};
use crate::fit::trend::MetricFit;

/// The trend fit of one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendSummary {
    /// Metric name.
    pub metric: String,
    /// Series it was fitted on.
    pub series: usize,
    /// Forecasts scored.
    pub evals: u64,
    /// Chosen level smoothing.
    pub alpha: f64,
    /// Chosen trend smoothing.
    pub beta: f64,
    /// Chosen damping.
    pub phi: f64,
    /// Calibrated interval multiplier.
    pub z: f64,
    /// Mean `h`-step error, normalised by each series' limit or scale.
    pub mae: f64,
    /// The same for the naive (last value) forecast.
    pub naive_mae: f64,
    /// Share of `h`-step actuals inside `forecast ± z·D(h)·se`.
    pub coverage: f64,
    /// Calibrated interval multiplier of the window line's projection (what
    /// the scorer uses once a window holds three samples).
    pub line_z: Option<f64>,
    /// Share of `h`-step actuals inside the line's interval at `line_z`.
    pub line_coverage: f64,
}

/// One cluster model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterSummary {
    /// Service, or `(fallback)`.
    pub service: String,
    /// Features per vector.
    pub features: usize,
    /// Vectors fitted on.
    pub rows: usize,
    /// Vectors the centroids were fitted on.
    pub clean_rows: usize,
    /// Centroids.
    pub clusters: usize,
    /// DBSCAN eps (standardised units); `None` with one cluster.
    pub eps: Option<f64>,
    /// Features left out: constant in training.
    pub dropped: Vec<String>,
    /// Whether DBSCAN's result was ignored.
    pub dbscan_ignored: bool,
}

impl ClusterSummary {
    fn of(service: &str, f: &ClusterFit) -> Self {
        Self {
            service: service.to_string(),
            features: f.model.features.len(),
            rows: f.rows,
            clean_rows: f.clean_rows,
            clusters: f.model.centroids.len(),
            eps: f.eps,
            dbscan_ignored: f.dbscan_ignored,
            dropped: f.dropped.clone(),
        }
    }
}

/// What a training run read and fitted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainSummary {
    /// Model name.
    pub name: String,
    /// Input files.
    pub files: Vec<String>,
    /// Rows read.
    pub rows: u64,
    /// Series in the input.
    pub series: u64,
    /// Series folded through the feature engine.
    pub series_folded: u64,
    /// Samples the feature engine applied.
    pub samples_applied: u64,
    /// Samples it skipped (duplicates, NaN, too late, counter priming).
    pub samples_skipped: u64,
    /// First event time (RFC 3339).
    pub from: String,
    /// Last event time (RFC 3339).
    pub to: String,
    /// Trend fits, by metric.
    pub trend: Vec<TrendSummary>,
    /// Cluster models, by service.
    pub services: Vec<ClusterSummary>,
    /// The fallback cluster model.
    pub fallback: Option<ClusterSummary>,
    /// Services without a model of their own, with their vector count.
    pub skipped_services: BTreeMap<String, usize>,
    /// Seconds spent reading files.
    pub read_s: f64,
    /// Seconds spent folding series through the feature engine.
    pub fold_s: f64,
    /// Seconds spent fitting (trend and clusters).
    pub fit_s: f64,
    /// Of which on the trend grid searches.
    pub trend_s: f64,
}

impl TrainSummary {
    /// Fill the fit parts from the fits.
    pub(crate) fn set_fits(&mut self, trend: &BTreeMap<String, MetricFit>, anomaly: &AnomalyFits) {
        self.trend = trend
            .iter()
            .map(|(m, f)| TrendSummary {
                metric: m.clone(),
                series: f.series,
                evals: f.evals,
                alpha: f.params.alpha,
                beta: f.params.beta,
                phi: f.params.phi,
                z: f.params.z,
                mae: f.mae,
                naive_mae: f.naive_mae,
                coverage: f.coverage,
                line_z: f.params.line_z,
                line_coverage: f.line_coverage,
            })
            .collect();
        self.services = anomaly
            .services
            .iter()
            .map(|(s, f)| ClusterSummary::of(s, f))
            .collect();
        self.fallback = anomaly
            .fallback
            .as_ref()
            .map(|f| ClusterSummary::of(FALLBACK, f));
        self.skipped_services = anomaly.skipped.clone();
    }
}

/// `30m`, `2h`, `45s`: a horizon for metric names.
pub(crate) fn horizon_label(ms: i64) -> String {
    match ms {
        m if m % 3_600_000 == 0 => format!("{}h", m / 3_600_000),
        m if m % 60_000 == 0 => format!("{}m", m / 60_000),
        m => format!("{}s", m / 1000),
    }
}

/// `Metadata.metrics`: `trend.<metric>.{mae,naive_mae,coverage}_<h>`,
/// `trend.<metric>.{z,z_raw,line_z,evals,series}`,
/// `trend.<metric>.line_coverage_<h>`, and
/// `anomaly.<service>.{rows,clean_rows,clusters,eps,noise_share,dropped}`
/// (the fallback under `anomaly.fallback`). Non-finite values are left out
/// (TOML has no portable NaN).
pub(crate) fn metrics(
    horizon_ms: i64,
    trend: &BTreeMap<String, MetricFit>,
    anomaly: &AnomalyFits,
) -> BTreeMap<String, f64> {
    let h = horizon_label(horizon_ms);
    let mut out = BTreeMap::new();
    let mut put = |k: String, v: f64| {
        if v.is_finite() {
            out.insert(k, v);
        }
    };
    for (m, f) in trend {
        put(format!("trend.{m}.mae_{h}"), f.mae);
        put(format!("trend.{m}.naive_mae_{h}"), f.naive_mae);
        put(format!("trend.{m}.coverage_{h}"), f.coverage);
        put(format!("trend.{m}.z"), f.params.z);
        put(format!("trend.{m}.z_raw"), f.z_raw);
        put(
            format!("trend.{m}.line_z"),
            f.params.line_z.unwrap_or(f64::NAN),
        );
        put(format!("trend.{m}.line_coverage_{h}"), f.line_coverage);
        put(format!("trend.{m}.evals"), f.evals as f64);
        put(format!("trend.{m}.series"), f.series as f64);
    }
    let fallback = anomaly.fallback.iter().map(|f| ("fallback", f));
    for (s, f) in anomaly
        .services
        .iter()
        .map(|(s, f)| (s.as_str(), f))
        .chain(fallback)
    {
        put(format!("anomaly.{s}.rows"), f.rows as f64);
        put(format!("anomaly.{s}.clean_rows"), f.clean_rows as f64);
        put(
            format!("anomaly.{s}.clusters"),
            f.model.centroids.len() as f64,
        );
        put(format!("anomaly.{s}.eps"), f.eps.unwrap_or(f64::NAN));
        put(format!("anomaly.{s}.dropped"), f.dropped.len() as f64);
        put(format!("anomaly.{s}.noise_share"), f.noise_share);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn horizon_labels() {
        assert_eq!(super::horizon_label(1_800_000), "30m");
        assert_eq!(super::horizon_label(7_200_000), "2h");
        assert_eq!(super::horizon_label(45_000), "45s");
    }
}
