//! A log-bucket quantile sketch in the manner of DDSketch: a value `v` falls
//! in bucket `ceil(log_γ |v|)` (signed, with a zero bucket), and a bucket is
//! read back as `2γ^i / (γ + 1)`. Every quantile read from the buckets is
//! within relative error `α = (γ − 1) / (γ + 1)` of the true order statistic
//! of the same rank. Buckets are 4 bytes, so a pane stores one per distinct
//! bucket it saw, not one per point, and whole panes expire exactly.
//!
//! Keys are `i16`, ordered like the values they stand for: negative values
//! map below zero, positive above. Magnitudes under 1e-9 count as zero;
//! magnitudes beyond the key range (about 1e±69 at α = 0.005) are clamped.

/// One bucket of a pane: a key and how many points fell in it. A bucket that
/// reaches `u16::MAX` is followed by another with the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// Ordered bucket key, see [`LogMapping::key`].
    pub key: i16,
    /// Points in the bucket.
    pub count: u16,
}

/// The mapping between values and bucket keys for one relative accuracy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogMapping {
    alpha: f64,
    gamma: f64,
    inv_ln_gamma: f64,
}

const MIN_MAGNITUDE: f64 = 1e-9;
const MAX_INDEX: i32 = 16_000;
const OFFSET: i32 = 16_384;

impl LogMapping {
    /// A mapping with relative accuracy `alpha` (e.g. 0.01 for 1 %).
    pub fn new(alpha: f64) -> Self {
        let gamma = (1.0 + alpha) / (1.0 - alpha);
        Self {
            alpha,
            gamma,
            inv_ln_gamma: 1.0 / gamma.ln(),
        }
    }

    /// The relative accuracy guaranteed for quantiles.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The bucket key of `v` (finite).
    #[inline]
    pub fn key(&self, v: f64) -> i16 {
        let m = v.abs();
        if m < MIN_MAGNITUDE {
            return 0;
        }
        let idx = ((m.ln() * self.inv_ln_gamma).ceil() as i32).clamp(-MAX_INDEX, MAX_INDEX);
        let k = idx + OFFSET;
        (if v < 0.0 { -k } else { k }) as i16
    }

    /// The representative value of bucket `key`.
    pub fn value(&self, key: i16) -> f64 {
        if key == 0 {
            return 0.0;
        }
        let k = i32::from(key);
        let idx = k.abs() - OFFSET;
        let m = 2.0 * self.gamma.powi(idx) / (self.gamma + 1.0);
        if k < 0 { -m } else { m }
    }
}

/// Add one point with `key` to the sorted bucket run `run` (one pane's
/// buckets) inside `all`, starting at `start`. Returns whether a bucket was
/// inserted (so the pane's bucket count grows by one).
pub(crate) fn add(all: &mut Vec<Bucket>, start: usize, len: usize, key: i16) -> bool {
    let run = &mut all[start..start + len];
    // The last bucket with this key, if any, takes the point unless full.
    let pos = run.partition_point(|b| b.key <= key);
    if pos > 0 && run[pos - 1].key == key && run[pos - 1].count < u16::MAX {
        run[pos - 1].count += 1;
        return false;
    }
    if all.len() == all.capacity() {
        // Grow by a quarter, not double: bucket runs are long-lived state.
        all.reserve_exact((all.len() / 4).max(4));
    }
    all.insert(start + pos, Bucket { key, count: 1 });
    true
}

/// The `q`-quantiles (lower rank `floor(q (n − 1))`) of the points in
/// `buckets`, written to `out` in the order of `qs`. `scratch` is reused.
pub(crate) fn quantiles(
    mapping: &LogMapping,
    buckets: &[Bucket],
    n: u64,
    qs: &[f64],
    scratch: &mut Vec<Bucket>,
    out: &mut [f64],
) {
    if n == 0 {
        out.iter_mut().for_each(|o| *o = f64::NAN);
        return;
    }
    scratch.clear();
    scratch.extend_from_slice(buckets);
    scratch.sort_unstable_by_key(|b| b.key);
    for (q, o) in qs.iter().zip(out.iter_mut()) {
        let rank = (q * (n - 1) as f64).floor() as u64;
        let mut seen = 0u64;
        *o = mapping.value(scratch[scratch.len() - 1].key);
        for b in scratch.iter() {
            seen += u64::from(b.count);
            if seen > rank {
                *o = mapping.value(b.key);
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_ordered_like_values_and_read_back_within_alpha() {
        let m = LogMapping::new(0.01);
        let vals = [
            -1e6, -3.5, -1.0, -1e-3, 0.0, 1e-12, 1e-3, 0.5, 1.0, 7.25, 1e9, 4.2e12,
        ];
        let keys: Vec<i16> = vals.iter().map(|v| m.key(*v)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        for v in vals {
            let back = m.value(m.key(v));
            let tol = if v.abs() < MIN_MAGNITUDE {
                MIN_MAGNITUDE
            } else {
                0.01 * v.abs() + 1e-15
            };
            assert!((back - v).abs() <= tol, "{v} -> {back}");
        }
    }

    #[test]
    fn saturated_bucket_spills_into_a_twin() {
        let mut all = vec![Bucket {
            key: 5,
            count: u16::MAX,
        }];
        assert!(add(&mut all, 0, 1, 5));
        assert_eq!(
            all,
            vec![
                Bucket {
                    key: 5,
                    count: u16::MAX
                },
                Bucket { key: 5, count: 1 }
            ]
        );
        assert!(!add(&mut all, 0, 2, 5));
        assert_eq!(all[1].count, 2);
    }
}
