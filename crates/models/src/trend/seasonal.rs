//! The daily cycle of a trend series, learned online, and the crossing of a
//! limit by a trend *plus* that cycle.
//!
//! [`DailyProfile`] keeps the mean of each quarter hour of the day (UTC),
//! folded into an exponentially weighted mean across days, and the means of
//! the previous whole day. At each midnight it correlates the day
//! that ended with the one before: the series counts as **seasonal** when
//! two consecutive days correlate at [`REPEAT_CORRELATION`] or more. A leak,
//! a one-off ramp or noise does not repeat day over day, so it does not make
//! a series seasonal; traffic-driven latency, CPU or request rates do.
//!
//! For a seasonal series, [`seasonal_crossing`] projects
//! `level + trend·Δ + (s(now + Δ) − s(now))`, where `s` is the learned cycle
//! (quarter-hour means, interpolated linearly between bin centres), and searches
//! for the first crossing minute by minute: a latency that reaches its SLO
//! every evening at peak is predicted to, and a morning ramp is not
//! extrapolated as if it would go on all day.

use serde::{Deserialize, Serialize};

use super::crossing::{Crossing, Projection};

/// Bins of the profile: quarter hours of the day (UTC), fine enough for a
/// business-hours ramp.
const BINS: usize = 96;
/// Weight of the newest day in each bin's mean.
const DAY_WEIGHT: f64 = 0.3;
/// Correlation of two consecutive days' quarter-hour means that makes a series
/// seasonal.
pub const REPEAT_CORRELATION: f64 = 0.7;
const BIN_MS: i64 = 900_000;
/// Step of the crossing search, seconds.
const SEARCH_STEP_S: f64 = 60.0;

/// An online daily profile of one series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DailyProfile {
    /// Exponentially weighted mean of each quarter hour of the day.
    #[serde(with = "per_bin")]
    bins: [f64; BINS],
    /// Days folded into each bin.
    #[serde(with = "per_bin")]
    days: [u16; BINS],
    /// Mean of each quarter hour of the day being filled, and of the day before.
    #[serde(with = "per_bin")]
    today: [f64; BINS],
    #[serde(with = "per_bin")]
    yesterday: [f64; BINS],
    /// Absolute bin being accumulated (ms / 15 min), and its running sum.
    bin: i64,
    sum: f64,
    n: u32,
    /// Correlation of the last two whole days, NaN until there are two.
    repeat: f64,
}

impl Default for DailyProfile {
    fn default() -> Self {
        Self {
            bins: [f64::NAN; BINS],
            days: [0; BINS],
            today: [f64::NAN; BINS],
            yesterday: [f64::NAN; BINS],
            bin: i64::MIN,
            sum: 0.0,
            n: 0,
            repeat: f64::NAN,
        }
    }
}

/// Serde for `[T; BINS]` (serde derives arrays only up to 32), as a
/// sequence that must hold exactly `BINS` items.
mod per_bin {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::BINS;

    pub(super) fn serialize<S: Serializer, T: Serialize>(
        v: &[T; BINS],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter())
    }

    pub(super) fn deserialize<'de, D, T>(d: D) -> Result<[T; BINS], D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        let v = Vec::<T>::deserialize(d)?;
        let n = v.len();
        v.try_into()
            .map_err(|_| D::Error::invalid_length(n, &"one value per quarter hour (96)"))
    }
}

fn correlation(a: &[f64; BINS], b: &[f64; BINS]) -> f64 {
    if a.iter().chain(b).any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    let (ma, mb) = (
        a.iter().sum::<f64>() / BINS as f64,
        b.iter().sum::<f64>() / BINS as f64,
    );
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma) * (x - ma);
        bb += (y - mb) * (y - mb);
    }
    if aa <= 0.0 || bb <= 0.0 {
        return f64::NAN;
    }
    ab / (aa * bb).sqrt()
}

