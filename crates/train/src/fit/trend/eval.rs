//! Scoring one set of [`TrendParams`] on history: run the online damped
//! Holt state ([`HoltState`], the scorer's own code) through each series
//! and, at every evaluation point `t`, compare the forecast for `t + h`
//! with the first sample at or after `t + h`.

use forewarn_models::trend::{HoltState, TrendParams};

use crate::fold::Trace;

/// One evaluation: forecast made after sample `at` for the sample `target`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Eval {
    /// Index of the sample the forecast is made after.
    pub at: usize,
    /// Index of the sample `h` later.
    pub target: usize,
    /// The longest window's `slope_stderr` at `at` (per second).
    pub se: f64,
}

/// A series ready for the grid search.
#[derive(Debug, Clone)]
pub(crate) struct TrendSeries {
    pub trace: Trace,
    pub evals: Vec<Eval>,
    /// Errors are divided by this ([`super::scale`]).
    pub scale: f64,
    /// Length of the longest feature window (ms): the span of the
    /// least-squares line the scorer projects ([`line_ratios`]).
    pub line_ms: i64,
}

impl TrendSeries {
    /// Pair each evaluation point with the first sample at or after
    /// `t + h`, if one arrives within `tolerance_ms` of it.
    pub(crate) fn new(
        trace: Trace,
        scale: f64,
        horizon_ms: i64,
        tolerance_ms: i64,
        line_ms: i64,
    ) -> Self {
        let evals = trace
            .evals
            .iter()
            .filter_map(|&(at, se)| {
                let want = trace.ts[at] + horizon_ms;
                let target = trace.ts.partition_point(|t| *t < want);
                (target < trace.ts.len() && trace.ts[target] - want <= tolerance_ms)
                    .then_some(Eval { at, target, se })
            })
            .collect();
        Self {
            trace,
            evals,
            scale,
            line_ms,
        }
    }
}

/// Sums over the evaluations of one parameter set.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Score {
    /// Σ |forecast − actual| / scale.
    pub abs_err: f64,
    /// Σ |last value − actual| / scale (the naive forecast).
    pub naive_err: f64,
    /// Evaluations.
    pub n: u64,
    /// Per evaluation with a finite `se`: |actual − forecast| / (se·D(h)),
    /// the `z` at which the interval would just hold the actual. Only
    /// filled when asked for.
    pub ratios: Vec<f64>,
}

impl Score {
    /// Mean normalised absolute error (∞ without evaluations).
    pub(crate) fn mae(&self) -> f64 {
        if self.n == 0 {
            f64::INFINITY
        } else {
            self.abs_err / self.n as f64
        }
    }

    /// Mean normalised absolute error of the naive forecast.
    pub(crate) fn naive_mae(&self) -> f64 {
        if self.n == 0 {
            f64::INFINITY
        } else {
            self.naive_err / self.n as f64
        }
    }
}

/// `D(h)`: seconds of trend the damped forecast accumulates over `h_s`
/// (`h_s` itself when `phi = 1`), from the scorer's own forecast.
pub(crate) fn damped_horizon(p: &TrendParams, h_s: f64) -> f64 {
    HoltState::default().forecast_with(p, 1.0, h_s)
}

/// Score `p` on `series`, adding into `score`.
pub(crate) fn score_into(
    p: &TrendParams,
    series: &TrendSeries,
    h_s: f64,
    ratios: bool,
    score: &mut Score,
) {
    let (ts, v) = (&series.trace.ts, &series.trace.values);
    let d = damped_horizon(p, h_s);
    let mut state = HoltState::default();
    let mut next = series.evals.iter().peekable();
    for i in 0..ts.len() {
        state.update(p, ts[i], v[i]);
        while let Some(e) = next.next_if(|e| e.at == i) {
            let actual = v[e.target];
            let err = (state.forecast(p, h_s) - actual).abs();
            score.abs_err += err / series.scale;
            score.naive_err += (v[i] - actual).abs() / series.scale;
            score.n += 1;
            if ratios && e.se.is_finite() {
                let width = e.se * d;
                score.ratios.push(if width > 0.0 {
                    err / width
                } else if err == 0.0 {
                    0.0
                } else {
                    f64::INFINITY
                });
            }
        }
    }
}

/// The least-squares line through `(t, v)`: `(mean, slope per second)`;
/// `None` below three samples or with no spread in time.
fn least_squares(ts: &[i64], v: &[f64]) -> Option<(f64, f64)> {
    let n = ts.len() as f64;
    if ts.len() < 3 {
        return None;
    }
    let t0 = ts[0];
    let tm = ts.iter().map(|t| (t - t0) as f64 / 1000.0).sum::<f64>() / n;
    let vm = v.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, y) in ts.iter().zip(v) {
        let x = (t - t0) as f64 / 1000.0 - tm;
        sxy += x * (y - vm);
        sxx += x * x;
    }
    (sxx > 0.0).then(|| (vm, sxy / sxx))
}

