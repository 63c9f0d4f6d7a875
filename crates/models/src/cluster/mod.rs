//! The multivariate anomaly model of one service: an adaptive baseline of
//! its feature vectors, fitted offline (in `forewarn-train`) and kept up to
//! date online, per instance, on the vectors it judges normal.
//!
//! Scoring a vector `x` (raw feature values):
//!
//! 1. Standardise with the training mean and standard deviation:
//!    `z = (x − mean) / scale`.
//! 2. Find the nearest of the instance's centroids (k-means in standardised
//!    space; one centroid, the mean, unless training was asked for more) and
//!    take each feature's deviation from it in the instance's own standard
//!    deviations: `dev_i = |z_i − c_i| / sqrt(v_i)`.
//! 3. The score is the `rank`-th largest deviation (models trained since
//!    2026-12-07: the second largest), or, with `rank` 0, the mean of the
//!    largest `top_share` of them (at least one): an anomaly must show in
//!    several features at once, so one bursty feature (a disk counter, a
//!    retransmit count) cannot raise an alarm on its own, while a fault
//!    that moves two or more does.
//! 4. Calibration: the score's tail probability (p-value) under the
//!    training scores, empirical inside their range and beyond their 95th
//!    percentile an exponential tail fitted to the excesses (peaks over
//!    threshold), so scores past anything seen in training still get
//!    smaller p-values instead of saturating. The probability that the
//!    vector is abnormal is `1 − p / ALPHA` clamped to [0, 1], with
//!    [`ALPHA`] = 10⁻³: zero up to the 99.9th percentile of normal
//!    behaviour, 0.9 (the default opening threshold) at a p-value of 10⁻⁴,
//!    0.99 at 10⁻⁵.
//! 5. Learning: a vector whose p-value is at least [`LEARN_ALPHA`] (normal
//!    at the 10⁻³ level) moves the nearest centroid toward itself with
//!    half-life `half_life_s`, and each feature's variance with the same
//!    half-life when it narrows but `growth_half_life_s` (12 h) when the
//!    vector lies wider than the variance (a vector's widening counting for
//!    at most [`MAX_GROWTH_STEP_S`] of event time): a daily peak wider than
//!    the night the warm-up saw is learned within the day (one feature's
//!    deviation counting for at most [`MAX_LEARN_DEV`] standard
//!    deviations, so a lone spike does not inflate it); an abnormal one teaches
//!    nothing, so an incident does not become the new normal while it lasts,
//!    but a lasting shift in a quiet direction is absorbed.
//!
//! Missing values (NaN) are left out of steps 2-5: the score is the mean
//! of the largest `top_share` of the deviations that exist.
//! Scoring needs no linfa: a model is plain numbers, its per-instance
//! state ([`ClusterState`]) too.

use serde::{Deserialize, Serialize};

/// A fitted model. Invariants (checked by [`ClusterModel::problems`]):
/// `mean`, `scale` and every centroid have one entry per feature; scales are
/// positive; `calibration` is sorted; `top_share` is in (0, 1];
/// `half_life_s` is positive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterModel {
    /// Feature ids in vector order, `metric.window.feature`, e.g.
    /// `cpu_utilization.5m.mean`. Features constant in training are left
    /// out when fitting: they carry no baseline.
    pub features: Vec<String>,
    /// Training mean of each feature.
    pub mean: Vec<f64>,
    /// Training standard deviation of each feature (floored).
    pub scale: Vec<f64>,
    /// Centroids in standardised space.
    pub centroids: Vec<Vec<f64>>,
    /// Share of the features whose largest deviations make the score.
    pub top_share: f64,
    /// When at least 1, the score is instead the `rank`-th largest
    /// deviation: an anomaly must show in at least `rank` features at once,
    /// so no single bursty feature can raise one on its own. 0 (models
    /// trained before it): the mean of the largest `top_share`.
    #[serde(default)]
    pub rank: usize,
    /// Half-life of online learning (seconds of event time).
    pub half_life_s: f64,
    /// Sorted quantiles of the training scores, evenly spaced in
    /// probability from 0 to 1.
    pub calibration: Vec<f64>,
    /// Half-life with which a feature's variance grows toward a wider
    /// spread the instance shows (seconds of event time); it narrows with
    /// `half_life_s`. Models trained before it get
    /// [`DEFAULT_GROWTH_HALF_LIFE_S`].
    #[serde(default = "default_growth_half_life_s")]
    pub growth_half_life_s: f64,
}

