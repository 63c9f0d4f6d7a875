//! [`FeatureEngine`]: the windows of many series, keyed by [`SeriesKey`], with
//! a cap on the number of series, idle eviction and counters of every input
//! rule that fired. The streaming scorer owns one engine per partition.
//!
//! Each series may carry the caller's own state `S` beside its windows (the
//! scorer keeps its trend state and routing there), so one hash lookup per
//! sample serves both. Lookups take a [`SeriesRef`] of borrowed strings:
//! a sample is scored without allocating its key.

use std::collections::BTreeMap;

use forewarn_core::SeriesKey;
use hashbrown::{Equivalent, HashMap};

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
    /// Series evicted, idlest first, to stay under the series cap (see
    /// [`FeatureEngine::evict_idlest`]).
    pub series_displaced: u64,
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

/// A [`SeriesKey`] of borrowed parts, for lookups without allocation. It
/// hashes exactly as the owned key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeriesRef<'a> {
    /// Service.
    pub service: &'a str,
    /// Instance.
    pub instance: &'a str,
    /// Metric.
    pub metric: &'a str,
    /// Extra labels.
    pub labels: &'a BTreeMap<String, String>,
}

impl<'a> From<&'a SeriesKey> for SeriesRef<'a> {
    fn from(k: &'a SeriesKey) -> Self {
        Self {
            service: &k.service,
            instance: &k.instance,
            metric: &k.metric,
            labels: &k.labels,
        }
    }
}

impl<'a> From<&'a forewarn_core::contracts::MetricSample> for SeriesRef<'a> {
    fn from(s: &'a forewarn_core::contracts::MetricSample) -> Self {
        Self {
            service: &s.service,
            instance: &s.instance,
            metric: &s.metric,
            labels: &s.labels,
        }
    }
}

impl SeriesRef<'_> {
    /// The owned key.
    pub fn to_key(&self) -> SeriesKey {
        SeriesKey {
            service: self.service.to_string(),
            instance: self.instance.to_string(),
            metric: self.metric.to_string(),
            labels: self.labels.clone(),
        }
    }
}

impl Equivalent<SeriesKey> for SeriesRef<'_> {
    fn equivalent(&self, k: &SeriesKey) -> bool {
        self.service == k.service
            && self.instance == k.instance
            && self.metric == k.metric
            && *self.labels == k.labels
    }
}

/// The windows of one series and the caller's state beside them.
#[derive(Debug, Clone)]
struct Slot<S> {
    windows: SeriesWindows,
    state: S,
}

/// Windows of many series, each with caller state `S` (none by default).
#[derive(Debug)]
pub struct FeatureEngine<S = ()> {
    spec: CompiledSpec,
    series: HashMap<SeriesKey, Slot<S>>,
    max_series: usize,
    stats: EngineStats,
    scratch: Vec<Bucket>,
}

impl<S: Default> FeatureEngine<S> {
    /// Apply one sample of `key` (new series start with `S::default()`).
    pub fn push(
        &mut self,
        key: &SeriesKey,
        ts: i64,
        value: f64,
    ) -> Result<PushOutcome, EngineRejected> {
        self.push_with(SeriesRef::from(key), ts, value, |_| S::default())
            .map(|(o, _)| o)
    }
}

impl<S> FeatureEngine<S> {
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

    /// Apply one sample of `key`; a new series gets the state `init` makes
    /// from its key. Returns what happened and the series' state. A refused
    /// sample of a known series leaves its state untouched.
    pub fn push_with(
        &mut self,
        key: SeriesRef<'_>,
        ts: i64,
        value: f64,
        init: impl FnOnce(&SeriesKey) -> S,
    ) -> Result<(PushOutcome, &mut S), EngineRejected> {
        if !self.series.contains_key(&key) {
            if self.series.len() >= self.max_series {
                self.stats.series_refused += 1;
                return Err(EngineRejected::SeriesCap {
                    cap: self.max_series,
                });
            }
            let owned = key.to_key();
            let slot = Slot {
                windows: SeriesWindows::new(&self.spec, self.spec.is_counter(&owned.metric)),
                state: init(&owned),
            };
            self.series.insert(owned, slot);
        }
        let slot = self
            .series
            .get_mut(&key)
            .expect("inserted above when missing");
        let r = slot.windows.push(&self.spec, ts, value);
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
        Ok((r?, &mut slot.state))
    }

    /// Put back a series taken from [`FeatureEngine::iter`] (restoring a
    /// checkpoint). The series cap does not apply; windows made for another
    /// spec are refused (returns false).
    pub fn insert(&mut self, key: SeriesKey, windows: SeriesWindows, state: S) -> bool {
        if !windows.fits(&self.spec) {
            return false;
        }
        self.series.insert(key, Slot { windows, state });
        true
    }

