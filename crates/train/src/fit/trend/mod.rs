//! Fitting the trend forecasters, per metric.
//!
//! For each metric, every `(alpha, beta, phi)` of the grid
//! ([`TrendFit`]) is scored by the mean absolute error of `h`-step-ahead
//! forecasts, each error divided by its series' scale (its limit, else its SLO,
//! else its own 99th percentile of absolute values), pooled
//! over the metric's series; the lowest wins (the first in grid order on a
//! tie). Then `z` is calibrated: with `D(h)` the trend-seconds the damped
//! forecast accumulates over `h` (`= h` when `phi = 1`) and `se` the longest
//! window's `slope_stderr` at the forecast time, each evaluation gives
//! `r = |actual − forecast| / (se·D(h))`, and `z` is the smallest `r` that
//! covers the wanted share (`coverage`, 90 %) of evaluations (nearest rank),
//! clamped to `z_range`. That is the interval
//! `forecast ± z·D(h)·se`, which is exactly what [`crossing`] widens the
//! trend by (`trend ± z·se`).
//!
//! The scorer projects the longest window's least-squares line once the
//! window holds three samples, so its interval is calibrated the same way:
//! `line_z` is the smallest `r = |actual − line projection| / (se·h)` that
//! covers the same share of evaluations ([`line_ratios`]).
//!
//! The default parameters (for metrics without their own) are the grid
//! point with the lowest sum of the fitted metrics' errors, with the median
//! of their `z` and `line_z`.
//!
//! [`crossing`]: forewarn_models::trend::crossing

pub(crate) mod eval;
pub(crate) mod scale;
pub(crate) mod select;

use forewarn_models::trend::TrendParams;

use self::eval::{Score, TrendSeries, line_ratios, score_into};
use super::config::TrendFit;
use crate::parallel;

/// The fit of one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricFit {
    /// The chosen parameters (with the calibrated `z`).
    pub params: TrendParams,
    /// Mean normalised absolute `h`-step error of the chosen parameters.
    pub mae: f64,
    /// The same for the naive forecast (the last value), for comparison.
    pub naive_mae: f64,
    /// Share of evaluations whose actual fell inside `forecast ± z·D(h)·se`.
    pub coverage: f64,
    /// `z` before clamping (may be infinite when `se` is often 0).
    pub z_raw: f64,
    /// Share of evaluations the window line's interval held at the
    /// calibrated `line_z` (NaN without evaluations).
    pub line_coverage: f64,
    /// Evaluations scored.
    pub evals: u64,
    /// Series used.
    pub series: usize,
    /// Mean error of every grid point, in grid order.
    pub grid_mae: Vec<f64>,
}

/// The grid, in order: alpha outermost, phi innermost.
pub(crate) fn grid(cfg: &TrendFit, step_s: f64) -> Vec<TrendParams> {
    let mut out = Vec::new();
    for &alpha in &cfg.alphas {
        for &beta in &cfg.betas {
            for &phi in &cfg.phis {
                out.push(TrendParams {
                    alpha,
                    beta,
                    phi,
                    step_s,
                    z: 1.0,
                    line_z: None,
                });
            }
        }
    }
    out
}

fn score_all(p: &TrendParams, series: &[TrendSeries], h_s: f64, ratios: bool) -> Score {
    let mut s = Score::default();
    for ts in series {
        score_into(p, ts, h_s, ratios, &mut s);
    }
    s
}

/// Fit one metric on its series; `None` when no evaluation was possible.
pub(crate) fn fit_metric(
    cfg: &TrendFit,
    step_s: f64,
    series: &[TrendSeries],
    workers: usize,
) -> Option<MetricFit> {
    let h_s = cfg.horizon_ms as f64 / 1000.0;
    let grid = grid(cfg, step_s);
    let scores = parallel::map(grid.len(), workers, |i| {
        score_all(&grid[i], series, h_s, false)
    });
    let grid_mae: Vec<f64> = scores.iter().map(Score::mae).collect();
    let best = (0..grid.len())
        .filter(|i| grid_mae[*i].is_finite())
        .min_by(|a, b| grid_mae[*a].total_cmp(&grid_mae[*b]))?;
    let mut params = grid[best];
    let mut scored = score_all(&params, series, h_s, true);
    let (z_raw, z, coverage) = calibrate_z(cfg, std::mem::take(&mut scored.ratios));
    params.z = z;
    let mut lines = Vec::new();
    series.iter().for_each(|s| line_ratios(s, h_s, &mut lines));
    let (line_raw, line_z, line_coverage) = calibrate_z(cfg, lines);
    params.line_z = (!line_raw.is_nan()).then_some(line_z);
    Some(MetricFit {
        params,
        mae: scored.mae(),
        naive_mae: scored.naive_mae(),
        coverage,
        z_raw,
        line_coverage,
        evals: scored.n,
        series: series.iter().filter(|s| !s.evals.is_empty()).count(),
        grid_mae,
    })
}

