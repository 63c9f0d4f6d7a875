//! Batch folding: run a whole series through [`SeriesWindows`] and hand the
//! feature vector after each applied sample to a callback. Training and
//! backtests use this; it is the same code the streaming scorer runs, sample
//! by sample.

use crate::engine::EngineStats;
use crate::series::{PushOutcome, Rejected, SeriesWindows};
use crate::spec::CompiledSpec;

/// Fold `points` (event time in ms, value) in the order given, calling
/// `each(ts, features)` after every sample that changed the windows.
/// Returns the counts of every input rule that fired.
pub fn fold<I, F>(spec: &CompiledSpec, is_counter: bool, points: I, mut each: F) -> EngineStats
where
    I: IntoIterator<Item = (i64, f64)>,
    F: FnMut(i64, &[f64]),
{
    let mut series = SeriesWindows::new(spec, is_counter);
    let mut stats = EngineStats::default();
    let mut out = vec![f64::NAN; spec.width()];
    let mut scratch = Vec::new();
    for (ts, v) in points {
        match series.push(spec, ts, v) {
            Ok(PushOutcome::Applied | PushOutcome::CounterReset) => {
                stats.applied += 1;
                series.features_into(spec, &mut scratch, &mut out);
                each(ts, &out);
            }
            Ok(PushOutcome::Duplicate) => stats.duplicates += 1,
            Ok(PushOutcome::CounterPrimed) => stats.counters_primed += 1,
            Err(Rejected::NonFinite { .. }) => stats.non_finite += 1,
            Err(Rejected::TooLate { .. }) => stats.too_late += 1,
            Err(Rejected::CounterOutOfOrder { .. }) => stats.counter_out_of_order += 1,
        }
    }
    stats
}
