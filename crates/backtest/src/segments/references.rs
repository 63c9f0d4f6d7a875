//! The two references every segment report shows, defined by the smd-dev
//! README and scored by the same code as Forewarn:
//!
//! - **z-score**: per column `(x − train mean) / train std`; the row score is
//!   the largest absolute value over columns; an alert when it crosses
//!   above the 99.9 % quantile of its own train-half scores, then no new
//!   alert for 30 rows.
//! - **random**: the same number of alerts as the detector compared with,
//!   at rows drawn uniformly (seeded), F1 averaged over draws.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::data::Machine;
use super::score::{Score, Segment};

/// Quantile of the train-half scores the z-score alerts above.
pub const ZSCORE_QUANTILE: f64 = 0.999;
/// Rows without a new z-score alert after one.
pub const ZSCORE_REFRACTORY: usize = 30;
/// Smallest standard deviation a column is divided by (a column constant in
/// training would otherwise alert on any change at all).
const MIN_STD: f64 = 1e-6;

/// The z-score reference's alert rows on `m`'s test half.
pub fn zscore(m: &Machine) -> Vec<usize> {
    let d = m.columns.len();
    let n = m.train.len() as f64;
    let mut mean = vec![0.0; d];
    for r in &m.train {
        for (a, x) in mean.iter_mut().zip(r) {
            *a += x / n;
        }
    }
    let mut std = vec![0.0; d];
    for r in &m.train {
        for ((a, x), mu) in std.iter_mut().zip(r).zip(&mean) {
            *a += (x - mu).powi(2) / n;
        }
    }
    for s in &mut std {
        *s = s.sqrt().max(MIN_STD);
    }
    let row_score = |r: &Vec<f64>| {
        r.iter()
            .zip(&mean)
            .zip(&std)
            .map(|((x, mu), sd)| ((x - mu) / sd).abs())
            .fold(0.0_f64, f64::max)
    };
    let mut train: Vec<f64> = m.train.iter().map(row_score).collect();
    train.sort_by(f64::total_cmp);
    let threshold = quantile_sorted(&train, ZSCORE_QUANTILE);
    let mut alerts = Vec::new();
    let (mut above, mut quiet_until) = (false, 0);
    for (i, r) in m.test.iter().enumerate() {
        let now = row_score(r) > threshold;
        if now && !above && i >= quiet_until {
            alerts.push(i);
            quiet_until = i + ZSCORE_REFRACTORY;
        }
        above = now;
    }
    alerts
}

/// Linear-interpolation quantile of sorted values (numpy's default).
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::INFINITY;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, frac) = (pos.floor() as usize, pos.fract());
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// The mean score of `draws` sets of `count` alerts at uniformly random
/// test rows of a half of `rows` rows.
pub fn random(
    count: usize,
    rows: usize,
    segments: &[Segment],
    early: usize,
    draws: usize,
    seed: u64,
) -> Score {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let scores: Vec<Score> = (0..draws.max(1))
        .map(|_| {
            let alerts: Vec<usize> = (0..count)
                .map(|_| rng.random_range(0..rows.max(1)))
                .collect();
            Score::of(&alerts, segments, early)
        })
        .collect();
    let mut mean = Score::mean(&scores);
    // Counts of one draw, not the sum over draws.
    mean.alerts = count;
    mean.segments = segments.len();
    mean.hits = (scores.iter().map(|s| s.hits).sum::<usize>()) / scores.len();
    mean.detected = (scores.iter().map(|s| s.detected).sum::<usize>()) / scores.len();
    mean
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segments::score::segments;

    fn machine(train: Vec<Vec<f64>>, test: Vec<Vec<f64>>) -> Machine {
        let labels = vec![false; test.len()];
        Machine {
            name: "m".into(),
            columns: vec!["a".into(), "b".into()],
            train,
            test,
            labels,
        }
    }

    #[test]
    fn zscore_alerts_once_per_crossing_and_waits_out_its_refractory_rows() {
        // Train: column a alternates 0/1 (std 0.5), column b constant.
        let train: Vec<Vec<f64>> = (0..1000).map(|i| vec![(i % 2) as f64, 5.0]).collect();
        let mut test: Vec<Vec<f64>> = (0..200).map(|i| vec![(i % 2) as f64, 5.0]).collect();
        // A long excursion at 50..60 (one alert), another at 70 (inside the
        // refractory rows: none), another at 150 (one alert).
        for r in &mut test[50..60] {
            r[0] = 10.0;
        }
        test[70][0] = 10.0;
        test[150][0] = -10.0;
        assert_eq!(zscore(&machine(train, test)), vec![50, 150]);
    }

    #[test]
    fn random_alerts_are_reproducible_and_scored_like_any_other() {
        let labels: Vec<bool> = (0..1000).map(|i| (100..200).contains(&i)).collect();
        let seg = segments(&labels);
        let a = random(10, 1000, &seg, 0, 50, 7);
        let b = random(10, 1000, &seg, 0, 50, 7);
        assert_eq!(a, b);
        // About 10 % of random rows fall in a segment covering 10 % of rows.
        assert!((a.precision - 0.1).abs() < 0.05, "{a:?}");
        assert_eq!(a.alerts, 10);
    }
}
