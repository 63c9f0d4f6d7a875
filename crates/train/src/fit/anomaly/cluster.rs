//! Fitting one [`ClusterModel`] on standardised vectors:
//!
//! 1. **eps** for DBSCAN: the `dbscan_eps_quantile` (95 %) quantile of each
//!    vector's distance to its `min_points − 1`-th nearest other vector (the
//!    usual k-distance heuristic), so the threshold follows the data's own
//!    density in any dimension.
//! 2. **DBSCAN** (linfa-clustering, `min_points` = 10, its default k-d tree
//!    for neighbour queries) marks noise; noise is dropped. If it marks more than `max_noise_share`, or leaves
//!    fewer than `min_rows` vectors, it is ignored (all are kept).
//! 3. **k-means** (linfa-clustering) on the clean vectors with
//!    `k = min(clusters, clean / rows_per_cluster)` (at least 1), started
//!    from k-means++ centroids drawn with a ChaCha8 generator seeded from the
//!    training seed and the model's name, one run, so a seed gives the same
//!    centroids bit for bit.
//! 4. **Calibration**: `calibration_quantiles` (101) quantiles, evenly
//!    spaced in probability from 0 to 1, of the clean vectors'
//!    nearest-centroid distances.

use forewarn_models::cluster::ClusterModel;
use linfa::DatasetBase;
use linfa::traits::{Fit, Transformer};
use linfa_clustering::{Dbscan, KMeans, KMeansInit};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::standardise::Standardiser;
use crate::error::{Error, Result};
use crate::fit::config::AnomalyFit;
use crate::stats::{quantile_sorted, quantile_table};

/// A fitted model and how it was fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterFit {
    /// The model.
    pub model: ClusterModel,
    /// Vectors it was fitted on.
    pub rows: usize,
    /// Vectors left after DBSCAN.
    pub clean_rows: usize,
    /// DBSCAN's `eps` (standardised units).
    pub eps: f64,
    /// Share of vectors DBSCAN marked as noise.
    pub noise_share: f64,
    /// Whether DBSCAN's result was ignored (see the module docs).
    pub dbscan_ignored: bool,
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Distance from each row to its `k`-th nearest other row.
fn k_distances(z: &[f64], d: usize, k: usize) -> Vec<f64> {
    let n = z.len() / d;
    let mut all = vec![0.0; n * n];
    for i in 0..n {
        for j in (i + 1)..n {
            let v = dist2(&z[i * d..(i + 1) * d], &z[j * d..(j + 1) * d]);
            all[i * n + j] = v;
            all[j * n + i] = v;
        }
    }
    let k = k.clamp(1, n.saturating_sub(1).max(1));
    (0..n)
        .map(|i| {
            let mut row: Vec<f64> = (0..n).filter(|j| *j != i).map(|j| all[i * n + j]).collect();
            if row.is_empty() {
                return 0.0;
            }
            let (_, kth, _) = row.select_nth_unstable_by(k - 1, f64::total_cmp);
            kth.sqrt()
        })
        .collect()
}

/// k-means++ seeding: up to `k` distinct rows, the first uniformly, each next
/// with probability proportional to its squared distance to the nearest one
/// chosen so far.
fn kmeans_pp(z: &[f64], d: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    let n = z.len() / d;
    let row = |i: usize| &z[i * d..(i + 1) * d];
    let mut centres = vec![row(rng.random_range(0..n)).to_vec()];
    let mut near: Vec<f64> = (0..n).map(|i| dist2(row(i), &centres[0])).collect();
    while centres.len() < k {
        let total: f64 = near.iter().sum();
        if total <= 0.0 {
            break;
        }
        let mut u = rng.random::<f64>() * total;
        let mut pick = n - 1;
        for (i, w) in near.iter().enumerate() {
            if u < *w {
                pick = i;
                break;
            }
            u -= w;
        }
        let c = row(pick).to_vec();
        for (i, m) in near.iter_mut().enumerate() {
            *m = m.min(dist2(row(i), &c));
        }
        centres.push(c);
    }
    centres
}