/// Add, per evaluation with a finite `se`, the `z` at which the scorer's
/// projection of the longest window's line would just hold the actual:
/// the line through the samples of the last `line_ms` (three at least), its
/// level taken where the scorer takes it (`mean + slope·span/2`, `span` the
/// history capped at the window), projected undamped `h_s` ahead, and
/// `r = |actual − projection| / (se·h)`, the interval `trend ± z·se` that
/// [`crossing`](forewarn_models::trend::crossing) widens it by.
pub(crate) fn line_ratios(series: &TrendSeries, h_s: f64, out: &mut Vec<f64>) {
    let (ts, v) = (&series.trace.ts, &series.trace.values);
    for e in series.evals.iter().filter(|e| e.se.is_finite()) {
        let now = ts[e.at];
        let from = ts.partition_point(|t| *t <= now - series.line_ms);
        let Some((mean, slope)) = least_squares(&ts[from..=e.at], &v[from..=e.at]) else {
            continue;
        };
        let span_s = (now - ts[0]).min(series.line_ms) as f64 / 1000.0;
        let projected = mean + slope * (span_s / 2.0 + h_s);
        let err = (v[e.target] - projected).abs();
        let width = e.se * h_s;
        out.push(if width > 0.0 {
            err / width
        } else if err == 0.0 {
            0.0
        } else {
            f64::INFINITY
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(values: Vec<f64>, every: usize) -> Trace {
        let n = values.len();
        Trace {
            ts: (0..n as i64).map(|i| i * 10_000).collect(),
            values,
            evals: (0..n).step_by(every).map(|i| (i, 0.001)).collect(),
        }
    }

    #[test]
    fn a_ramp_is_forecast_exactly_by_an_undamped_trend() {
        let t = trace((0..500).map(|i| 2.0 * i as f64).collect(), 50);
        let s = TrendSeries::new(t, 10.0, 600_000, 10_000, 3_600_000);
        // 60 samples ahead: evaluations after sample 440 have no target.
        assert_eq!(s.evals.len(), 9);
        assert_eq!(
            s.evals[1],
            Eval {
                at: 50,
                target: 110,
                se: 0.001
            }
        );
        let p = TrendParams {
            alpha: 0.5,
            beta: 0.2,
            phi: 1.0,
            ..TrendParams::default()
        };
        let mut sc = Score::default();
        score_into(&p, &s, 600.0, true, &mut sc);
        assert_eq!(sc.n, 9);
        // The naive forecast misses by 120 units = 12 scales every time.
        assert!((sc.naive_mae() - 12.0).abs() < 1e-9);
        // Holt needs a few samples to learn the slope, then is exact.
        assert!(sc.mae() < 12.0 / 9.0 + 0.01, "{}", sc.mae());
        assert_eq!(sc.ratios.len(), 9);
        assert!((damped_horizon(&p, 600.0) - 600.0).abs() < 1e-9);
        // The window's line needs three samples (the first evaluation has
        // one), projects an exact ramp exactly while the series is shorter
        // than the window...
        let mut lr = Vec::new();
        line_ratios(&s, 600.0, &mut lr);
        assert_eq!(lr.len(), 8);
        assert!(lr[..7].iter().all(|r| *r < 1e-6), "{lr:?}");
        // ...and, as the scorer does, takes a full window's mean at its
        // middle (1800 s back) once it is full: the samples' mean time sits
        // half a sample later (1795 s), so the level is 0.2 × 5 = 1 high;
        // 1 / (0.001 · 600).
        assert!((lr[7] - 1.0 / 0.6).abs() < 1e-9, "{lr:?}");
    }

    #[test]
    fn the_line_misses_a_turn_by_its_distance_over_the_interval() {
        // Flat at 0 for the first hour, then climbing 1 per 10 s sample;
        // evaluated once, at the turn, 10 min ahead with se 0.01 per s.
        let mut values: Vec<f64> = vec![0.0; 360];
        values.extend((1..=100).map(f64::from));
        let n = values.len();
        let t = Trace {
            ts: (0..n as i64).map(|i| i * 10_000).collect(),
            values,
            evals: vec![(359, 0.01)],
        };
        let s = TrendSeries::new(t, 1.0, 600_000, 10_000, 3_600_000);
        let mut lr = Vec::new();
        line_ratios(&s, 600.0, &mut lr);
        // The flat line projects 0; the actual 10 min on is 60: 60 / (0.01 · 600).
        assert_eq!(lr.len(), 1);
        assert!((lr[0] - 10.0).abs() < 1e-9, "{lr:?}");
    }
}
