//! Small order statistics shared by the fitters: quantiles of sorted data
//! (linear interpolation between closest ranks, R's type 7), tables of
//! quantiles evenly spaced in probability, and the median sampling gap.

/// The `p`-quantile of `sorted` (ascending, non-empty), interpolated.
pub(crate) fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    let h = p.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// `count` quantiles of `sorted` at probabilities evenly spaced from 0 to 1.
pub(crate) fn quantile_table(sorted: &[f64], count: usize) -> Vec<f64> {
    (0..count)
        .map(|i| quantile_sorted(sorted, i as f64 / (count - 1) as f64))
        .collect()
}

/// Median positive gap between consecutive times (0 without one): a
/// series' typical sampling interval.
pub(crate) fn median_gap(ts: &[i64]) -> i64 {
    let mut gaps: Vec<i64> = ts
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|g| *g > 0)
        .collect();
    gaps.sort_unstable();
    gaps.get(gaps.len() / 2).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_sorted(&v, 0.5), 3.0);
        assert_eq!(quantile_sorted(&v, 0.125), 1.5);
        assert_eq!(quantile_table(&v, 3), [1.0, 3.0, 5.0]);
        assert_eq!(median_gap(&[0, 10, 10, 20, 50, 60]), 10);
        assert_eq!(median_gap(&[5]), 0);
    }
}
