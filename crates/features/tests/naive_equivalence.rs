//! Property test: every feature of every window equals a naive recomputation
//! over the raw accepted points of the same window, for random series with
//! gaps, bursts, duplicates and late points.
//!
//! Tolerances: count, min, max and last exactly; mean, EWMA and missing ratio
//! within 1e-9 of the window's value scale; std, slope and rate of change
//! within 1e-6 of their own scale; the slope's standard error within 1e-6 of
//! its scale plus 1e-4 of value scale per second of span (its residual sum
//! of squares comes from a subtraction); quantiles within the sketch's relative
//! accuracy α of the exact order statistic of the same rank.

use forewarn_core::HumanDuration;
use forewarn_features::series::RECENT;
use forewarn_features::{CompiledSpec, Feature, FeatureSpec, SeriesWindows, WindowSpec};
use proptest::prelude::*;

/// The engine's input rules, written the obvious way over a list of points.
#[derive(Default)]
struct Naive {
    points: Vec<(i64, f64)>,
    recent: Vec<(i64, u64)>,
    watermark: Option<i64>,
    last: f64,
}

impl Naive {
    fn push(&mut self, lateness: i64, ts: i64, v: f64) -> bool {
        if self.watermark.is_some_and(|w| ts < w - lateness) {
            return false;
        }
        if self.recent.contains(&(ts, v.to_bits())) {
            return false;
        }
        self.recent.push((ts, v.to_bits()));
        if self.recent.len() > RECENT {
            self.recent.remove(0);
        }
        self.points.push((ts, v));
        if self.watermark.is_none_or(|w| ts >= w) {
            self.watermark = Some(ts);
            self.last = v;
        }
        true
    }

    fn features(&self, spec: &CompiledSpec, w: usize) -> Vec<f64> {
        let cw = &spec.windows[w];
        let wm = self.watermark.unwrap();
        let cur = wm.div_euclid(cw.pane_ms);
        let pts: Vec<(i64, f64)> = self
            .points
            .iter()
            .copied()
            .filter(|(t, _)| t.div_euclid(cw.pane_ms) > cur - cw.panes)
            .collect();
        let n = pts.len() as f64;
        let mean = pts.iter().map(|p| p.1).sum::<f64>() / n;
        let var = pts.iter().map(|p| (p.1 - mean).powi(2)).sum::<f64>() / (n - 1.0);
        // Seconds from the oldest point, so the two-pass sums stay exact.
        let t0 = pts.iter().map(|p| p.0).min().unwrap();
        let secs = |t: i64| (t - t0) as f64 / 1000.0;
        let tmean = pts.iter().map(|p| secs(p.0)).sum::<f64>() / n;
        let stt: f64 = pts.iter().map(|p| (secs(p.0) - tmean).powi(2)).sum();
        let stv: f64 = pts.iter().map(|p| (secs(p.0) - tmean) * (p.1 - mean)).sum();
        let first = pts.iter().min_by_key(|p| p.0).unwrap(); // earliest arrival on ties
        let span = (wm - first.0) as f64 / 1000.0;
        let tau = (cw.pane_ms * cw.panes) as f64 / 3.0;
        let weight = |t: i64| (-((cur - t.div_euclid(cw.pane_ms)) * cw.pane_ms) as f64 / tau).exp();
        let ew = pts.iter().map(|p| weight(p.0) * p.1).sum::<f64>()
            / pts.iter().map(|p| weight(p.0)).sum::<f64>();
        let mut sorted: Vec<f64> = pts.iter().map(|p| p.1).collect();
        sorted.sort_by(f64::total_cmp);
        let q = |q: f64| sorted[(q * (n - 1.0)).floor() as usize];
        let first_ts = self.points.iter().map(|p| p.0).min().unwrap();
        let start = ((cur - cw.panes + 1) * cw.pane_ms).max(first_ts);
        let expected = ((wm - start) / spec.spec.expected_interval.as_millis() + 1) as f64;
        spec.spec
            .features
            .iter()
            .map(|f| match f {
                Feature::Count => n,
                Feature::Mean => mean,
                Feature::Std => {
                    if n >= 2.0 {
                        var.sqrt()
                    } else {
                        0.0
                    }
                }
                Feature::Min => sorted[0],
                Feature::Max => sorted[sorted.len() - 1],
                Feature::Last => self.last,
                Feature::Ewma => ew,
                Feature::Slope => {
                    if span > 0.0 {
                        stv / stt
                    } else {
                        0.0
                    }
                }
                Feature::SlopeStderr => {
                    if n >= 3.0 && span > 0.0 {
                        let sse: f64 = pts
                            .iter()
                            .map(|p| (p.1 - (mean + stv / stt * (secs(p.0) - tmean))).powi(2))
                            .sum();
                        (sse / (n - 2.0) / stt).sqrt()
                    } else {
                        0.0
                    }
                }
                Feature::RateOfChange => {
                    if span > 0.0 {
                        (self.last - first.1) / span
                    } else {
                        0.0
                    }
                }
                Feature::P50 => q(0.5),
                Feature::P95 => q(0.95),
                Feature::P99 => q(0.99),
                Feature::MissingRatio => (1.0 - n / expected).clamp(0.0, 1.0),
            })
            .collect()
    }
}

