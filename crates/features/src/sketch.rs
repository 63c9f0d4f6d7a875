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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// Most sorted runs [`quantiles_of_runs`] merges in place; beyond, it sorts.
const MAX_RUNS: usize = 16;

/// [`quantiles`] of buckets laid out as consecutive sorted runs (one per
/// pane) of the given lengths, for ascending `qs`: a k-way merge walk, no
/// copy and no sort (the same result, for a fraction of the cost on the few
/// short runs of a window). More than 16 runs fall back to [`quantiles`].
pub(crate) fn quantiles_of_runs(
    mapping: &LogMapping,
    buckets: &[Bucket],
    runs: &[usize],
    n: u64,
    qs: &[f64],
    scratch: &mut Vec<Bucket>,
    out: &mut [f64],
) {
    if runs.len() > MAX_RUNS || qs.len() > MAX_RUNS || qs.windows(2).any(|w| w[0] > w[1]) {
        return quantiles(mapping, buckets, n, qs, scratch, out);
    }
    if n == 0 || buckets.is_empty() {
        out.iter_mut().for_each(|o| *o = f64::NAN);
        return;
    }
    let (mut pos, mut end) = ([0usize; MAX_RUNS], [0usize; MAX_RUNS]);
    let mut off = 0;
    for (i, len) in runs.iter().enumerate() {
        pos[i] = off;
        off += len;
        end[i] = off.min(buckets.len());
    }
    let k = runs.len();
    let (mut qi, mut seen) = (0, 0u64);
    // Keys first, values after the walk: `value` is a `powi`, which LLVM
    // would otherwise hoist out of the rarely-taken branch into every step.
    // The largest key is the largest run end (runs are sorted).
    let top = (0..k)
        .filter(|&r| end[r] > pos[r])
        .map(|r| buckets[end[r] - 1].key)
        .max()
        .unwrap_or(0);
    let wanted = qs.len();
    let mut keys = [top; MAX_RUNS];
    let mut ranks = [0u64; MAX_RUNS];
    for (r, q) in ranks.iter_mut().zip(qs) {
        *r = (q * (n - 1) as f64).floor() as u64;
    }
    while qi < wanted {
        let (mut r, mut best) = (usize::MAX, i32::MAX);
        for (i, (&p, &e)) in pos[..k].iter().zip(&end[..k]).enumerate() {
            if p < e && i32::from(buckets[p].key) < best {
                (r, best) = (i, i32::from(buckets[p].key));
            }
        }
        if r == usize::MAX {
            break;
        }
        let key = best as i16;
        seen += u64::from(buckets[pos[r]].count);
        pos[r] += 1;
        while qi < wanted && seen > ranks[qi] {
            keys[qi] = key;
            qi += 1;
        }
    }
    for (o, key) in out.iter_mut().zip(&keys[..wanted]) {
        *o = mapping.value(*key);
    }
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
        let mut key = scratch[scratch.len() - 1].key;
        for b in scratch.iter() {
            seen += u64::from(b.count);
            if seen > rank {
                key = b.key;
                break;
            }
        }
        *o = mapping.value(key);
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn merging_runs_equals_sorting() {
        let m = LogMapping::new(0.01);
        let mut x: u64 = 7;
        for trial in 0..200 {
            let runs: Vec<usize> = (0..1 + trial % 7).map(|r| (r * 5 + trial) % 9).collect();
            let mut buckets = Vec::new();
            let mut n = 0u64;
            for len in &runs {
                let mut keys: Vec<i16> = (0..*len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        (x % 400) as i16 - 200
                    })
                    .collect();
                keys.sort_unstable();
                for k in keys {
                    let count = 1 + (x % 5) as u16;
                    n += u64::from(count);
                    buckets.push(Bucket { key: k, count });
                }
            }
            let qs = [0.0, 0.5, 0.95, 0.99, 1.0];
            let (mut a, mut b) = ([0.0; 5], [0.0; 5]);
            quantiles(&m, &buckets, n, &qs, &mut Vec::new(), &mut a);
            quantiles_of_runs(&m, &buckets, &runs, n, &qs, &mut Vec::new(), &mut b);
            assert_eq!(
                a.map(f64::to_bits),
                b.map(f64::to_bits),
                "{runs:?} {buckets:?}"
            );
        }
    }
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
