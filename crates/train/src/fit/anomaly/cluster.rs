//! Fitting one [`ClusterModel`] on a service's vectors:
//!
//! 1. **Standardise** with the training mean and standard deviation
//!    (`standardise`); features with no range in training are left out of
//!    the model and listed in [`ClusterFit::dropped`].
//! 2. **Centroids**: with `clusters = 1` (the default) the single centroid
//!    is the mean. With more, on at most `max_rows_cluster` vectors
//!    (thinned evenly): DBSCAN (linfa-clustering, `min_points` = 10, eps the
//!    `dbscan_eps_quantile` quantile of the `min_points − 1`-th neighbour
//!    distances) marks noise, which is dropped unless it is more than
//!    `max_noise_share`; then k-means (linfa-clustering) with
//!    `k = min(clusters, clean / rows_per_cluster)` from k-means++ centroids
//!    drawn with a ChaCha8 generator seeded from the training seed and the
//!    model's name, one run, so a seed gives the same centroids bit for bit.
//! 3. **Calibration**: `calibration_quantiles` (1001) quantiles, evenly
//!    spaced in probability from 0 to 1, of the training score of every
//!    vector (noise included: the bursts of normal operation are what the
//!    threshold must tolerate).

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
    /// Vectors the centroids were fitted on (after DBSCAN and thinning;
    /// all of them with one cluster).
    pub clean_rows: usize,
    /// DBSCAN's `eps` (standardised units); `None` with one cluster (no
    /// DBSCAN run).
    pub eps: Option<f64>,
    /// Share of vectors DBSCAN marked as noise.
    pub noise_share: f64,
    /// Whether DBSCAN's result was ignored (see the module docs).
    pub dbscan_ignored: bool,
    /// Features left out of the model: constant in training.
    pub dropped: Vec<String>,
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

/// What clustering found.
struct Clustered {
    centroids: Vec<Vec<f64>>,
    /// Vectors k-means was fitted on.
    clean_rows: usize,
    eps: f64,
    noise_share: f64,
    dbscan_ignored: bool,
}

