//! [`Rarity`]: turns a raw, non-negative anomaly measure into a calibrated
//! surprise by comparing it with the series' own, exponentially forgotten,
//! history of that measure. With `T` the remembered weight (in samples),
//! `tail(r)` the remembered weight of values `≥ r` and `p` a prior of a few
//! samples, the surprise is
//!
//! ```text
//! ln((T + p) / (tail(r) + p)) − γ · ln(T + p)
//! ```
//!
//! The first term is the usual `−ln` of the tail share: a measure the series
//! produces all the time scores near 0. The second (`γ = 0.5` by default)
//! asks more of series with a long memory, so the rate of alarms per series
//! grows slower than its length; NAB's files hold a few anomalies each
//! whatever their length. The histogram has 64 bins on a log axis.

use serde::{Deserialize, Serialize};

use super::bounded::HalfLife;

/// Number of histogram bins.
const BINS: usize = 64;
/// Bins per unit of `ln(1 + r / r0)`.
const BINS_PER_LOG: f64 = 6.0;

/// How a [`Rarity`] calibrates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RarityParams {
    /// Scale of the raw measure: the log axis is `ln(1 + r / r0)`.
    pub(crate) r0: f64,
    /// Prior weight, in samples.
    pub(crate) prior: f64,
    /// Weight of the memory-length term.
    pub(crate) gamma: f64,
    /// Forgetting half-life.
    pub(crate) half_life: HalfLife,
}

/// An exponentially forgetting histogram of a raw measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Rarity {
    /// Weighted counts per bin, in units of `weight`.
    bins: Vec<f64>,
    /// Sum of `bins`.
    total: f64,
    /// The weight the next sample adds. It grows by `1 / decay` per sample
    /// instead of every bin decaying, and everything is rescaled when large.
    weight: f64,
}

impl Default for Rarity {
    fn default() -> Self {
        Self {
            bins: vec![0.0; BINS],
            total: 0.0,
            weight: 1.0,
        }
    }
}

/// Position of `r` on the bin axis (bin index plus fraction).
#[inline]
fn position(r: f64, r0: f64) -> f64 {
    ((r.max(0.0) / r0).ln_1p() * BINS_PER_LOG).min(BINS as f64 - 1e-9)
}

impl Rarity {
    /// The surprise of `r` against the history so far.
    #[inline]
    pub(crate) fn surprise(&self, p: &RarityParams, r: f64) -> f64 {
        let pos = position(r, p.r0);
        let b = pos as usize;
        let frac = pos - b as f64;
        let tail = self.bins[b] * (1.0 - frac) + self.bins[b + 1..].iter().sum::<f64>();
        let prior = p.prior * self.weight;
        ((self.total + prior) / (tail + prior)).ln()
            - p.gamma * ((self.total + prior) / self.weight).ln()
    }

    /// Remember `r`.
    #[inline]
    pub(crate) fn push(&mut self, p: &RarityParams, r: f64) {
        let b = position(r, p.r0) as usize;
        self.bins[b] += self.weight;
        self.total += self.weight;
        self.weight /= p.half_life.decay();
        if self.weight > 1e100 {
            let s = 1.0 / self.weight;
            self.bins.iter_mut().for_each(|c| *c *= s);
            self.total *= s;
            self.weight = 1.0;
        }
    }

    /// Remembered weight, in samples.
    #[cfg(test)]
    pub(crate) fn remembered(&self) -> f64 {
        self.total / self.weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> RarityParams {
        RarityParams {
            r0: 0.1,
            prior: 2.0,
            gamma: 0.0,
            half_life: HalfLife::try_from(100.0).unwrap(),
        }
    }

    #[test]
    fn common_values_are_unsurprising_and_records_are_surprising() {
        let p = params();
        let mut r = Rarity::default();
        for i in 0..1000 {
            r.push(&p, f64::from(i % 10) * 0.1);
        }
        assert!(r.surprise(&p, 0.0) < 0.01);
        assert!(r.surprise(&p, 0.5) < 1.0);
        assert!(r.surprise(&p, 5.0) > 3.5);
        // Forgetting bounds the memory near 1.44 half-lives.
        assert!((r.remembered() - 143.6).abs() < 1.0, "{}", r.remembered());
    }
}
