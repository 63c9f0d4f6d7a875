//! [`SeasonalProfile`]: a daily profile of the series. The day is cut into
//! equal time-of-day buckets (24 by default); each keeps an exponentially
//! weighted mean and mean absolute deviation of the values that fell in
//! it. The raw measure is the distance of a value from its bucket's mean, in
//! units of the bucket's deviation (floored at a fifth of the series-wide
//! deviation). It catches changes of shape that stay inside the usual range:
//! a missing daily jump, a flat middle, a holiday.

use serde::{Deserialize, Serialize};

const DAY_MS: i64 = 86_400_000;

/// Parameters of [`SeasonalProfile::step`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeasonalParams {
    /// Buckets per day.
    pub(crate) buckets: u32,
    /// Weight of a new value in its bucket's mean and deviation.
    pub(crate) alpha: f64,
    /// Visits a bucket needs before it is trusted.
    pub(crate) min_visits: u32,
}

/// Per-bucket means and deviations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub(crate) struct SeasonalProfile {
    mean: Vec<f64>,
    dev: Vec<f64>,
    visits: Vec<u32>,
    /// Series-wide mean absolute deviation from the bucket means.
    global_dev: f64,
    /// Updates behind `global_dev`.
    global_n: f64,
}

impl SeasonalProfile {
    /// Score `x` at `ts_ms` against its bucket (0 while the bucket is
    /// untrusted), then learn it.
    pub(crate) fn step(&mut self, p: &SeasonalParams, ts_ms: i64, x: f64) -> f64 {
        let n = p.buckets as usize;
        if self.mean.len() != n {
            self.mean = vec![0.0; n];
            self.dev = vec![0.0; n];
            self.visits = vec![0; n];
        }
        let b = ((ts_ms.rem_euclid(DAY_MS) * i64::from(p.buckets) / DAY_MS) as usize).min(n - 1);
        let raw = if self.visits[b] >= p.min_visits {
            let scale = self.dev[b]
                .max(0.2 * self.global_dev)
                .max(1e-9 * x.abs().max(1.0));
            (x - self.mean[b]).abs() / scale
        } else {
            0.0
        };
        if self.visits[b] == 0 {
            self.mean[b] = x;
            self.dev[b] = self.global_dev;
        } else {
            let r = x - self.mean[b];
            self.mean[b] += p.alpha * r;
            self.dev[b] += p.alpha * (r.abs() - self.dev[b]);
            self.global_n += 1.0;
            self.global_dev += (r.abs() - self.global_dev) / self.global_n.min(1000.0);
        }
        self.visits[b] = self.visits[b].saturating_add(1);
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_off_its_time_of_day_profile_stands_out() {
        let p = SeasonalParams {
            buckets: 24,
            alpha: 0.1,
            min_visits: 2,
        };
        let mut s = SeasonalProfile::default();
        let hour = 3_600_000;
        let shape = |h: i64| {
            if (8..18).contains(&(h % 24)) {
                80.0
            } else {
                20.0
            }
        };
        let mut usual = 0.0f64;
        for h in 0..24 * 20 {
            let jitter = ((h * 7919) % 13) as f64 * 0.1;
            usual = usual.max(s.step(&p, h * hour, shape(h) + jitter));
        }
        // Noon that looks like night.
        let odd = s.step(&p, (24 * 20 + 12) * hour, 20.0);
        assert!(odd > 10.0 * usual.max(0.1), "odd {odd}, usual {usual}");
    }
}
