//! [`FeatureEngine`]: the windows of many series, keyed by [`SeriesKey`], with
//! a cap on the number of series, idle eviction and counters of every input
//! rule that fired. The streaming scorer owns one engine per partition.

use std::collections::HashMap;

use forewarn_core::SeriesKey;

use crate::series::{PushOutcome, Rejected, SeriesWindows};
use crate::sketch::Bucket;
use crate::spec::CompiledSpec;

/// Counts of what the engine did with its input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Samples applied to windows (including counter resets).
    pub applied: u64,
    /// Exact duplicates ignored.
    pub duplicates: u64,
    /// Counter samples that only primed a counter.
    pub counters_primed: u64,
    /// Counter resets detected.
    pub counter_resets: u64,
    /// NaN or infinite values rejected.
    pub non_finite: u64,
    /// Samples dropped for arriving after the lateness bound.
    pub too_late: u64,
    /// Counter samples dropped for arriving out of order.
    pub counter_out_of_order: u64,
    /// Series evicted for being idle.
    pub series_evicted: u64,
    /// Samples refused because the series cap was reached.
    pub series_refused: u64,
}

/// Why the engine did not apply a sample.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineRejected {
    /// The sample itself was refused.
    #[error(transparent)]
    Sample(#[from] Rejected),
    /// A new series would pass the cap.
    #[error("series cap of {cap} reached; new series refused")]
    SeriesCap {
        /// The configured cap.
        cap: usize,
    },
}

impl EngineRejected {
    /// A short, bounded-cardinality reason.
    pub fn reason(&self) -> &'static str {
        match self {
            EngineRejected::Sample(r) => r.reason(),
            EngineRejected::SeriesCap { .. } => "series_cap",
        }
    }
}

/// Windows of many series.
#[derive(Debug)]
pub struct FeatureEngine {
    spec: CompiledSpec,
    series: HashMap<SeriesKey, SeriesWindows>,
    max_series: usize,
    stats: EngineStats,
    scratch: Vec<Bucket>,
}

impl FeatureEngine {
    /// An engine for `spec` holding at most `max_series` series.
    pub fn new(spec: CompiledSpec, max_series: usize) -> Self {
        Self {
            spec,
            series: HashMap::new(),
            max_series,
            stats: EngineStats::default(),
            scratch: Vec::new(),
        }
    }

    /// The compiled spec.
    pub fn spec(&self) -> &CompiledSpec {
        &self.spec
    }

    /// Counters so far.
    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// Number of series tracked.
    pub fn series_count(&self) -> usize {
        self.series.len()
    }

    /// Apply one sample of `key`.
    pub fn push(
        &mut self,
        key: &SeriesKey,
        ts: i64,
        value: f64,
    ) -> Result<PushOutcome, EngineRejected> {
        let windows = match self.series.get_mut(key) {
            Some(w) => w,
            None => {
                if self.series.len() >= self.max_series {
                    self.stats.series_refused += 1;
                    return Err(EngineRejected::SeriesCap {
                        cap: self.max_series,
                    });
                }
                let w = SeriesWindows::new(&self.spec, self.spec.is_counter(&key.metric));
                self.series.entry(key.clone()).or_insert(w)
            }
        };
        let r = windows.push(&self.spec, ts, value);
        let s = &mut self.stats;
        match r {
            Ok(PushOutcome::Applied) => s.applied += 1,
            Ok(PushOutcome::CounterReset) => {
                s.applied += 1;
                s.counter_resets += 1;
            }
            Ok(PushOutcome::Duplicate) => s.duplicates += 1,
            Ok(PushOutcome::CounterPrimed) => s.counters_primed += 1,
            Err(Rejected::NonFinite { .. }) => s.non_finite += 1,
            Err(Rejected::TooLate { .. }) => s.too_late += 1,
            Err(Rejected::CounterOutOfOrder { .. }) => s.counter_out_of_order += 1,
        }
        Ok(r?)
    }

    /// Write the features of `key` into `out` (length `spec().width()`).
    /// Returns false, leaving `out` untouched, for an unknown series.
    pub fn features_into(&mut self, key: &SeriesKey, out: &mut [f64]) -> bool {
        match self.series.get(key) {
            Some(w) => {
                w.features_into(&self.spec, &mut self.scratch, out);
                true
            }
            None => false,
        }
    }

    /// The series of one key, if tracked.
    pub fn series(&self, key: &SeriesKey) -> Option<&SeriesWindows> {
        self.series.get(key)
    }

    /// Evict every series whose newest sample is older than `before` (ms).
    /// Returns how many were evicted.
    pub fn evict_idle(&mut self, before: i64) -> usize {
        let n = self.series.len();
        self.series
            .retain(|_, w| w.watermark().is_some_and(|t| t >= before));
        let evicted = n - self.series.len();
        self.stats.series_evicted += evicted as u64;
        evicted
    }

    /// Bytes of window state across all series (not counting the keys).
    pub fn memory_bytes(&self) -> usize {
        self.series.values().map(SeriesWindows::memory_bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::FeatureSpec;

    #[test]
    fn counts_every_rule_caps_series_and_evicts_idle_ones() {
        let spec = FeatureSpec::default_set().compile().unwrap();
        let mut e = FeatureEngine::new(spec, 2);
        let a = SeriesKey::new("api", "0", "cpu");
        let b = SeriesKey::new("api", "0", "requests_total");
        let c = SeriesKey::new("db", "0", "cpu");
        e.push(&a, 0, 1.0).unwrap();
        e.push(&a, 0, 1.0).unwrap();
        assert!(e.push(&a, 1, f64::NAN).is_err());
        assert!(e.push(&a, -100_000, 1.0).is_err());
        e.push(&b, 0, 10.0).unwrap();
        e.push(&b, 10_000, 5.0).unwrap();
        assert_eq!(e.push(&c, 0, 1.0).unwrap_err().reason(), "series_cap");
        let s = e.stats();
        assert_eq!(
            (
                s.applied,
                s.duplicates,
                s.non_finite,
                s.too_late,
                s.counters_primed,
                s.counter_resets,
                s.series_refused
            ),
            (2, 1, 1, 1, 1, 1, 1)
        );
        assert_eq!(e.evict_idle(5_000), 1);
        assert_eq!(e.series_count(), 1);
        assert_eq!(e.stats().series_evicted, 1);
        let mut out = vec![0.0; e.spec().width()];
        assert!(!e.features_into(&a, &mut out));
        assert!(e.features_into(&b, &mut out));
        e.push(&c, 0, 1.0).unwrap();
    }
}