/// `(z before clamping, z, coverage achieved)` from the ratios.
fn calibrate_z(cfg: &TrendFit, mut ratios: Vec<f64>) -> (f64, f64, f64) {
    let (lo, hi) = cfg.z_range;
    if ratios.is_empty() {
        let z = TrendParams::default().z.clamp(lo, hi);
        return (f64::NAN, z, f64::NAN);
    }
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    let rank = ((cfg.coverage * n as f64).ceil() as usize).clamp(1, n);
    let z_raw = ratios[rank - 1];
    let z = if z_raw.is_finite() {
        z_raw.clamp(lo, hi)
    } else {
        hi
    };
    let covered = ratios.partition_point(|r| *r <= z);
    (z_raw, z, covered as f64 / n as f64)
}

/// Parameters for metrics without their own fit.
pub(crate) fn fit_default(cfg: &TrendFit, step_s: f64, fits: &[MetricFit]) -> TrendParams {
    let grid = grid(cfg, step_s);
    let total = |i: usize| {
        fits.iter()
            .map(|f| f.grid_mae[i])
            .filter(|m| m.is_finite())
            .sum::<f64>()
    };
    let best = (0..grid.len()).min_by(|a, b| total(*a).total_cmp(&total(*b)));
    match (best, fits.is_empty()) {
        (Some(i), false) => {
            let median = |mut zs: Vec<f64>| {
                zs.sort_by(f64::total_cmp);
                (!zs.is_empty()).then(|| crate::stats::quantile_sorted(&zs, 0.5))
            };
            TrendParams {
                z: median(fits.iter().map(|f| f.params.z).collect()).unwrap_or(1.0),
                line_z: median(fits.iter().filter_map(|f| f.params.line_z).collect()),
                ..grid[i]
            }
        }
        _ => TrendParams {
            step_s,
            ..TrendParams::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold::Trace;

    /// A noisy ramp: level 100, slope 0.01/s, noise ±1 alternating.
    fn noisy_ramp(n: i64) -> TrendSeries {
        let ts: Vec<i64> = (0..n).map(|i| i * 10_000).collect();
        let values = ts
            .iter()
            .enumerate()
            .map(|(i, t)| 100.0 + 0.01 * *t as f64 / 1000.0 + if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let evals = (360..n as usize).step_by(30).map(|i| (i, 0.0005)).collect();
        TrendSeries::new(
            Trace { ts, values, evals },
            100.0,
            1_800_000,
            10_000,
            3_600_000,
        )
    }

    #[test]
    fn picks_a_trend_following_point_and_calibrates_z_to_the_coverage() {
        let cfg = TrendFit::default();
        let series = vec![noisy_ramp(3000), noisy_ramp(2000)];
        let fit = fit_metric(&cfg, 10.0, &series, 2).unwrap();
        assert_eq!(fit.grid_mae.len(), 140);
        assert!(fit.mae < fit.naive_mae / 3.0, "{fit:?}");
        assert!(fit.coverage >= 0.9, "{fit:?}");
        // The window line's interval is calibrated too, and used.
        assert!(
            fit.params.line_z.is_some() && fit.line_coverage >= 0.9,
            "{fit:?}"
        );
        assert!(fit.params.problems().is_empty());
        // Same answer with one worker.
        assert_eq!(fit_metric(&cfg, 10.0, &series, 1).unwrap(), fit);
        let d = fit_default(&cfg, 10.0, std::slice::from_ref(&fit));
        assert_eq!(
            (d.alpha, d.beta, d.phi, d.z, d.line_z),
            (
                fit.params.alpha,
                fit.params.beta,
                fit.params.phi,
                fit.params.z,
                fit.params.line_z
            )
        );
    }

    #[test]
    fn z_is_the_nearest_rank_quantile_clamped() {
        let cfg = TrendFit::default();
        let r: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(calibrate_z(&cfg, r), (9.0, 9.0, 0.9));
        let (raw, z, cov) = calibrate_z(&cfg, vec![f64::INFINITY; 3]);
        assert_eq!((raw, z, cov), (f64::INFINITY, 100.0, 0.0));
        assert!(fit_metric(&cfg, 10.0, &[], 1).is_none());
    }
}
