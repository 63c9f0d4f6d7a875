//! [`ContextModel`]: sequence novelty, in the spirit of contextual anomaly
//! detectors such as CAD OSE. Values are quantised into a few levels: the
//! range is learned from the first samples and then frozen, and values
//! outside it get levels of their own (clamped to one range's worth either
//! side). Every context — the last `k` levels, for `k = 1 … order` — is
//! counted in a bounded hash table. The raw measure is how unfamiliar the
//! current contexts are, the mean over orders of `1 / (1 + count)`: 1 when
//! every context is new, near 0 when all are well known.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

/// Longest context supported.
pub const MAX_ORDER: usize = 8;

/// A hasher for keys that are already well mixed `u64`s.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PremixedHasher(u64);

impl Hasher for PremixedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Table = HashMap<u64, u32, BuildHasherDefault<PremixedHasher>>;

/// SplitMix64's finaliser.
#[inline]
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Parameters of [`ContextModel::step`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ContextParams {
    /// Samples whose range fixes the quantiser.
    pub(crate) range_samples: u32,
    /// Levels across that range.
    pub(crate) levels: u32,
    /// Longest context, at most [`MAX_ORDER`].
    pub(crate) order: usize,
    /// Table size that triggers halving every count.
    pub(crate) max_contexts: usize,
}

/// Counts of recent level sequences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ContextModel {
    /// Samples seen while learning the range.
    seen: u32,
    /// Min and max of those samples (`None` before the first).
    range: Option<(f64, f64)>,
    /// Quantiser origin and step, once frozen.
    quant: Option<(f64, f64)>,
    /// The most recent levels, newest first.
    recent: [i32; MAX_ORDER],
    filled: usize,
    table: Table,
}

impl Default for ContextModel {
    fn default() -> Self {
        Self {
            seen: 0,
            range: None,
            quant: None,
            recent: [0; MAX_ORDER],
            filled: 0,
            table: Table::default(),
        }
    }
}

impl ContextModel {
    /// Feed `x`; returns the raw unfamiliarity in `[0, 1]` (0 until the
    /// quantiser is frozen).
    pub(crate) fn step(&mut self, p: &ContextParams, x: f64) -> f64 {
        let Some((lo, step)) = self.quant else {
            self.learn_range(p, x);
            return 0.0;
        };
        let levels = f64::from(p.levels);
        let level = ((x - lo) / step).floor().clamp(-levels, 2.0 * levels - 1.0) as i32;
        self.recent.copy_within(0..MAX_ORDER - 1, 1);
        self.recent[0] = level;
        self.filled = (self.filled + 1).min(MAX_ORDER);
        let orders = p.order.min(self.filled);
        let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut novelty = 0.0;
        for (k, &lv) in self.recent[..orders].iter().enumerate() {
            h = mix(h ^ u64::from(lv as u32) ^ ((k as u64) << 40));
            let c = self.table.entry(h).or_insert(0);
            novelty += 1.0 / (1.0 + f64::from(*c));
            *c = c.saturating_add(1);
        }
        if self.table.len() > p.max_contexts {
            // Forget: halve every count and drop those that reach zero.
            self.table.retain(|_, c| {
                *c /= 2;
                *c > 0
            });
        }
        if orders == 0 {
            0.0
        } else {
            novelty / orders as f64
        }
    }

    fn learn_range(&mut self, p: &ContextParams, x: f64) {
        self.seen += 1;
        let (lo, hi) = self.range.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x)));
        self.range = Some((lo, hi));
        if self.seen >= p.range_samples {
            let span = hi - lo;
            let step = if span > 0.0 {
                span / f64::from(p.levels)
            } else {
                (lo.abs() * 0.01).max(1e-9)
            };
            self.quant = Some((lo, step));
        }
    }

    /// Contexts currently counted.
    #[cfg(test)]
    pub(crate) fn contexts(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> ContextParams {
        ContextParams {
            range_samples: 10,
            levels: 8,
            order: 3,
            max_contexts: 100,
        }
    }

    #[test]
    fn repeated_patterns_become_familiar_and_new_ones_are_novel() {
        let p = params();
        let mut m = ContextModel::default();
        let pattern = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 4.0];
        let mut last = 0.0;
        for _ in 0..50 {
            for &x in &pattern {
                last = m.step(&p, x);
            }
        }
        assert!(last < 0.05, "{last}");
        let odd = m.step(&p, 2.5);
        assert!(odd > 0.3, "{odd}");
        assert!(m.contexts() <= 100);
    }

    #[test]
    fn table_stays_bounded() {
        let p = params();
        let mut m = ContextModel::default();
        let mut x: u64 = 7;
        for _ in 0..10_000 {
            x = mix(x);
            m.step(&p, (x % 1000) as f64 / 100.0);
        }
        assert!(m.contexts() <= 101);
    }
}
