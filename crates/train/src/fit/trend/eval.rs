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
}

impl TrendSeries {
    /// Pair each evaluation point with the first sample at or after
    /// `t + h`, if one arrives within `tolerance_ms` of it.
    pub(crate) fn new(trace: Trace, scale: f64, horizon_ms: i64, tolerance_ms: i64) -> Self {
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
        let s = TrendSeries::new(t, 10.0, 600_000, 10_000);
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
    }
}
