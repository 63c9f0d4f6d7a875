//! [`HoltState`]: Holt's linear method with a damped trend, updated online
//! on irregular event times. Smoothing constants are given per reference
//! step and converted for other gaps (`1 − (1 − α)^(dt/step)`), so a gap in
//! the data does not over- or under-weight the next sample.

use serde::{Deserialize, Serialize};

use super::TrendParams;

/// Level and trend of one series.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct HoltState {
    /// Smoothed level at `ts`.
    pub level: f64,
    /// Smoothed trend, per second.
    pub trend: f64,
    /// Exponentially weighted variance of the per-step trend observations
    /// around the smoothed trend (same weight as the trend).
    #[serde(default)]
    pub trend_var: f64,
    /// Event time of the last update (ms).
    pub ts: i64,
    /// Samples seen.
    pub n: u64,
}

/// Per-gap weights of [`HoltState::update`], see [`HoltState::coefficients`].
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Coefficients {
    /// Level weight over the gap.
    pub alpha: f64,
    /// Trend weight over the gap.
    pub beta: f64,
    /// Damping over the gap.
    pub damp: f64,
}

impl From<Coefficients> for (f64, f64, f64) {
    fn from(c: Coefficients) -> Self {
        (c.alpha, c.beta, c.damp)
    }
}

/// A memo of the coefficients of the last gap seen: with regular sampling,
/// three `powf` per update become none.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct GapMemo {
    gap_ms: i64,
    c: Coefficients,
}

impl GapMemo {
    /// The coefficients for a gap of `gap_ms`, computed only when it differs
    /// from the last one.
    pub fn for_gap(&mut self, p: &TrendParams, gap_ms: i64) -> Coefficients {
        if gap_ms != self.gap_ms {
            self.gap_ms = gap_ms;
            self.c = HoltState::coefficients(p, gap_ms as f64 / 1000.0);
        }
        self.c
    }
}

impl HoltState {
    /// The smoothing weights and damping for a gap of `dt_s` seconds:
    /// `(α', β', φ')`, each compounded over `dt_s / step_s` steps. They
    /// depend on the gap only, so a caller that sees regular sampling can
    /// compute them once ([`GapMemo`]).
    pub fn coefficients(p: &TrendParams, dt_s: f64) -> Coefficients {
        let steps = dt_s / p.step_s;
        Coefficients {
            alpha: 1.0 - (1.0 - p.alpha).powf(steps),
            beta: 1.0 - (1.0 - p.beta).powf(steps),
            damp: p.phi.powf(steps),
        }
    }

    /// Apply a sample at `ts` (ms). Samples at or before the last one are
    /// ignored: the feature engine has already applied its lateness rules,
    /// and a trend is only defined forward in time.
    pub fn update(&mut self, p: &TrendParams, ts: i64, y: f64) {
        if !y.is_finite() {
            return;
        }
        if self.n == 0 {
            *self = HoltState {
                level: y,
                n: 1,
                ts,
                ..HoltState::default()
            };
            return;
        }
        if ts <= self.ts {
            return;
        }
        let c = Self::coefficients(p, (ts - self.ts) as f64 / 1000.0);
        self.apply(c, ts, y);
    }

    /// One update with a later sample, given the gap's coefficients.
    fn apply(&mut self, c: Coefficients, ts: i64, y: f64) {
        let dt = (ts - self.ts) as f64 / 1000.0;
        let (a, b, damp) = c.into();
        let predicted = self.level + self.trend * damp * dt;
        let level = predicted + a * (y - predicted);
        // The trend starts at zero, not at a first difference: one noisy
        // difference would take ~1/β steps to wash out and could raise a
        // false alarm meanwhile.
        let observed_trend = (level - self.level) / dt;
        let innovation = observed_trend - damp * self.trend;
        let trend = damp * self.trend + b * innovation;
        let trend_var = if self.n == 1 {
            innovation * innovation
        } else {
            (1.0 - b) * self.trend_var + b * innovation * innovation
        };
        *self = HoltState {
            level,
            trend,
            trend_var,
            ts,
            n: self.n + 1,
        };
    }

    /// [`HoltState::update`] with the gap's coefficients taken from `memo`
    /// (identical results).
    pub fn update_memo(&mut self, p: &TrendParams, memo: &mut GapMemo, ts: i64, y: f64) {
        if self.n == 0 || !y.is_finite() || ts <= self.ts {
            return self.update(p, ts, y);
        }
        let c = memo.for_gap(p, ts - self.ts);
        self.apply(c, ts, y);
    }