/// Centroids by DBSCAN then k-means on standardised `z` (rows of `d`),
/// thinned evenly to `max_rows_cluster`.
fn clusters(name: &str, z: &[f64], d: usize, cfg: &AnomalyFit, seed: u64) -> Result<Clustered> {
    let fail = |message: String| Error::Fit {
        model: format!("anomaly.{name}"),
        message,
    };
    let n_all = z.len() / d;
    // NaN (missing) counts as the centre for clustering.
    let z: Vec<f64> = super::vectors::even_indices(n_all, cfg.max_rows_cluster)
        .into_iter()
        .flat_map(|i| {
            z[i * d..(i + 1) * d]
                .iter()
                .map(|v| if v.is_finite() { *v } else { 0.0 })
        })
        .collect();
    let n = z.len() / d;
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
    let k = cfg.clusters.min(keep.len() / cfg.rows_per_cluster).max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ xxhash_rust::xxh3::xxh3_64(name.as_bytes()));
    let init = kmeans_pp(&kept, d, k, &mut rng);
    let k = init.len();
    let init = Array2::from_shape_vec((k, d), init.concat()).map_err(|e| fail(e.to_string()))?;
    let records = Array2::from_shape_vec((keep.len(), d), kept).map_err(|e| fail(e.to_string()))?;
    let fitted = KMeans::params(k)
        .init_method(KMeansInit::Precomputed(init))
        .n_runs(1)
        .max_n_iterations(cfg.kmeans_max_iter)
        .tolerance(1e-9)
        .fit(&DatasetBase::from(records))
        .map_err(|e| fail(format!("k-means: {e}")))?;
    let centroids = fitted
        .centroids()
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect();
    Ok(Clustered {
        centroids,
        clean_rows: keep.len(),
        eps,
        noise_share,
        dbscan_ignored,
    })
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
    let d_all = features.len();
    let n = rows.len().checked_div(d_all).unwrap_or(0);
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
    // 1: standardise; leave constant features out.
    let std_all = Standardiser::fit(rows, d_all);
    let used: Vec<usize> = (0..d_all).filter(|j| !std_all.constant[*j]).collect();
    if used.is_empty() {
        return Err(fail(format!(
            "all {d_all} features are constant in training: nothing to learn a baseline from"
        )));
    }
    let dropped = (0..d_all)
        .filter(|j| std_all.constant[*j])
        .map(|j| features[j].clone())
        .collect();
    let d = used.len();
    let rows: Vec<f64> = rows
        .chunks_exact(d_all)
        .flat_map(|r| used.iter().map(|&j| r[j]).collect::<Vec<_>>())
        .collect();
    let features: Vec<String> = used.iter().map(|&j| features[j].clone()).collect();
    let std = Standardiser {
        centre: used.iter().map(|&j| std_all.centre[j]).collect(),
        scale: used.iter().map(|&j| std_all.scale[j]).collect(),
        constant: vec![false; d],
    };
    let z = std.apply(&rows);

    // 2: centroids.
    let (centroids, clean_rows, eps, noise_share, dbscan_ignored) = if cfg.clusters > 1 {
        let c = clusters(name, &z, d, cfg, seed)?;
        (
            c.centroids,
            c.clean_rows,
            Some(c.eps),
            c.noise_share,
            c.dbscan_ignored,
        )
    } else {
        (vec![vec![0.0; d]], n, None, 0.0, false)
    };

    // 3: calibration on every training vector's score.
    let mut model = ClusterModel {
        features,
        mean: std.centre,
        scale: std.scale,
        centroids,
        top_share: cfg.top_share,
        rank: cfg.rank,
        half_life_s: cfg.half_life_s,
        growth_half_life_s: cfg.growth_half_life_s,
        calibration: vec![0.0, 0.0],
    };
    let mut scores = model.training_scores(&rows);
    scores.sort_by(f64::total_cmp);
    model.calibration = quantile_table(&scores, cfg.calibration_quantiles);
    let problems = model.problems();
    if !problems.is_empty() {
        return Err(fail(problems.join("; ")));
    }
    Ok(ClusterFit {
        model,
        rows: n,
        clean_rows,
        eps,
        noise_share,
        dbscan_ignored,
        dropped,
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
    fn with_clusters_removes_outliers_finds_the_blobs_and_calibrates() {
        let cfg = AnomalyFit {
            clusters: 8,
            calibration_quantiles: 101,
            ..AnomalyFit::default()
        };
        let fit = fit_cluster("svc", names(), &blobs(), &cfg, 7).unwrap();
        assert_eq!(fit.rows, 404);
        assert!(fit.clean_rows <= 400 && fit.clean_rows >= 380, "{fit:?}");
        assert!(!fit.dbscan_ignored);
        assert!(fit.model.centroids.len() >= 2);
        assert_eq!(fit.model.calibration.len(), 101);
        let m = &fit.model;
        assert!(m.score(&[0.0, 0.0, 0.0]).probability < 0.9);
        assert_eq!(m.score(&[100.0, -80.0, 55.0]).probability, 1.0);
        // Bit-identical for the same seed.
        assert_eq!(fit_cluster("svc", names(), &blobs(), &cfg, 7).unwrap(), fit);
    }

    #[test]
    fn by_default_one_centroid_the_mean_and_constant_features_left_out() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let rows: Vec<f64> = (0..2000)
            .flat_map(|_| [rng.random::<f64>(), 7.0, 10.0 + rng.random::<f64>()])
            .collect();
        let fit = fit_cluster("svc", names(), &rows, &AnomalyFit::default(), 1).unwrap();
        let m = &fit.model;
        assert_eq!(m.features, ["a", "c"]);
        assert_eq!(fit.dropped, ["b"]);
        assert_eq!(m.centroids, vec![vec![0.0, 0.0]]);
        assert_eq!(fit.eps, None);
        assert_eq!(m.calibration.len(), 1001);
        // Uniform(0, 1): mean 0.5, std 1/sqrt(12).
        assert!((m.mean[0] - 0.5).abs() < 0.03 && (m.scale[0] - 0.2887).abs() < 0.02);
        // Inside the training range: no alarm; far outside in both: sure.
        assert_eq!(m.score(&[0.5, 10.5]).probability, 0.0);
        assert_eq!(m.score(&[5.0, 20.0]).probability, 1.0);
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
