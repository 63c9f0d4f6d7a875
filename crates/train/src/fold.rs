//! Folding one series through the feature engine
//! ([`SeriesWindows`], the code the streaming scorer and
//! [`forewarn_features::batch::fold`] run) and keeping what training needs:
//!
//! - **snapshots** for the anomaly vectors: at every cadence tick `T`, the
//!   chosen features after the series' last applied sample at or before `T`
//!   (missing when that sample is older than the staleness bound);
//! - a **trace** for the trend fit: every applied sample's time and value,
//!   plus the longest window's `slope_stderr` at each evaluation point.
//!
//! Every sample is pushed, with the same input rules and outcomes as
//! `batch::fold`; the feature vector is only read when a tick or an
//! evaluation point needs it, from the same state `batch::fold` would have
//! handed to its callback, so the values are identical (a test checks it
//! against `batch::fold`) at a fraction of the cost. No feature is computed
//! here.

use forewarn_features::{CompiledSpec, EngineStats, PushOutcome, Rejected, SeriesWindows};

use crate::history::Series;

/// What to keep of one series' anomaly features.
#[derive(Debug, Clone)]
pub(crate) struct SnapshotPlan {
    /// Positions of the chosen features in the engine's vector.
    pub subset: Vec<usize>,
    /// Tick spacing (ms).
    pub cadence_ms: i64,
    /// Keep tick `T` only when `(T / cadence) % stride == 0`.
    pub stride: i64,
    /// First tick kept (ms): the instance's first sample plus the longest
    /// window, so every window is full.
    pub start_ms: i64,
    /// Staleness bound (ms).
    pub max_stale_ms: i64,
}

/// What to keep for the trend fit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TracePlan {
    /// Position of the longest window's `slope_stderr`, if computed.
    pub se_index: Option<usize>,
    /// Evaluate every this many samples...
    pub eval_every: usize,
    /// ...once the series has this much history (ms).
    pub warmup_ms: i64,
}

/// Snapshots of one series: tick times and `subset.len()` values per tick.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Snapshots {
    pub ticks: Vec<i64>,
    pub values: Vec<f64>,
}

/// The applied samples of one series and the evaluation points.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Trace {
    pub ts: Vec<i64>,
    pub values: Vec<f64>,
    /// `(sample index, slope_stderr there)`.
    pub evals: Vec<(usize, f64)>,
}

/// The result of folding one series.
#[derive(Debug, Clone, Default)]
pub(crate) struct Folded {
    pub stats: EngineStats,
    pub snapshots: Option<Snapshots>,
    pub trace: Option<Trace>,
}

/// Emits snapshots at ticks from the features of the last applied sample.
struct Ticker<'a> {
    plan: &'a SnapshotPlan,
    /// Next tick not yet decided.
    next: i64,
    /// Event time of the last applied sample.
    prev_ts: Option<i64>,
    out: Snapshots,
}

impl<'a> Ticker<'a> {
    fn new(plan: &'a SnapshotPlan, first_ts: i64) -> Self {
        let c = plan.cadence_ms;
        let from = first_ts.max(plan.start_ms);
        Self {
            plan,
            next: from.div_euclid(c) * c + if from.rem_euclid(c) == 0 { 0 } else { c },
            prev_ts: None,
            out: Snapshots::default(),
        }
    }

    fn kept(&self, tick: i64) -> bool {
        (tick / self.plan.cadence_ms).rem_euclid(self.plan.stride) == 0
    }

    /// Whether [`Ticker::emit_until`] up to `until` would emit anything, so
    /// the current features are needed.
    fn due(&self, until: i64, inclusive: bool) -> bool {
        let Some(prev) = self.prev_ts else {
            return false;
        };
        let step = self.plan.cadence_ms * self.plan.stride;
        let first_kept = self.next.div_euclid(step) * step
            + if self.next.rem_euclid(step) == 0 {
                0
            } else {
                step
            };
        (first_kept < until || (inclusive && first_kept == until))
            && first_kept - prev <= self.plan.max_stale_ms
    }

    /// Emit every tick before `until` (and at it, when `inclusive`) from
    /// `features`, those of the last applied sample.
    fn emit_until(&mut self, until: i64, inclusive: bool, features: &[f64]) {
        let p = self.plan;
        while self.next < until || (inclusive && self.next == until) {
            let fresh = self
                .prev_ts
                .is_some_and(|t| self.next - t <= p.max_stale_ms);
            if !fresh {
                // Jump over a gap instead of walking it tick by tick.
                let resume = until.div_euclid(p.cadence_ms) * p.cadence_ms;
                if resume > self.next {
                    self.next = resume;
                    continue;
                }
            } else if self.kept(self.next) {
                self.out.ticks.push(self.next);
                self.out
                    .values
                    .extend(p.subset.iter().map(|&i| features[i]));
            }
            self.next += p.cadence_ms;
        }
    }
}