/// Default of [`ClusterModel::growth_half_life_s`]: 12 hours, so an
/// instance whose daily peak is wider than the night its warm-up saw is
/// learned within the day, while a quiet spell narrows the spread only
/// over days (`half_life_s`, 3 days by default). Chosen across sources
/// (smd-dev and simulated fleets; README, "Anomaly model").
pub const DEFAULT_GROWTH_HALF_LIFE_S: f64 = 12.0 * 3600.0;

fn default_growth_half_life_s() -> f64 {
    DEFAULT_GROWTH_HALF_LIFE_S
}

/// The most event time one vector's widening of the spread counts for,
/// seconds: the cadence of the training vectors (one a minute). A vector
/// 5 minutes after the last (data sampled every 5 minutes, or the first
/// after a gap) is one observation, and widens the spread as one
/// minute's vector would rather than as five minutes' worth of them: in
/// event time the spread of sparse data then widens more slowly (at
/// 5-minute steps 1.2 times as fast as it narrows, not 6), so a single
/// wide sample cannot inflate it. The level and the narrowing still move
/// with the full elapsed time. Measured on smd-dev averaged to 5-minute
/// rows: F1 0.284 → 0.340, above the z-score's 0.312; unchanged on
/// simulated fleets at 5 minutes; 1-minute and 30-second data unchanged
/// by construction (README, "Real server metrics").
pub const MAX_GROWTH_STEP_S: f64 = 60.0;

/// The largest deviation, in the instance's standard deviations, one
/// learned vector's feature counts for when it widens that feature's
/// spread (a winsorised variance update). The score is the second-largest
/// deviation, so a vector in which one bursty feature jumps 80 σ while the
/// rest is quiet is normal and learned; unbounded, that one jump would
/// widen the feature's variance as much as days of ordinary spread (from 1
/// to about 7 at the 12 h growth half-life) and hide the next fault that
/// moves it. Capped, a spike teaches that the feature was wide, not how
/// wide: at most `(MAX_LEARN_DEV² − 1)` times one step's weight. Chosen
/// across sources (smd-dev leave one machine out: 15 in 10 of 12 folds,
/// held-out F1 0.623; the fleets are unchanged from 6 up; README,
/// "Spikes widen the spread by at most 15 σ").
pub const MAX_LEARN_DEV: f64 = 15.0;

/// Significance level of [`ClusterModel::score`]'s probability: p-values at
/// or above it map to probability 0. Chosen across sources (smd-dev and
/// simulated fleets; README, "Anomaly model") with the opening threshold
/// of 0.9: an alarm needs a p-value of 10⁻⁴.
pub const ALPHA: f64 = 1e-3;

/// Vectors with a p-value at least this are learned (probability 0).
pub const LEARN_ALPHA: f64 = 1e-3;

/// Smallest variance (standardised units) a feature's deviation is divided
/// by, so a feature that went quiet online does not make any move extreme.
const MIN_VAR: f64 = 1e-4;

/// Quantile above which the score tail is modelled as exponential.
const TAIL_FROM: f64 = 0.95;

/// One instance's view of its model: its centroids and variances as learned
/// online (standardised units). Serialisable, so a checkpoint taken between
/// two evaluations resumes exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterState {
    /// Centroids, moved toward the vectors judged normal.
    pub centroids: Vec<Vec<f64>>,
    /// Variance of each standardised feature around its centroid (1 at
    /// training).
    pub var: Vec<f64>,
    /// Vectors learned so far.
    pub learned: u64,
    /// Vectors absorbed during the warm-up ([`ClusterModel::absorb_level`]).
    #[serde(default)]
    pub warmed: u64,
    /// Sum of squared deviations from the running mean during the warm-up,
    /// per feature (Welford).
    #[serde(default)]
    pub warm_m2: Vec<f64>,
}