/// One step of a generated series.
#[derive(Debug, Clone)]
enum Step {
    /// Next sample after the usual interval, with jitter.
    Regular(u16, i32),
    /// Several samples within a second.
    Burst(u8, i32),
    /// A gap of minutes to hours.
    Gap(u32, i32),
    /// A sample behind the newest one, within or past the lateness bound.
    Late(u32, i32),
    /// A replay of a recent sample.
    Duplicate(u8),
}

fn step() -> impl Strategy<Value = Step> {
    let v = -100_000i32..100_000;
    prop_oneof![
        6 => (0u16..4000, v.clone()).prop_map(|(j, v)| Step::Regular(j, v)),
        1 => (1u8..12, v.clone()).prop_map(|(k, v)| Step::Burst(k, v)),
        1 => (60_000u32..5_400_000, v.clone()).prop_map(|(g, v)| Step::Gap(g, v)),
        2 => (0u32..60_000, v.clone()).prop_map(|(b, v)| Step::Late(b, v)),
        1 => (0u8..10).prop_map(Step::Duplicate),
    ]
}

fn spec_strategy() -> impl Strategy<Value = FeatureSpec> {
    (
        1u32..7,
        1u32..6,
        1u32..13,
        prop_oneof![Just(0.005), Just(0.01), Just(0.05)],
    )
        .prop_map(|(a, b, c, acc)| {
            let w = |name: &str, secs: i64, panes| WindowSpec {
                name: name.into(),
                length: HumanDuration::from_secs(secs),
                panes,
            };
            let mut s = FeatureSpec::default_set();
            s.windows = vec![w("1m", 60, a.min(6)), w("5m", 300, b), w("1h", 3600, c)];
            s.windows
                .retain(|w| w.length.as_millis() % i64::from(w.panes) == 0);
            s.quantile_accuracy = acc;
            s
        })
}

/// Seconds spanned by all points, at least 1 ms.
fn span_of(points: &[(i64, f64)]) -> f64 {
    let lo = points.iter().map(|p| p.0).min().unwrap_or(0);
    let hi = points.iter().map(|p| p.0).max().unwrap_or(0);
    ((hi - lo) as f64 / 1000.0).max(1e-3)
}

fn check(spec: &CompiledSpec, s: &SeriesWindows, naive: &Naive) -> Result<(), TestCaseError> {
    let got = s.features(spec);
    let per = spec.spec.features.len();
    for w in 0..spec.windows.len() {
        let want = naive.features(spec, w);
        let scale = want[spec
            .spec
            .features
            .iter()
            .position(|f| *f == Feature::Max)
            .unwrap()]
        .abs()
        .max(
            want[spec
                .spec
                .features
                .iter()
                .position(|f| *f == Feature::Min)
                .unwrap()]
            .abs(),
        ) + 1.0;
        for (i, f) in spec.spec.features.iter().enumerate() {
            let (g, e) = (got[w * per + i], want[i]);
            let tol = match f {
                Feature::Count | Feature::Min | Feature::Max | Feature::Last => 0.0,
                Feature::Mean | Feature::Ewma | Feature::MissingRatio => 1e-9 * scale,
                Feature::Std => 1e-6 * scale,
                Feature::Slope | Feature::RateOfChange => 1e-6 * (e.abs() + scale),
                // SSE by subtraction loses digits when the fit is near-perfect.
                Feature::SlopeStderr => {
                    1e-6 * (e.abs() + scale) + 1e-4 * scale / span_of(&naive.points)
                }
                Feature::P50 | Feature::P95 | Feature::P99 => {
                    spec.mapping.alpha() * e.abs() * (1.0 + 1e-12) + 1e-9
                }
            };
            prop_assert!(
                (g - e).abs() <= tol,
                "window {} feature {}: engine {} naive {} (tol {})",
                spec.windows[w].name,
                f.name(),
                g,
                e,
                tol
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn features_match_naive_recomputation(spec in spec_strategy(), steps in prop::collection::vec(step(), 1..400)) {
        let spec = spec.compile().unwrap();
        let lateness = spec.lateness_ms();
        let mut s = SeriesWindows::new(&spec, false);
        let mut naive = Naive::default();
        let mut ts: i64 = 1_700_000_000_000;
        let feed = |t: i64, v: f64, s: &mut SeriesWindows, naive: &mut Naive| {
            let accepted = naive.push(lateness, t, v);
            let r = s.push(&spec, t, v);
            // Accepted by the naive rules iff applied (not rejected, not a duplicate).
            prop_assert_eq!(accepted, matches!(r, Ok(forewarn_features::PushOutcome::Applied)), "at {} {}: {:?}", t, v, r);
            Ok(())
        };
        for st in steps {
            match st {
                Step::Regular(j, v) => { ts += 8_000 + i64::from(j); feed(ts, f64::from(v) / 8.0, &mut s, &mut naive)?; }
                Step::Burst(k, v) => for i in 0..k { ts += 1 + i64::from(i) * 37; feed(ts, f64::from(v) + f64::from(i), &mut s, &mut naive)?; },
                Step::Gap(g, v) => { ts += i64::from(g); feed(ts, f64::from(v), &mut s, &mut naive)?; }
                Step::Late(b, v) => { let t = naive.watermark.unwrap_or(ts) - i64::from(b); feed(t, f64::from(v) * 0.5, &mut s, &mut naive)?; }
                Step::Duplicate(k) => if let Some(&(t, v)) = naive.points.iter().rev().nth(usize::from(k)) {
                    feed(t, v, &mut s, &mut naive)?;
                },
            }
            if naive.watermark.is_some() {
                check(&spec, &s, &naive)?;
            }
        }
    }
}