/// Fit a cluster model named `name` on raw `rows` (row-major, one column
/// per entry of `features`).
pub(crate) fn fit_cluster(
    name: &str,
    features: Vec<String>,
    rows: &[f64],
    cfg: &AnomalyFit,
    seed: u64,
) -> Result<ClusterFit> {
    let d = features.len();
    let n = rows.len().checked_div(d).unwrap_or(0);
    let fail = |message: String| Error::Fit {
        model: format!("anomaly.{name}"),
        message,
    };
    if n < cfg.min_rows.max(2) {
        return Err(fail(format!(
            "{n} vectors, fewer than the {} required",
            cfg.min_rows
        )));
    }
    let std = Standardiser::fit(rows, d);
    let z = std.apply(rows);

    // 1-2: DBSCAN with eps from the k-distances.
    let mut kd = k_distances(&z, d, cfg.dbscan_min_points - 1);
    kd.sort_by(f64::total_cmp);
    let eps = (quantile_sorted(&kd, cfg.dbscan_eps_quantile) * (1.0 + 1e-9)).max(1e-9);
    let matrix = Array2::from_shape_vec((n, d), z.clone()).map_err(|e| fail(e.to_string()))?;
    let labels = Dbscan::params(cfg.dbscan_min_points)
        .tolerance(eps)
        .transform(&matrix)
        .map_err(|e| fail(format!("DBSCAN: {e}")))?;
    let clean: Vec<usize> = (0..n).filter(|i| labels[*i].is_some()).collect();
    let noise_share = 1.0 - clean.len() as f64 / n as f64;
    let dbscan_ignored = noise_share > cfg.max_noise_share || clean.len() < cfg.min_rows;
    let keep: Vec<usize> = if dbscan_ignored {
        (0..n).collect()
    } else {
        clean
    };
    let kept: Vec<f64> = keep
        .iter()
        .flat_map(|i| z[i * d..(i + 1) * d].iter().copied())
        .collect();

    // 3: k-means from seeded k-means++ centroids.
    let k = cfg.clusters.min(keep.len() / cfg.rows_per_cluster).max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ xxhash_rust::xxh3::xxh3_64(name.as_bytes()));
    let init = kmeans_pp(&kept, d, k, &mut rng);
    let k = init.len();
    let init = Array2::from_shape_vec((k, d), init.concat()).map_err(|e| fail(e.to_string()))?;
    let records =
        Array2::from_shape_vec((keep.len(), d), kept.clone()).map_err(|e| fail(e.to_string()))?;
    let fitted = KMeans::params(k)
        .init_method(KMeansInit::Precomputed(init))
        .n_runs(1)
        .max_n_iterations(cfg.kmeans_max_iter)
        .tolerance(1e-9)
        .fit(&DatasetBase::from(records))
        .map_err(|e| fail(format!("k-means: {e}")))?;
    let centroids: Vec<Vec<f64>> = fitted
        .centroids()
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect();

    // 4: calibration on the clean vectors.
    let mut dists: Vec<f64> = kept
        .chunks_exact(d)
        .map(|r| {
            centroids
                .iter()
                .map(|c| dist2(r, c))
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .collect();
    dists.sort_by(f64::total_cmp);
    let model = ClusterModel {
        features,
        mean: std.centre,
        scale: std.scale,
        centroids,
        calibration: quantile_table(&dists, cfg.calibration_quantiles),
    };
    let problems = model.problems();
    if !problems.is_empty() {
        return Err(fail(problems.join("; ")));
    }
    Ok(ClusterFit {
        model,
        rows: n,
        clean_rows: keep.len(),
        eps,
        noise_share,
        dbscan_ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tight blobs in 3-D plus a few far outliers, deterministic.
    fn blobs() -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut rows = Vec::new();
        for i in 0..400 {
            let c = if i % 2 == 0 { 0.0 } else { 10.0 };
            for _ in 0..3 {
                rows.push(c + rng.random::<f64>() - 0.5);
            }
        }
        for o in 0..4 {
            rows.extend([100.0 + f64::from(o) * 37.0, -80.0, 55.0]);
        }
        rows
    }

    fn names() -> Vec<String> {
        vec!["a".into(), "b".into(), "c".into()]
    }

    #[test]
    fn removes_outliers_finds_the_blobs_and_calibrates() {
        let cfg = AnomalyFit::default();
        let fit = fit_cluster("svc", names(), &blobs(), &cfg, 7).unwrap();
        assert_eq!(fit.rows, 404);
        assert!(fit.clean_rows <= 400 && fit.clean_rows >= 380, "{fit:?}");
        assert!(!fit.dbscan_ignored);
        assert_eq!(fit.model.calibration.len(), 101);
        let m = &fit.model;
        assert!(m.score(&[0.0, 0.0, 0.0]).probability < 0.9);
        assert_eq!(m.score(&[100.0, -80.0, 55.0]).probability, 1.0);
        // Bit-identical for the same seed.
        assert_eq!(fit_cluster("svc", names(), &blobs(), &cfg, 7).unwrap(), fit);
    }

    #[test]
    fn too_few_rows_is_an_error_naming_the_model() {
        let e = fit_cluster("db", names(), &[1.0; 30], &AnomalyFit::default(), 1).unwrap_err();
        assert!(
            e.to_string().starts_with("fitting anomaly.db: 10 vectors"),
            "{e}"
        );
    }
}