/// Fold `series` through the engine, keeping snapshots and/or a trace.
pub(crate) fn fold_series(
    spec: &CompiledSpec,
    series: &Series,
    snapshots: Option<&SnapshotPlan>,
    trace: Option<&TracePlan>,
) -> Folded {
    let Some(&first_ts) = series.ts.first() else {
        return Folded::default();
    };
    let mut windows = SeriesWindows::new(spec, spec.is_counter(&series.key.metric));
    let mut stats = EngineStats::default();
    let (mut features, mut scratch) = (vec![f64::NAN; spec.width()], Vec::new());
    // Whether `features` holds the current state's vector.
    let mut current = false;
    let mut ticker = snapshots.map(|p| Ticker::new(p, first_ts));
    let mut tr = trace.map(|_| Trace::default());
    let mut since_warmup = 0usize;
    for (ts, v) in series.points() {
        if let Some(t) = ticker.as_ref()
            && !current
            && t.due(ts, false)
        {
            windows.features_into(spec, &mut scratch, &mut features);
            current = true;
        }
        match windows.push(spec, ts, v) {
            Ok(PushOutcome::Applied | PushOutcome::CounterReset) => stats.applied += 1,
            Ok(PushOutcome::Duplicate) => {
                stats.duplicates += 1;
                continue;
            }
            Ok(PushOutcome::CounterPrimed) => {
                stats.counters_primed += 1;
                continue;
            }
            Err(Rejected::NonFinite { .. }) => {
                stats.non_finite += 1;
                continue;
            }
            Err(Rejected::TooLate { .. }) => {
                stats.too_late += 1;
                continue;
            }
            Err(Rejected::CounterOutOfOrder { .. }) => {
                stats.counter_out_of_order += 1;
                continue;
            }
            // A rule added to the engine later: not applied, so skipped.
            Err(_) => continue,
        }
        // Applied: ticks before `ts` take the previous state's features.
        if let Some(t) = ticker.as_mut() {
            t.emit_until(ts, false, &features);
            t.prev_ts = Some(t.prev_ts.map_or(ts, |p| p.max(ts)));
        }
        current = false;
        if let (Some(out), Some(plan)) = (tr.as_mut(), trace) {
            out.ts.push(ts);
            out.values.push(v);
            if ts - first_ts >= plan.warmup_ms {
                if since_warmup.is_multiple_of(plan.eval_every) {
                    windows.features_into(spec, &mut scratch, &mut features);
                    current = true;
                    let se = plan.se_index.map_or(f64::NAN, |i| features[i]);
                    out.evals.push((out.ts.len() - 1, se));
                }
                since_warmup += 1;
            }
        }
    }
    let snapshots = ticker.map(|mut t| {
        if let Some(last) = t.prev_ts {
            if !current && t.due(last, true) {
                windows.features_into(spec, &mut scratch, &mut features);
            }
            t.emit_until(last, true, &features);
        }
        t.out
    });
    Folded {
        stats,
        snapshots,
        trace: tr,
    }
}

#[cfg(test)]
mod tests {
    use forewarn_features::{Feature, FeatureSpec, SeriesKey, batch};

    use super::*;

    fn ramp(n: i64, every_ms: i64) -> Series {
        let points = (0..n).map(|i| (i * every_ms, i as f64)).collect();
        Series::new(SeriesKey::new("s", "0", "m"), points)
    }

    /// The obvious version: `batch::fold`, copying the chosen features after
    /// every applied sample and walking every tick.
    fn reference(
        spec: &CompiledSpec,
        s: &Series,
        p: &SnapshotPlan,
        tp: &TracePlan,
    ) -> (Snapshots, Trace) {
        let c = p.cadence_ms;
        let from = s.ts[0].max(p.start_ms);
        let mut next = (from + c - 1).div_euclid(c) * c;
        let mut prev: Option<(i64, Vec<f64>)> = None;
        let (mut snaps, mut trace) = (Snapshots::default(), Trace::default());
        let emit = |until: i64,
                    incl: bool,
                    next: &mut i64,
                    prev: &Option<(i64, Vec<f64>)>,
                    out: &mut Snapshots| {
            while *next < until || (incl && *next == until) {
                if let Some((t, f)) = prev
                    && *next - t <= p.max_stale_ms
                    && (*next / c) % p.stride == 0
                {
                    out.ticks.push(*next);
                    out.values.extend_from_slice(f);
                }
                *next += c;
            }
        };
        let value = std::cell::Cell::new(0.0);
        let points = s.points().inspect(|x| value.set(x.1));
        let mut since = 0usize;
        batch::fold(spec, spec.is_counter(&s.key.metric), points, |ts, f| {
            emit(ts, false, &mut next, &prev, &mut snaps);
            let t = prev.as_ref().map_or(ts, |(t, _)| (*t).max(ts));
            prev = Some((t, p.subset.iter().map(|&i| f[i]).collect()));
            trace.ts.push(ts);
            trace.values.push(value.get());
            if ts - s.ts[0] >= tp.warmup_ms {
                if since.is_multiple_of(tp.eval_every) {
                    trace
                        .evals
                        .push((trace.ts.len() - 1, tp.se_index.map_or(f64::NAN, |i| f[i])));
                }
                since += 1;
            }
        });
        if let Some((t, _)) = &prev {
            emit(*t, true, &mut next, &prev, &mut snaps);
        }
        (snaps, trace)
    }