impl DailyProfile {
    /// Apply one sample (event time in ms). Samples of an earlier bin than
    /// the one being accumulated are ignored.
    pub fn update(&mut self, ts_ms: i64, y: f64) {
        if !y.is_finite() {
            return;
        }
        let bin = ts_ms.div_euclid(BIN_MS);
        if self.bin == i64::MIN {
            self.bin = bin;
        }
        if bin < self.bin {
            return;
        }
        if bin > self.bin {
            self.close_bin();
            // Bins with no sample at all keep their value.
            if (bin - self.bin) >= BINS as i64 {
                self.today = [f64::NAN; BINS];
            }
            self.bin = bin;
        }
        self.sum += y;
        self.n += 1;
    }

    fn close_bin(&mut self) {
        if self.n == 0 {
            return;
        }
        let h = self.bin.rem_euclid(BINS as i64) as usize;
        let mean = self.sum / f64::from(self.n);
        (self.sum, self.n) = (0.0, 0);
        self.bins[h] = if self.days[h] == 0 {
            mean
        } else {
            self.bins[h] + DAY_WEIGHT * (mean - self.bins[h])
        };
        self.days[h] = self.days[h].saturating_add(1);
        self.today[h] = mean;
        if h == BINS - 1 {
            // A day ended: does it repeat the one before?
            self.repeat = correlation(&self.today, &self.yesterday);
            self.yesterday = self.today;
            self.today = [f64::NAN; BINS];
        }
    }

    /// Correlation of the last two whole days (NaN before two).
    pub fn repeat_correlation(&self) -> f64 {
        self.repeat
    }

    /// The least-squares line of the cycle over `[now − span, now]` (as the
    /// feature window's regression sees it): its value at `now` and its
    /// slope per second.
    pub fn window_line(&self, now_ms: i64, span_ms: i64) -> (f64, f64) {
        const POINTS: i64 = 31;
        let span_ms = span_ms.max(1);
        let (mut st, mut sy, mut stt, mut sty) = (0.0, 0.0, 0.0, 0.0);
        for k in 0..POINTS {
            let t = -(span_ms as f64) / 1000.0 * (1.0 - k as f64 / (POINTS - 1) as f64);
            let y = self.at(now_ms + (t * 1000.0) as i64);
            st += t;
            sy += y;
            stt += t * t;
            sty += t * y;
        }
        let n = POINTS as f64;
        let den = n * stt - st * st;
        let slope = if den > 0.0 {
            (n * sty - st * sy) / den
        } else {
            0.0
        };
        let intercept = (sy - slope * st) / n;
        (intercept, slope)
    }

    /// Whether the series shows a daily cycle worth projecting.
    pub fn seasonal(&self) -> bool {
        self.repeat >= REPEAT_CORRELATION && self.days.iter().all(|d| *d >= 2)
    }

    /// The learned cycle at `ts_ms`: bin means interpolated linearly
    /// between bin centres. NaN while any bin is unknown.
    pub fn at(&self, ts_ms: i64) -> f64 {
        let bins = ts_ms.rem_euclid(BINS as i64 * BIN_MS) as f64 / BIN_MS as f64 - 0.5;
        let lo = bins.floor();
        let frac = bins - lo;
        let i = (lo as i64).rem_euclid(BINS as i64) as usize;
        let j = (i + 1) % BINS;
        self.bins[i] + frac * (self.bins[j] - self.bins[i])
    }
}