/// The score of one feature vector.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterScore {
    /// Mean of the largest `top_share` deviations (standard deviations).
    pub distance: f64,
    /// Tail probability of the score under the training distribution.
    pub p_value: f64,
    /// Calibrated probability that the vector is abnormal, in [0, 1]:
    /// `1 − p_value / ALPHA`, clamped.
    pub probability: f64,
    /// Per-feature share of the squared deviations, summing to 1 (0 for
    /// missing features).
    pub contributions: Vec<f64>,
    /// Features that were missing (NaN), by position.
    pub missing: Vec<usize>,
    /// The nearest centroid (index into the state's centroids).
    pub centroid: usize,
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
        if !(self.top_share > 0.0 && self.top_share <= 1.0) {
            out.push(format!("top_share {} is not in (0, 1]", self.top_share));
        }
        if !(self.half_life_s > 0.0 && self.half_life_s.is_finite()) {
            out.push(format!("half_life_s {} is not positive", self.half_life_s));
        }
        if !(self.growth_half_life_s > 0.0 && self.growth_half_life_s.is_finite()) {
            out.push(format!(
                "growth_half_life_s {} is not positive",
                self.growth_half_life_s
            ));
        }
        if self.calibration.len() < 2 || self.calibration.windows(2).any(|w| w[0] > w[1]) {
            out.push("calibration must hold at least two sorted quantiles".into());
        }
        out
    }

    /// A fresh instance state: the trained centroids, unit variances.
    pub fn state(&self) -> ClusterState {
        ClusterState {
            centroids: self.centroids.clone(),
            var: vec![1.0; self.features.len()],
            learned: 0,
            warmed: 0,
            warm_m2: Vec::new(),
        }
    }

    /// The raw score of standardised `z` against `state`: (score, nearest
    /// centroid, squared deviations). NaN entries of `z` are left out.
    fn raw(&self, state: &ClusterState, z: &[f64], dev2: &mut Vec<f64>) -> (f64, usize) {
        let nearest = state
            .centroids
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let d2: f64 = z
                    .iter()
                    .zip(c)
                    .filter(|(a, _)| a.is_finite())
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum();
                (i, d2)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(0, |(i, _)| i);
        dev2.clear();
        dev2.extend(
            z.iter()
                .zip(&state.centroids[nearest])
                .zip(&state.var)
                .map(|((a, c), v)| {
                    if a.is_finite() {
                        (a - c) * (a - c) / v.max(MIN_VAR)
                    } else {
                        f64::NAN
                    }
                }),
        );
        let mut devs: Vec<f64> = dev2
            .iter()
            .filter(|v| v.is_finite())
            .map(|v| v.sqrt())
            .collect();
        if devs.is_empty() {
            return (0.0, nearest);
        }
        if self.rank >= 1 {
            let k = self.rank.min(devs.len());
            devs.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
            return (devs[k - 1], nearest);
        }
        let k = ((self.top_share * devs.len() as f64).ceil() as usize).clamp(1, devs.len());
        devs.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
        (devs[..k].iter().sum::<f64>() / k as f64, nearest)
    }

    /// Standardise raw `x` (NaN stays NaN).
    fn standardise(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(self.mean.iter().zip(&self.scale))
            .map(|(v, (m, s))| if v.is_finite() { (v - m) / s } else { f64::NAN })
            .collect()
    }

    /// Feature `k` of `state`'s centroid `c`, in raw units: what the
    /// instance's normal value of that feature is now.
    pub fn baseline(&self, state: &ClusterState, c: usize, k: usize) -> f64 {
        self.mean[k] + state.centroids[c][k] * self.scale[k]
    }

    /// Warm-up: move the centroid nearest to `x` to the running mean of the
    /// instance's first vectors (`x` is its `n`-th, from 0), whatever they
    /// score, and widen a feature's variance to what the instance shows
    /// when that is more than training's (never narrow it: a warm-up is too
    /// short to see all of normal; afterwards the spread keeps widening
    /// with `growth_half_life_s`). A model trained on another fleet, or
    /// on this service before it changed, then judges the instance's moves
    /// from its own level and spread rather than alarming on the level
    /// itself; the calibration stays the trained one.
    pub fn absorb_level(&self, state: &mut ClusterState, x: &[f64], n: u64) {
        let z = self.standardise(x);
        let (_, nearest) = self.raw(state, &z, &mut Vec::new());
        let w = 1.0 / (n + 1) as f64;
        state.warm_m2.resize(z.len(), 0.0);
        let c = &mut state.centroids[nearest];
        for (j, zi) in z.iter().enumerate() {
            if zi.is_finite() {
                let before = zi - c[j];
                c[j] += w * before;
                state.warm_m2[j] += before * (zi - c[j]);
                state.var[j] = state.var[j].max(state.warm_m2[j] * w);
            }
        }
    }

    /// The training scores of raw `rows` (row-major, one value per
    /// feature each), against the trained state: what the calibration is
    /// made of.
    pub fn training_scores(&self, rows: &[f64]) -> Vec<f64> {
        let state = self.state();
        let mut dev2 = Vec::with_capacity(self.features.len());
        rows.chunks_exact(self.features.len().max(1))
            .map(|x| self.raw(&state, &self.standardise(x), &mut dev2).0)
            .collect()
    }

    /// Score `x` (raw feature values, in `features` order) against the
    /// trained baseline, learning nothing.
    pub fn score(&self, x: &[f64]) -> ClusterScore {
        self.score_with(&mut self.state(), x, 0.0)
    }

    /// Score `x` against `state`, then learn it into `state` when it is
    /// normal (p-value ≥ [`LEARN_ALPHA`]), weighing it as `elapsed_s`
    /// seconds of the half-life (0: learn nothing).
    pub fn score_with(&self, state: &mut ClusterState, x: &[f64], elapsed_s: f64) -> ClusterScore {
        let z = self.standardise(x);
        let mut dev2 = Vec::with_capacity(z.len());
        let (distance, nearest) = self.raw(state, &z, &mut dev2);
        let total: f64 = dev2.iter().filter(|v| v.is_finite()).sum();
        let contributions = dev2
            .iter()
            .map(|v| {
                if v.is_finite() && total > 0.0 {
                    v / total
                } else {
                    0.0
                }
            })
            .collect();
        let missing = z
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_finite())
            .map(|(i, _)| i)
            .collect();
        let p_value = self.p_value(distance);
        if elapsed_s > 0.0 && p_value >= LEARN_ALPHA {
            let a = 1.0 - 0.5_f64.powf(elapsed_s / self.half_life_s);
            let grow =
                1.0 - 0.5_f64.powf(elapsed_s.min(MAX_GROWTH_STEP_S) / self.growth_half_life_s);
            let c = &mut state.centroids[nearest];
            for ((zi, ci), vi) in z.iter().zip(c.iter_mut()).zip(state.var.iter_mut()) {
                if zi.is_finite() {
                    let d = zi - *ci;
                    *ci += a * d;
                    // Widen fast, narrow slowly; a spike counts as a
                    // deviation of MAX_LEARN_DEV at most.
                    let d2 = (d * d).min(MAX_LEARN_DEV * MAX_LEARN_DEV * vi.max(MIN_VAR));
                    let w = if d2 > *vi { grow } else { a };
                    *vi = (1.0 - w) * (*vi + w * d2);
                }
            }
            state.learned += 1;
        }
        ClusterScore {
            distance,
            p_value,
            probability: (1.0 - p_value / ALPHA).clamp(0.0, 1.0),
            contributions,
            missing,
            centroid: nearest,
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
mod tests;