    #[test]
    fn reads_exactly_what_batch_fold_gives_on_awkward_input() {
        let spec = FeatureSpec::default_set().compile().unwrap();
        let subset = ["5m.mean", "5m.p95", "1h.slope", "1m.last"]
            .map(|n| spec.feature_names().iter().position(|f| f == n).unwrap())
            .to_vec();
        let tp = TracePlan {
            se_index: spec.index_of("1h", Feature::SlopeStderr),
            eval_every: 7,
            warmup_ms: 600_000,
        };
        for metric in ["latency_ms", "requests_total"] {
            let mut points = Vec::new();
            let mut counter = 0.0;
            for i in 0..3000i64 {
                let t = i * 10_000 + (i * 7919) % 3000 + if i > 1500 { 1_800_000 } else { 0 };
                counter += (i % 13) as f64;
                if i == 2000 {
                    counter = 5.0; // reset
                }
                let v = if metric == "requests_total" {
                    counter
                } else {
                    ((i % 97) as f64).sqrt()
                };
                points.push((t, if i % 211 == 5 { f64::NAN } else { v }));
                if i % 101 == 0 {
                    points.push((t, v)); // exact duplicate
                }
            }
            let s = Series::new(SeriesKey::new("s", "0", metric), points);
            for stride in [1, 3] {
                let plan = SnapshotPlan {
                    subset: subset.clone(),
                    cadence_ms: 60_000,
                    stride,
                    start_ms: s.ts[0] + 3_600_000,
                    max_stale_ms: 120_000,
                };
                let got = fold_series(&spec, &s, Some(&plan), Some(&tp));
                let (snaps, trace) = reference(&spec, &s, &plan, &tp);
                let same = |a: &[f64], b: &[f64]| {
                    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
                };
                let g = got.snapshots.unwrap();
                assert!(g.ticks.len() > 100, "{metric}");
                assert_eq!(g.ticks, snaps.ticks, "{metric} stride {stride}");
                assert!(same(&g.values, &snaps.values), "{metric} stride {stride}");
                let t = got.trace.unwrap();
                assert_eq!(
                    (t.ts.clone(), t.evals.len()),
                    (trace.ts.clone(), trace.evals.len())
                );
                assert!(same(&t.values, &trace.values));
                let (a, b): (Vec<f64>, Vec<f64>) = t
                    .evals
                    .iter()
                    .zip(&trace.evals)
                    .map(|(x, y)| (x.1, y.1))
                    .unzip();
                assert!(same(&a, &b));
                assert!(got.stats.non_finite > 0 && got.stats.duplicates > 0);
            }
        }
    }

    #[test]
    fn snapshots_take_the_features_at_or_before_each_tick() {
        let spec = FeatureSpec::default_set().compile().unwrap();
        let last = spec.index_of("1m", Feature::Last).unwrap();
        let plan = SnapshotPlan {
            subset: vec![last],
            cadence_ms: 60_000,
            stride: 2,
            start_ms: 0,
            max_stale_ms: 120_000,
        };
        // One sample every 25 s for 10 minutes; a gap; then two more.
        let mut s = ramp(25, 25_000);
        s.ts.extend([1_200_000, 1_225_000]);
        s.values.extend([100.0, 101.0]);
        let f = fold_series(&spec, &s, Some(&plan), None).snapshots.unwrap();
        // Ticks at even minutes; at T the last sample ≤ T is floor(T/25 s),
        // until it is over 2 minutes old (780 s onwards).
        assert_eq!(
            f.ticks,
            [
                0, 120_000, 240_000, 360_000, 480_000, 600_000, 720_000, 1_200_000
            ]
        );
        assert_eq!(f.values, [0.0, 4.0, 9.0, 14.0, 19.0, 24.0, 24.0, 100.0]);
    }

    #[test]
    fn trace_keeps_values_and_evaluates_after_warmup() {
        let spec = FeatureSpec::default_set().compile().unwrap();
        let se = spec.index_of("1h", Feature::SlopeStderr);
        let plan = TracePlan {
            se_index: se,
            eval_every: 10,
            warmup_ms: 100_000,
        };
        let mut s = ramp(50, 10_000);
        s.values[3] = f64::NAN; // rejected by the engine
        let t = fold_series(&spec, &s, None, Some(&plan)).trace.unwrap();
        assert_eq!(t.ts.len(), 49);
        assert_eq!(t.values[3], 4.0);
        assert_eq!(
            t.evals.iter().map(|e| t.ts[e.0]).collect::<Vec<_>>(),
            [100_000, 200_000, 300_000, 400_000]
        );
        assert!(
            t.evals.iter().all(|e| e.1 >= 0.0 && e.1 < 1e-9),
            "a ramp fits exactly"
        );
    }
}
