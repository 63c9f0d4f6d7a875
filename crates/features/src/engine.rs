//! [`FeatureEngine`]: the windows of many series, keyed by [`SeriesKey`], with
//! a cap on the number of series, idle eviction and counters of every input
//! rule that fired. The streaming scorer owns one engine per partition.
//!
//! Each series may carry the caller's own state `S` beside its windows (the
//! scorer keeps its trend state and routing there), so one hash lookup per
//! sample serves both. Lookups take a [`SeriesRef`] of borrowed strings:
//! a sample is scored without allocating its key.
//!
//! Memory. The table holds a packed key ([`StoredKey`], 16 bytes and one
//! block) and a pointer to the series' slot (windows and caller state):
//! 24 bytes an entry, so the table's own slack (it is between half and
//! seven-eighths full) costs little, and a lookup reads a dense table.

use forewarn_core::SeriesKey;
use hashbrown::{DefaultHashBuilder, HashTable};

pub use crate::key::SeriesRef;
use crate::key::{StoredKey, hash_ref, hash_stored};
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

/// The windows of one series and the caller's state beside them.
#[derive(Debug, Clone)]
struct Slot<S> {
    windows: SeriesWindows,
    state: S,
}

/// One series in the table: its packed key and its slot.
#[derive(Debug)]
struct Entry<S> {
    key: StoredKey,
    slot: Box<Slot<S>>,
}

/// Windows of many series, each with caller state `S` (none by default).
#[derive(Debug)]
pub struct FeatureEngine<S = ()> {
    spec: CompiledSpec,
    series: HashTable<Entry<S>>,
    hasher: DefaultHashBuilder,
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
            series: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
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

    fn slot(&self, key: SeriesRef<'_>) -> Option<&Slot<S>> {
        let h = hash_ref(&self.hasher, &key);
        self.series
            .find(h, |e| e.key.matches(&key))
            .map(|e| &*e.slot)
    }

    fn slot_mut(&mut self, key: SeriesRef<'_>) -> Option<&mut Slot<S>> {
        let h = hash_ref(&self.hasher, &key);
        self.series
            .find_mut(h, |e| e.key.matches(&key))
            .map(|e| &mut *e.slot)
    }