    /// Whether `key` is tracked.
    pub fn contains(&self, key: SeriesRef<'_>) -> bool {
        self.series.contains_key(&key)
    }

    /// Evict the `n` idlest series: those whose newest sample is oldest
    /// (a series without one first). Counted as displaced; returns how
    /// many were evicted. One pass to find the bound, one to remove.
    pub fn evict_idlest(&mut self, n: usize) -> usize {
        let len = self.series.len();
        if n == 0 || len == 0 {
            return 0;
        }
        let n = n.min(len);
        let wm = |s: &Slot<S>| s.windows.watermark().unwrap_or(i64::MIN);
        let mut marks: Vec<i64> = self.series.values().map(wm).collect();
        let (_, bound, _) = marks.select_nth_unstable(n - 1);
        let bound = *bound;
        let below = marks.iter().filter(|m| **m < bound).count();
        let mut at_bound = n - below;
        self.series.retain(|_, s| {
            let m = wm(s);
            if m < bound {
                false
            } else if m == bound && at_bound > 0 {
                at_bound -= 1;
                false
            } else {
                true
            }
        });
        let evicted = len - self.series.len();
        self.stats.series_displaced += evicted as u64;
        evicted
    }

    /// Most series tracked at once.
    pub fn max_series(&self) -> usize {
        self.max_series
    }

    /// Change the series cap; series over a lowered cap stay until evicted
    /// ([`Self::evict_idlest`] brings them under it).
    pub fn set_max_series(&mut self, max_series: usize) {
        self.max_series = max_series;
    }

    /// The caller state of one series, if tracked.
    pub fn state(&self, key: SeriesRef<'_>) -> Option<&S> {
        self.series.get(&key).map(|s| &s.state)
    }

    /// The caller state of one series, mutable, if tracked.
    pub fn state_mut(&mut self, key: SeriesRef<'_>) -> Option<&mut S> {
        self.series.get_mut(&key).map(|s| &mut s.state)
    }

    /// Every tracked series with its windows and state (for checkpoints).
    pub fn iter(&self) -> impl Iterator<Item = (&SeriesKey, &SeriesWindows, &S)> {
        self.series.iter().map(|(k, s)| (k, &s.windows, &s.state))
    }

    /// Every tracked series' state, mutable.
    pub fn states_mut(&mut self) -> impl Iterator<Item = &mut S> {
        self.series.values_mut().map(|s| &mut s.state)
    }

    /// Write the features of one window of `key` into `out` (length:
    /// features per window), quantiles only when `quantiles`. Returns false
    /// for an unknown series.
    pub fn window_features_into(
        &mut self,
        key: SeriesRef<'_>,
        window: usize,
        quantiles: bool,
        out: &mut [f64],
    ) -> bool {
        match self.series.get(&key) {
            Some(s) => {
                s.windows.window_features_into(
                    &self.spec,
                    window,
                    quantiles,
                    &mut self.scratch,
                    out,
                );
                true
            }
            None => false,
        }
    }

    /// Write the features of `key` into `out` (length `spec().width()`).
    /// Returns false, leaving `out` untouched, for an unknown series.
    pub fn features_into(&mut self, key: &SeriesKey, out: &mut [f64]) -> bool {
        match self.series.get(key) {
            Some(s) => {
                s.windows.features_into(&self.spec, &mut self.scratch, out);
                true
            }
            None => false,
        }
    }

    /// The series of one key, if tracked.
    pub fn series(&self, key: &SeriesKey) -> Option<&SeriesWindows> {
        self.series.get(key).map(|s| &s.windows)
    }

    /// Evict every series whose newest sample is older than `before` (ms).
    /// Returns how many were evicted.
    pub fn evict_idle(&mut self, before: i64) -> usize {
        let n = self.series.len();
        self.series
            .retain(|_, s| s.windows.watermark().is_some_and(|t| t >= before));
        let evicted = n - self.series.len();
        self.stats.series_evicted += evicted as u64;
        evicted
    }

    /// Bytes of window state across all series (not counting the keys).
    pub fn memory_bytes(&self) -> usize {
        self.series.values().map(|s| s.windows.memory_bytes()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::FeatureSpec;

    #[test]
    fn counts_every_rule_caps_series_and_evicts_idle_ones() {
        let spec = FeatureSpec::default_set().compile().unwrap();
        let mut e: FeatureEngine = FeatureEngine::new(spec, 2);
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