    /// Standard error of the smoothed trend: an exponentially weighted mean
    /// with weight `β` of observations with variance `trend_var` has
    /// variance `β / (2 − β) · trend_var`.
    pub fn trend_stderr(&self, p: &TrendParams) -> f64 {
        (p.beta / (2.0 - p.beta) * self.trend_var).sqrt()
    }

    /// Forecast `h_s` seconds ahead with the damped trend `trend`.
    pub fn forecast_with(&self, p: &TrendParams, trend: f64, h_s: f64) -> f64 {
        self.level + trend * damped_sum(p, h_s)
    }

    /// Forecast `h_s` seconds ahead.
    pub fn forecast(&self, p: &TrendParams, h_s: f64) -> f64 {
        self.forecast_with(p, self.trend, h_s)
    }
}

/// Seconds of trend accumulated over `h_s` seconds under damping:
/// `∫₀ʰ φ^(t/step) dt`, which is `h` when `φ = 1`.
pub(crate) fn damped_sum(p: &TrendParams, h_s: f64) -> f64 {
    if p.phi >= 1.0 {
        return h_s;
    }
    let k = -p.phi.ln() / p.step_s;
    (1.0 - (-k * h_s).exp()) / k
}

/// The horizon (seconds) at which the damped trend has accumulated `need`
/// seconds of trend, if ever.
pub(crate) fn damped_time_for(p: &TrendParams, need: f64) -> Option<f64> {
    if need <= 0.0 {
        return Some(0.0);
    }
    if p.phi >= 1.0 {
        return Some(need);
    }
    let k = -p.phi.ln() / p.step_s;
    let x = 1.0 - need * k;
    (x > 0.0).then(|| -x.ln() / k)
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_gap_memo_changes_nothing() {
        let p = TrendParams::default();
        let (mut plain, mut memoed, mut memo) = (
            HoltState::default(),
            HoltState::default(),
            GapMemo::default(),
        );
        let mut ts = 0;
        for i in 0..500i64 {
            ts += if i % 7 == 0 { 25_000 } else { 10_000 };
            let y = (i as f64).sin() + 0.01 * i as f64;
            plain.update(&p, ts, y);
            memoed.update_memo(&p, &mut memo, ts, y);
            assert_eq!(plain, memoed);
        }
    }

    use super::*;

    #[test]
    fn tracks_a_linear_ramp_and_its_slope() {
        let undamped = TrendParams {
            phi: 1.0,
            ..TrendParams::default()
        };
        let mut s = HoltState::default();
        let mut d = HoltState::default();
        for i in 0..2000i64 {
            let y = 100.0 + 0.5 * i as f64; // 0.05 per second
            s.update(&undamped, i * 10_000, y);
            d.update(&TrendParams::default(), i * 10_000, y);
        }
        assert!((s.trend - 0.05).abs() < 1e-6, "{}", s.trend);
        assert!(
            (s.level - (100.0 + 0.5 * 1999.0)).abs() < 1e-3,
            "{}",
            s.level
        );
        // Damping trades a small steady-state bias for safer long forecasts.
        assert!(d.trend < 0.05 && d.trend > 0.045, "{}", d.trend);
    }

    #[test]
    fn irregular_gaps_give_the_same_slope() {
        let p = TrendParams {
            phi: 1.0,
            ..TrendParams::default()
        };
        let mut s = HoltState::default();
        let mut t = 0i64;
        for i in 0..3000i64 {
            t += if i % 7 == 0 { 60_000 } else { 5_000 };
            s.update(&p, t, 2.0 * t as f64 / 1000.0);
        }
        assert!((s.trend - 2.0).abs() < 0.02, "{}", s.trend);
    }

    #[test]
    fn ignores_non_finite_and_backward_samples() {
        let p = TrendParams::default();
        let mut s = HoltState::default();
        s.update(&p, 10_000, 1.0);
        s.update(&p, 20_000, 2.0);
        let before = s;
        s.update(&p, 15_000, 100.0);
        s.update(&p, 30_000, f64::NAN);
        assert_eq!(s, before);
    }

    #[test]
    fn damped_sum_inverts() {
        let p = TrendParams::default();
        for h in [10.0, 600.0, 3600.0, 7200.0] {
            let need = damped_sum(&p, h);
            let back = damped_time_for(&p, need).unwrap();
            assert!((back - h).abs() < 1e-6 * h, "{h} -> {back}");
        }
        assert!(
            damped_time_for(&p, 1e12).is_none(),
            "beyond the damped asymptote"
        );
    }
}