/// [`Crossing`] of `limit` by `level + trend·Δ + (s(now + Δ) − s(now))`,
/// with `trend ~ N(proj.trend, proj.trend_se²)` and `z` for the interval.
/// `now_ms` is the event time of `proj`. The probability is that of a trend
/// steep enough to cross somewhere within the horizon:
/// `Φ((trend − min_Δ needed(Δ)) / se)`, `needed(Δ) = (limit − level −
/// cycle(Δ)) / Δ`.
pub fn seasonal_crossing(
    profile: &DailyProfile,
    proj: &Projection,
    now_ms: i64,
    limit: f64,
    horizon_s: f64,
    z: f64,
) -> Crossing {
    let headroom = if limit != 0.0 {
        (limit - proj.level) / limit.abs()
    } else {
        f64::NAN
    };
    let base = profile.at(now_ms);
    let cycle = |d: f64| profile.at(now_ms + (d * 1000.0) as i64) - base;
    if proj.level >= limit {
        return Crossing {
            in_s: Some(0.0),
            earliest_s: Some(0.0),
            latest_s: Some(0.0),
            probability: 1.0,
            headroom,
        };
    }
    let first = |trend: f64| -> Option<f64> {
        let mut d = SEARCH_STEP_S;
        while d <= 4.0 * horizon_s {
            if proj.level + trend * d + cycle(d) >= limit {
                return Some(d);
            }
            d += SEARCH_STEP_S;
        }
        None
    };
    let mut needed = f64::INFINITY;
    let mut d = SEARCH_STEP_S;
    while d <= horizon_s {
        needed = needed.min((limit - proj.level - cycle(d)) / d);
        d += SEARCH_STEP_S;
    }
    let se = if proj.trend_se.is_finite() {
        proj.trend_se.max(0.0)
    } else {
        0.0
    };
    let probability = if se > 0.0 {
        0.5 * libm::erfc(-((proj.trend - needed) / se) / std::f64::consts::SQRT_2)
    } else if proj.trend >= needed {
        1.0
    } else {
        0.0
    };
    Crossing {
        in_s: first(proj.trend),
        earliest_s: first(proj.trend + z * se),
        latest_s: first(proj.trend - z * se),
        probability,
        headroom,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `days` days at 60 s of `f(hour of day, day)`.
    fn feed(days: i64, f: impl Fn(f64, i64) -> f64) -> DailyProfile {
        let mut p = DailyProfile::default();
        for m in 0..days * 1440 {
            let ts = m * 60_000;
            p.update(ts, f((m % 1440) as f64 / 60.0, m / 1440));
        }
        p
    }

    fn cycle(h: f64) -> f64 {
        100.0 + 50.0 * ((h - 6.0) / 24.0 * std::f64::consts::TAU).sin()
    }

    #[test]
    fn a_repeating_cycle_is_seasonal_and_read_back() {
        let p = feed(3, |h, _| cycle(h));
        assert!(p.seasonal(), "r = {}", p.repeat_correlation());
        // Hour 12 (peak) read back within the interpolation error.
        let at_noon = p.at(3 * 86_400_000 + 12 * 3_600_000);
        assert!((at_noon - 150.0).abs() < 2.0, "{at_noon}");
    }

    #[test]
    fn a_one_day_ramp_and_noise_are_not_seasonal() {
        // Flat with noise, except a steady climb on day 2 only.
        let noise = |h: f64, day: i64| ((h * 977.0 + day as f64 * 131.0).sin() * 43758.5).fract();
        let p = feed(3, |h, day| {
            if day == 1 {
                100.0 + 5.0 * h
            } else {
                100.0 + noise(h, day)
            }
        });
        assert!(!p.seasonal(), "r = {}", p.repeat_correlation());
        let flat = feed(3, |h, day| 100.0 + noise(h, day));
        assert!(!flat.seasonal(), "r = {}", flat.repeat_correlation());
    }

    #[test]
    fn the_evening_peak_is_predicted_and_the_morning_ramp_not_extrapolated() {
        let p = feed(3, |h, _| cycle(h));
        let day3 = 3 * 86_400_000;
        // 07:00, on the morning ramp (slope ~ +0.22/min), limit 140: the
        // cycle alone reaches 140 near 09:30, no trend needed.
        let now = day3 + 7 * 3_600_000;
        let proj = Projection {
            level: p.at(now),
            trend: 0.0,
            trend_se: 1e-4,
        };
        let c = seasonal_crossing(&p, &proj, now, 140.0, 4.0 * 3600.0, 2.0);
        let in_h = c.in_s.unwrap() / 3600.0;
        assert!((2.0..3.0).contains(&in_h), "{in_h}");
        assert!(c.probability > 0.99, "{c:?}");
        // Within a 2 h horizon it is not expected.
        let c = seasonal_crossing(&p, &proj, now, 140.0, 7200.0, 2.0);
        assert!(c.probability < 0.01, "{c:?}");
        // Limit 160 is never reached by the cycle (peak 150): no crossing,
        // however steep the morning looks.
        let c = seasonal_crossing(&p, &proj, now, 160.0, 7200.0, 2.0);
        assert!(c.in_s.is_none() && c.probability < 0.01, "{c:?}");
    }
}
