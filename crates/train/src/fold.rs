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
mod tests;
