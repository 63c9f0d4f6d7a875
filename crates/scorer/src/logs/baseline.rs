//! The statistics behind the log baselines: an exponentially weighted
//! mean and variance per count ([`Ew`]) with the excess of a minute, or of
//! a window of minutes, over it; the Jensen-Shannon divergence of a
//! minute's template distribution from the baseline distribution; and the
//! map from an excess to a probability.

use std::collections::BTreeMap;

use forewarn_logs::TemplateId;
use serde::{Deserialize, Serialize};

/// Weight of the newest minute in the baselines (a ~1 h memory).
pub(super) const ALPHA: f64 = 1.0 / 60.0;

/// An exponentially weighted mean and variance.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(super) struct Ew {
    pub(super) mean: f64,
    var: f64,
    n: u32,
}

impl Ew {
    pub(super) fn update(&mut self, x: f64) {
        if self.n == 0 {
            self.mean = x;
        } else {
            let d = x - self.mean;
            self.mean += ALPHA * d;
            self.var = (1.0 - ALPHA) * (self.var + ALPHA * d * d);
        }
        self.n = self.n.saturating_add(1);
    }

    /// How many deviations `x` is above the mean; counts are Poisson-like,
    /// so the deviation is at least the square root of the mean (plus one).
    pub(super) fn excess(&self, x: f64) -> f64 {
        self.excess_over(x, 1.0)
    }

    /// The same for a sum over `k` minutes (minutes taken as independent).
    pub(super) fn excess_over(&self, sum: f64, k: f64) -> f64 {
        (sum - k * self.mean) / (k * (self.var + self.mean) + 1.0).sqrt()
    }
}

/// Jensen-Shannon divergence (base 2, so in [0, 1]) of a minute's
/// template counts `p` (of `lines` lines) from the baseline weights `q`.
pub(super) fn js_divergence(
    p: &BTreeMap<TemplateId, u32>,
    lines: f64,
    q: &BTreeMap<TemplateId, f64>,
) -> f64 {
    let qt: f64 = q.values().sum();
    if lines <= 0.0 || qt <= 0.0 {
        return 0.0;
    }
    let term = |a: f64, m: f64| if a > 0.0 { a * (a / m).log2() } else { 0.0 };
    let mut d = 0.0;
    for (id, c) in p {
        let a = f64::from(*c) / lines;
        let b = q.get(id).copied().unwrap_or(0.0) / qt;
        let m = 0.5 * (a + b);
        d += 0.5 * term(a, m) + 0.5 * term(b, m);
    }
    for (id, w) in q {
        if !p.contains_key(id) {
            let b = w / qt;
            d += 0.5 * term(b, 0.5 * b);
        }
    }
    d.clamp(0.0, 1.0)
}

/// Maps an excess (in deviations) to a probability: nothing up to 3,
/// certain from 6.
pub(super) fn from_excess(z: f64) -> f64 {
    ((z - 3.0) / 3.0).clamp(0.0, 1.0)
}
