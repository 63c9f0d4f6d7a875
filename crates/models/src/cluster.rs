//! The multivariate anomaly model of one service: standardised feature
//! vectors scored by their distance to the nearest centroid of clusters fitted
//! offline (k-means after DBSCAN removed outliers from the training data, in
//! `forewarn-train`), calibrated with the empirical distribution of training
//! distances. Scoring needs no linfa: a model is plain numbers.
//!
//! Calibration. A distance `d` has a tail probability (p-value) `P(D ≥ d)`
//! under the training distribution: the empirical one inside it, and beyond
//! its 95th percentile an exponential tail fitted to the excesses (peaks
//! over threshold), so distances past anything seen in training still get
//! smaller and smaller p-values instead of saturating. The probability that
//! the vector is abnormal is `1 − p / ALPHA` clamped to [0, 1], with
//! [`ALPHA`] = 10⁻³: zero for everything up to the 99.9th percentile of
//! normal behaviour, 0.9 at a p-value of 10⁻⁴, 0.99 at 10⁻⁵. An opening
//! threshold of 0.9 thus accepts about one evaluation in 10,000 of normal
//! behaviour, before the tracker's minimum duration filters further.

use serde::{Deserialize, Serialize};

/// A fitted cluster model. Invariants (checked by [`ClusterModel::problems`]):
/// `mean`, `scale` and every centroid have one entry per feature; scales are
/// positive; `calibration` is sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterModel {
    /// Feature ids in vector order, `metric.window.feature`, e.g.
    /// `cpu_utilization.5m.mean`.
    pub features: Vec<String>,
    /// Training mean of each feature.
    pub mean: Vec<f64>,
    /// Training scale (robust standard deviation) of each feature.
    pub scale: Vec<f64>,
    /// Centroids in standardised space.
    pub centroids: Vec<Vec<f64>>,
    /// Sorted quantiles of the training distances (nearest-centroid, after
    /// outlier removal), evenly spaced in probability from 0 to 1.
    pub calibration: Vec<f64>,
}

/// Significance level of [`ClusterModel::score`]'s probability: p-values at
/// or above it map to probability 0.
pub const ALPHA: f64 = 1e-3;

/// Quantile above which the distance tail is modelled as exponential.
const TAIL_FROM: f64 = 0.95;

/// The score of one feature vector.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterScore {
    /// Euclidean distance to the nearest centroid (standardised units).
    pub distance: f64,
    /// Tail probability of the distance under the training distribution.
    pub p_value: f64,
    /// Calibrated probability that the vector is abnormal, in [0, 1]:
    /// `1 − p_value / ALPHA`, clamped.
    pub probability: f64,
    /// Per-feature share of the squared distance, summing to 1.
    pub contributions: Vec<f64>,
}

impl ClusterModel {
    /// Every inconsistency, as messages; empty when the model is usable.
    pub fn problems(&self) -> Vec<String> {
        let d = self.features.len();
        let mut out = Vec::new();
        if d == 0 {
            out.push("no features".to_string());
        }
        if self.mean.len() != d || self.scale.len() != d {
            out.push(format!(
                "mean/scale have {}/{} entries for {d} features",
                self.mean.len(),
                self.scale.len()
            ));
        }
        if self.scale.iter().any(|s| !(*s > 0.0 && s.is_finite())) {
            out.push("scales must be positive and finite".into());
        }
        if self.centroids.is_empty() {
            out.push("no centroids".into());
        }
        for (i, c) in self.centroids.iter().enumerate() {
            if c.len() != d || c.iter().any(|v| !v.is_finite()) {
                out.push(format!(
                    "centroid {i} has {} entries (or non-finite ones) for {d} features",
                    c.len()
                ));
            }
        }
        if self.calibration.len() < 2 || self.calibration.windows(2).any(|w| w[0] > w[1]) {
            out.push("calibration must hold at least two sorted quantiles".into());
        }
        out
    }