    /// Apply one sample of `key`; a new series gets the state `init` makes
    /// from its key. Returns what happened and the series' state. A refused
    /// sample of a known series leaves its state untouched.
    pub fn push_with(
        &mut self,
        key: SeriesRef<'_>,
        ts: i64,
        value: f64,
        init: impl FnOnce(SeriesRef<'_>) -> S,
    ) -> Result<(PushOutcome, &mut S), EngineRejected> {
        let Self {
            spec,
            series,
            hasher,
            max_series,
            stats,
            ..
        } = self;
        let h = hash_ref(hasher, &key);
        let slot = match series.find_entry(h, |e| e.key.matches(&key)) {
            Ok(e) => &mut *e.into_mut().slot,
            Err(absent) => {
                let table = absent.into_table();
                if table.len() >= *max_series {
                    stats.series_refused += 1;
                    return Err(EngineRejected::SeriesCap { cap: *max_series });
                }
                let entry = Entry {
                    key: StoredKey::new(key),
                    slot: Box::new(Slot {
                        windows: SeriesWindows::new(spec, spec.is_counter(key.metric)),
                        state: init(key),
                    }),
                };
                let e = table.insert_unique(h, entry, |e| hash_stored(hasher, &e.key));
                &mut *e.into_mut().slot
            }
        };
        let r = slot.windows.push(spec, ts, value);
        match r {
            Ok(PushOutcome::Applied) => stats.applied += 1,
            Ok(PushOutcome::CounterReset) => {
                stats.applied += 1;
                stats.counter_resets += 1;
            }
            Ok(PushOutcome::Duplicate) => stats.duplicates += 1,
            Ok(PushOutcome::CounterPrimed) => stats.counters_primed += 1,
            Err(Rejected::NonFinite { .. }) => stats.non_finite += 1,
            Err(Rejected::TooLate { .. }) => stats.too_late += 1,
            Err(Rejected::CounterOutOfOrder { .. }) => stats.counter_out_of_order += 1,
        }
        Ok((r?, &mut slot.state))
    }

    /// Put back a series taken from [`FeatureEngine::iter`] (restoring a
    /// checkpoint), replacing any of the same key. The series cap does
    /// not apply; windows made for another spec are refused (returns
    /// false).
    pub fn insert(&mut self, key: SeriesKey, windows: SeriesWindows, state: S) -> bool {
        if !windows.fits(&self.spec) {
            return false;
        }
        let r = SeriesRef::from(&key);
        let h = hash_ref(&self.hasher, &r);
        let slot = Box::new(Slot { windows, state });
        match self.series.find_entry(h, |e| e.key.matches(&r)) {
            Ok(e) => e.into_mut().slot = slot,
            Err(absent) => {
                let entry = Entry {
                    key: StoredKey::new(r),
                    slot,
                };
                let hasher = &self.hasher;
                absent
                    .into_table()
                    .insert_unique(h, entry, |e| hash_stored(hasher, &e.key));
            }
        }
        true
    }

    /// Whether `key` is tracked.
    pub fn contains(&self, key: SeriesRef<'_>) -> bool {
        self.slot(key).is_some()
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
        let wm = |e: &Entry<S>| e.slot.windows.watermark().unwrap_or(i64::MIN);
        let mut marks: Vec<i64> = self.series.iter().map(wm).collect();
        let (_, bound, _) = marks.select_nth_unstable(n - 1);
        let bound = *bound;
        let below = marks.iter().filter(|m| **m < bound).count();
        let mut at_bound = n - below;
        self.series.retain(|e| {
            let m = wm(e);
            if m < bound {
                false
            } else if m == bound && at_bound > 0 {
                at_bound -= 1;
                false
            } else {
                true
            }
        });
        self.shrink();
        let evicted = len - self.series.len();
        self.stats.series_displaced += evicted as u64;
        evicted
    }

    /// Give back the table's memory once it is under a quarter full.
    fn shrink(&mut self) {
        if self.series.capacity() > 4 * self.series.len() + 64 {
            let hasher = &self.hasher;
            self.series
                .shrink_to(self.series.len() * 2, |e| hash_stored(hasher, &e.key));
        }
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
        self.slot(key).map(|s| &s.state)
    }

    /// The caller state of one series, mutable, if tracked.
    pub fn state_mut(&mut self, key: SeriesRef<'_>) -> Option<&mut S> {
        self.slot_mut(key).map(|s| &mut s.state)
    }

    /// Every tracked series with its windows and state (for checkpoints),
    /// in no particular order. [`StoredKey::to_key`] gives the owned key.
    pub fn iter(&self) -> impl Iterator<Item = (&StoredKey, &SeriesWindows, &S)> {
        self.series
            .iter()
            .map(|e| (&e.key, &e.slot.windows, &e.slot.state))
    }

    /// Every tracked series' state, mutable.
    pub fn states_mut(&mut self) -> impl Iterator<Item = &mut S> {
        self.series.iter_mut().map(|e| &mut e.slot.state)
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
        let h = hash_ref(&self.hasher, &key);
        match self.series.find(h, |e| e.key.matches(&key)) {
            Some(e) => {
                e.slot.windows.window_features_into(
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
        let r = SeriesRef::from(key);
        let h = hash_ref(&self.hasher, &r);
        match self.series.find(h, |e| e.key.matches(&r)) {
            Some(e) => {
                e.slot
                    .windows
                    .features_into(&self.spec, &mut self.scratch, out);
                true
            }
            None => false,
        }
    }

    /// The series of one key, if tracked.
    pub fn series(&self, key: &SeriesKey) -> Option<&SeriesWindows> {
        self.slot(SeriesRef::from(key)).map(|s| &s.windows)
    }

    /// Evict every series whose newest sample is older than `before` (ms).
    /// Returns how many were evicted.
    pub fn evict_idle(&mut self, before: i64) -> usize {
        let n = self.series.len();
        self.series
            .retain(|e| e.slot.windows.watermark().is_some_and(|t| t >= before));
        let evicted = n - self.series.len();
        if evicted > 0 {
            self.shrink();
        }
        self.stats.series_evicted += evicted as u64;
        evicted
    }

    /// Bytes of window state across all series (not counting the keys).
    pub fn memory_bytes(&self) -> usize {
        self.series
            .iter()
            .map(|e| e.slot.windows.memory_bytes())
            .sum()
    }

    /// Bytes of the table itself, the packed keys and the slots (the
    /// caller state's own heap blocks aside): with
    /// [`Self::memory_bytes`], what the engine holds.
    pub fn index_bytes(&self) -> usize {
        let slot = std::mem::size_of::<Slot<S>>() - std::mem::size_of::<SeriesWindows>();
        self.series.allocation_size()
            + self
                .series
                .iter()
                .map(|e| e.key.heap_bytes() + slot)
                .sum::<usize>()
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

    #[test]
    fn labelled_keys_are_found_replaced_and_listed_as_the_owned_keys() {
        let spec = FeatureSpec::default_set().compile().unwrap();
        let mut e: FeatureEngine<u32> = FeatureEngine::new(spec.clone(), 10);
        let mut a = SeriesKey::new("api", "0", "cpu");
        a.labels.insert("zone".into(), "eu".into());
        let mut b = a.clone();
        b.labels.insert("zone".into(), "us".into());
        e.push_with(SeriesRef::from(&a), 0, 1.0, |_| 1).unwrap();
        e.push_with(SeriesRef::from(&b), 0, 1.0, |_| 2).unwrap();
        assert_eq!(e.state(SeriesRef::from(&a)), Some(&1));
        assert_eq!(e.state(SeriesRef::from(&b)), Some(&2));
        let bare = SeriesKey::new("api", "0", "cpu");
        assert!(!e.contains(SeriesRef::from(&bare)));
        assert!(e.insert(a.clone(), SeriesWindows::new(&spec, false), 3));
        assert_eq!(e.series_count(), 2, "insert replaces");
        assert_eq!(e.state(SeriesRef::from(&a)), Some(&3));
        let mut keys: Vec<SeriesKey> = e.iter().map(|(k, _, _)| k.to_key()).collect();
        keys.sort();
        assert_eq!(keys, vec![a, b]);
    }

    #[test]
    fn the_table_shrinks_after_an_eviction_and_keeps_every_series_left() {
        let spec = FeatureSpec::default_set().compile().unwrap();
        let mut e: FeatureEngine = FeatureEngine::new(spec, 100_000);
        let key = |i: i64| SeriesKey::new(format!("svc-{}", i % 97), format!("{i}"), "cpu");
        for i in 0..20_000 {
            e.push(&key(i), if i < 19_990 { 0 } else { 1_000_000 }, 1.0)
                .unwrap();
        }
        let full = e.index_bytes();
        assert_eq!(e.evict_idle(500_000), 19_990);
        assert!(e.index_bytes() * 50 < full, "{} of {full}", e.index_bytes());
        for i in 19_990..20_000 {
            assert!(e.contains(SeriesRef::from(&key(i))));
        }
        assert_eq!(e.evict_idlest(4), 4);
        assert_eq!(e.series_count(), 6);
    }
}
