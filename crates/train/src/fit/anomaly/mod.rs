//! Fitting the cluster (anomaly) models: one per service on that service's
//! vectors, and a fallback on all services' vectors pooled, for services
//! not seen in training or with too few vectors of their own.
//!
//! - [`mod@vectors`]: building the vectors from folded series.
//! - `standardise`: centring and scaling (mean, standard deviation floored
//!   at 1 % of the range), constant features flagged.
//! - [`cluster`]: centroids (the mean; DBSCAN and k-means when asked for
//!   more than one), calibration on every training vector's score.

pub mod cluster;
mod standardise;
pub mod vectors;

use std::collections::BTreeMap;

pub use self::cluster::ClusterFit;
use self::vectors::even_indices;
pub use self::vectors::{ServiceVectors, vectors};
use super::config::AnomalyFit;
use crate::error::Result;
use crate::parallel;

/// Name the fallback model is fitted (and seeded) under.
pub const FALLBACK: &str = "(fallback)";

/// The fitted cluster models.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnomalyFits {
    /// Per service.
    pub services: BTreeMap<String, ClusterFit>,
    /// Services with too few vectors for a model of their own, with their count.
    pub skipped: BTreeMap<String, usize>,
    /// Fitted on all services pooled; `None` when even those are too few.
    pub fallback: Option<ClusterFit>,
}

/// All services' vectors in the union of their features (sorted), thinned
/// evenly to `max_rows`.
fn pooled(vectors: &BTreeMap<String, ServiceVectors>, max_rows: usize) -> (Vec<String>, Vec<f64>) {
    let mut features: Vec<String> = vectors
        .values()
        .flat_map(|v| v.features.iter().cloned())
        .collect();
    features.sort();
    features.dedup();
    let total: usize = vectors.values().map(ServiceVectors::len).sum();
    let keep = even_indices(total, max_rows);
    let mut rows = Vec::with_capacity(keep.len() * features.len());
    let (mut base, mut k) = (0, 0);
    for v in vectors.values() {
        let cols: Vec<usize> = v
            .features
            .iter()
            .map(|f| features.binary_search(f).unwrap_or_default())
            .collect();
        while k < keep.len() && keep[k] < base + v.len() {
            let mut row = vec![f64::NAN; features.len()];
            for (x, c) in v.row(keep[k] - base).iter().zip(&cols) {
                row[*c] = *x;
            }
            rows.extend(row);
            k += 1;
        }
        base += v.len();
    }
    (features, rows)
}

/// Fit every service with enough vectors, and the fallback.
pub(crate) fn fit_all(
    vectors: &BTreeMap<String, ServiceVectors>,
    cfg: &AnomalyFit,
    seed: u64,
    workers: usize,
    done: impl Fn() + Sync,
) -> Result<AnomalyFits> {
    let names: Vec<&String> = vectors.keys().collect();
    let fits = parallel::map(names.len() + 1, workers, |i| {
        let r = if i < names.len() {
            let v = &vectors[names[i]];
            (v.len() >= cfg.min_rows)
                .then(|| cluster::fit_cluster(names[i], v.features.clone(), &v.values, cfg, seed))
        } else {
            let (features, rows) = pooled(vectors, cfg.max_rows_fallback);
            (rows.len() >= cfg.min_rows * features.len().max(1) && !features.is_empty())
                .then(|| cluster::fit_cluster(FALLBACK, features, &rows, cfg, seed))
        };
        done();
        r.transpose()
    });
    let mut out = AnomalyFits::default();
    for (i, fit) in fits.into_iter().enumerate() {
        match (names.get(i), fit?) {
            (Some(name), Some(f)) => {
                out.services.insert(name.to_string(), f);
            }
            (Some(name), None) => {
                out.skipped.insert(name.to_string(), vectors[*name].len());
            }
            (None, f) => out.fallback = f,
        }
    }
    Ok(out)
}