    /// Score `x` (raw feature values, in `features` order). Missing values
    /// (NaN) are replaced by the training mean, so they neither add nor hide
    /// distance.
    pub fn score(&self, x: &[f64]) -> ClusterScore {
        let z: Vec<f64> = x
            .iter()
            .zip(self.mean.iter().zip(&self.scale))
            .map(|(v, (m, s))| if v.is_finite() { (v - m) / s } else { 0.0 })
            .collect();
        let (best, d2) = self
            .centroids
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    i,
                    z.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum::<f64>(),
                )
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 0.0));
        let contributions = if d2 > 0.0 {
            z.iter()
                .zip(&self.centroids[best])
                .map(|(a, b)| (a - b) * (a - b) / d2)
                .collect()
        } else {
            vec![0.0; z.len()]
        };
        let distance = d2.sqrt();
        let p_value = self.p_value(distance);
        ClusterScore {
            distance,
            p_value,
            probability: (1.0 - p_value / ALPHA).clamp(0.0, 1.0),
            contributions,
        }
    }

    /// `P(D ≥ distance)` under the training distances: empirical up to
    /// their 95th percentile, an exponential tail fitted to the excesses
    /// over it beyond.
    pub fn p_value(&self, distance: f64) -> f64 {
        let q = &self.calibration;
        let n = q.len();
        if n < 2 {
            return 1.0;
        }
        let from = ((TAIL_FROM * (n - 1) as f64).floor() as usize).min(n - 2);
        let u = q[from];
        if distance <= u {
            return 1.0 - self.calibrate(distance);
        }
        // Exponential tail: ln(P(D ≥ q_i) / P(D ≥ u)) = −(q_i − u) / σ for
        // the stored quantiles q_i above u (the last, P = 0, left out);
        // σ by least squares through the origin.
        let at_u = 1.0 - from as f64 / (n - 1) as f64;
        let (mut xy, mut yy) = (0.0, 0.0);
        for (i, qi) in q.iter().enumerate().take(n - 1).skip(from + 1) {
            let t = 1.0 - i as f64 / (n - 1) as f64;
            let y = (at_u / t).ln();
            xy += (qi - u) * y;
            yy += y * y;
        }
        let sigma = if yy > 0.0 { xy / yy } else { 0.0 };
        if sigma <= 0.0 || !sigma.is_finite() {
            return 0.0;
        }
        at_u * (-(distance - u) / sigma).exp()
    }

    /// The empirical CDF of training distances at `distance`, interpolated
    /// between stored quantiles.
    pub fn calibrate(&self, distance: f64) -> f64 {
        let q = &self.calibration;
        let n = q.len();
        if n < 2 || distance <= q[0] {
            return 0.0;
        }
        if distance >= q[n - 1] {
            return 1.0;
        }
        let i = q.partition_point(|v| *v <= distance);
        let (lo, hi) = (q[i - 1], q[i]);
        let frac = if hi > lo {
            (distance - lo) / (hi - lo)
        } else {
            1.0
        };
        ((i - 1) as f64 + frac) / (n - 1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> ClusterModel {
        ClusterModel {
            features: vec!["a".into(), "b".into()],
            mean: vec![10.0, 100.0],
            scale: vec![1.0, 10.0],
            centroids: vec![vec![0.0, 0.0], vec![5.0, 5.0]],
            calibration: vec![0.0, 0.5, 1.0, 2.0, 4.0],
        }
    }

    #[test]
    fn nearest_centroid_distance_and_calibration() {
        let m = model();
        assert!(m.problems().is_empty());
        let s = m.score(&[10.0, 100.0]);
        assert_eq!((s.distance, s.probability), (0.0, 0.0));
        let s = m.score(&[13.0, 140.0]); // z = (3, 4): 5 from origin, sqrt(5) from (5, 5)
        assert!((s.distance - 5f64.sqrt()).abs() < 1e-12);
        assert!((s.contributions.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((m.calibrate(1.5) - 0.625).abs() < 1e-12);
        assert_eq!(m.calibrate(100.0), 1.0);
    }

    #[test]
    fn tail_p_values_keep_falling_beyond_the_training_range() {
        // 101 quantiles of an exponential(1) distribution.
        let calibration: Vec<f64> = (0..=100)
            .map(|i| {
                let p = f64::from(i) / 100.0;
                -(1.0 - p.min(0.995)).ln()
            })
            .collect();
        let m = ClusterModel {
            calibration,
            ..model()
        };
        assert!((m.p_value(m.calibration[50]) - 0.5).abs() < 1e-9);
        let (p10, p12, p20) = (m.p_value(10.0), m.p_value(12.0), m.p_value(20.0));
        assert!(p10 > p12 && p12 > p20 && p20 > 0.0, "{p10} {p12} {p20}");
        // Exponential(1): P(D ≥ 10) = e^-10, recovered within a factor 3.
        assert!(
            p10 > (-10f64).exp() / 3.0 && p10 < (-10f64).exp() * 3.0,
            "{p10}"
        );
        let s = |d: f64| (1.0 - m.p_value(d) / ALPHA).clamp(0.0, 1.0);
        assert_eq!(s(m.calibration[99]), 0.0);
        assert!(s(15.0) > 0.99);
    }

    #[test]
    fn missing_values_count_as_the_mean() {
        let m = model();
        assert_eq!(m.score(&[f64::NAN, 100.0]).distance, 0.0);
    }

    #[test]
    fn inconsistent_models_are_described() {
        let mut m = model();
        m.scale[1] = 0.0;
        m.centroids.push(vec![1.0]);
        m.calibration = vec![2.0, 1.0];
        assert_eq!(m.problems().len(), 3, "{:?}", m.problems());
    }
}
