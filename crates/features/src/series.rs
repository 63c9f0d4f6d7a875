//! [`SeriesWindows`]: every window of one series, and the rules for bad and
//! awkward input, applied in this order:
//!
//! 1. NaN and infinities are rejected ([`Rejected::NonFinite`]).
//! 2. A sample older than the series' newest event time minus the allowed
//!    lateness is dropped ([`Rejected::TooLate`]); one within the bound is
//!    applied to every window it falls in.
//! 3. An exact duplicate (same event time and same value bits) of one of the
//!    last [`RECENT`] accepted samples is ignored ([`PushOutcome::Duplicate`]).
//! 4. Counters (see [`crate::FeatureSpec::counter_suffixes`]) become per-second
//!    rates before windowing. A decrease is a reset: the rate is then
//!    `value / dt` ([`PushOutcome::CounterReset`]). Counter samples must
//!    arrive in order ([`Rejected::CounterOutOfOrder`]).

use serde::{Deserialize, Serialize};

use crate::sketch::Bucket;
use crate::spec::CompiledSpec;
use crate::window::{SeriesView, Window};

/// How many recent accepted samples duplicates are checked against.
pub const RECENT: usize = 8;

/// Why a sample was not applied.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejected {
    /// NaN or ±infinity.
    #[error("value is not finite ({value})")]
    NonFinite {
        /// The value.
        value: f64,
    },
    /// Older than the lateness bound allows.
    #[error(
        "sample at {ts} ms is {behind_ms} ms behind the newest sample, over the allowed {allowed_ms} ms"
    )]
    TooLate {
        /// Event time of the sample.
        ts: i64,
        /// How far behind the series watermark it is.
        behind_ms: i64,
        /// The allowed lateness.
        allowed_ms: i64,
    },
    /// A counter sample at or before the previous counter sample.
    #[error("counter sample at {ts} ms is not after the previous one at {prev_ts} ms")]
    CounterOutOfOrder {
        /// Event time of the sample.
        ts: i64,
        /// Event time of the previous counter sample.
        prev_ts: i64,
    },
}

impl Rejected {
    /// A short, bounded-cardinality reason for metrics and dead letters.
    pub fn reason(&self) -> &'static str {
        match self {
            Rejected::NonFinite { .. } => "non_finite",
            Rejected::TooLate { .. } => "too_late",
            Rejected::CounterOutOfOrder { .. } => "counter_out_of_order",
        }
    }
}

/// What happened to an accepted (not rejected) sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Applied to the windows.
    Applied,
    /// An exact duplicate; ignored.
    Duplicate,
    /// The first sample of a counter: remembered, nothing to window yet.
    CounterPrimed,
    /// A counter went down (restart): applied as a reset.
    CounterReset,
}

/// All windows of one series.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesWindows {
    windows: Vec<Window>,
    watermark: i64,
    last: f64,
    first_ts: i64,
    recent: [u64; RECENT],
    recent_next: u8,
    counter: Option<Counter>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Counter {
    prev: Option<(i64, f64)>,
}

#[inline]
fn mix(mut x: u64) -> u64 {
    // SplitMix64's finaliser: a bijection that scatters every input bit.
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A 64-bit fingerprint of (event time, value bits); two different samples
/// share one with probability about 2^-63.
#[inline]
fn fingerprint(ts: i64, v: f64) -> u64 {
    mix(mix(ts as u64 ^ 0x9E37_79B9_7F4A_7C15) ^ v.to_bits()) | 1 // 0 marks an empty slot
}

impl SeriesWindows {
    /// Empty windows for `spec`; `is_counter` turns on counter handling.
    pub fn new(spec: &CompiledSpec, is_counter: bool) -> Self {
        Self {
            windows: spec.windows.iter().map(Window::new).collect(),
            watermark: i64::MIN,
            last: f64::NAN,
            first_ts: i64::MAX,
            recent: [0; RECENT],
            recent_next: 0,
            counter: is_counter.then_some(Counter { prev: None }),
        }
    }

    /// Whether these windows were made for `spec` (same windows, so a
    /// checkpoint taken under another spec is not read against this one).
    pub fn fits(&self, spec: &CompiledSpec) -> bool {
        self.windows.len() == spec.windows.len()
    }

    /// Newest event time applied (ms), if any.
    pub fn watermark(&self) -> Option<i64> {
        (self.watermark != i64::MIN).then_some(self.watermark)
    }

    /// Apply one sample at event time `ts` (ms since the epoch).
    pub fn push(
        &mut self,
        spec: &CompiledSpec,
        ts: i64,
        value: f64,
    ) -> Result<PushOutcome, Rejected> {
        if !value.is_finite() {
            return Err(Rejected::NonFinite { value });
        }
        let allowed_ms = spec.lateness_ms();
        if self.watermark != i64::MIN && ts < self.watermark - allowed_ms {
            return Err(Rejected::TooLate {
                ts,
                behind_ms: self.watermark - ts,
                allowed_ms,
            });
        }
        let fp = fingerprint(ts, value);
        if self.recent.contains(&fp) {
            return Ok(PushOutcome::Duplicate);
        }
        let (v, outcome) = match &mut self.counter {
            None => (value, PushOutcome::Applied),
            Some(c) => match c.prev {
                None => {
                    c.prev = Some((ts, value));
                    self.remember(fp);
                    return Ok(PushOutcome::CounterPrimed);
                }
                Some((prev_ts, _)) if ts <= prev_ts => {
                    return Err(Rejected::CounterOutOfOrder { ts, prev_ts });
                }
                Some((prev_ts, prev_v)) => {
                    c.prev = Some((ts, value));
                    let dt = (ts - prev_ts) as f64 / 1000.0;
                    if value < prev_v {
                        (value / dt, PushOutcome::CounterReset)
                    } else {
                        ((value - prev_v) / dt, PushOutcome::Applied)
                    }
                }
            },
        };
        self.remember(fp);
        self.apply(spec, ts, v);
        Ok(outcome)
    }

    fn remember(&mut self, fp: u64) {
        self.recent[usize::from(self.recent_next)] = fp;
        self.recent_next = (self.recent_next + 1) % RECENT as u8;
    }

    #[inline]
    fn apply(&mut self, spec: &CompiledSpec, ts: i64, v: f64) {
        if ts >= self.watermark {
            self.watermark = ts;
            self.last = v;
        }
        self.first_ts = self.first_ts.min(ts);
        let key = spec.mapping.key(v);
        for (w, cw) in self.windows.iter_mut().zip(&spec.windows) {
            w.push(cw, ts, v, key, self.watermark);
        }
    }

    /// The feature vector now (windows × features, see
    /// [`CompiledSpec::feature_names`]). NaN for every feature of a series
    /// that has no sample yet.
    pub fn features(&self, spec: &CompiledSpec) -> Vec<f64> {
        let mut out = vec![f64::NAN; spec.width()];
        self.features_into(spec, &mut Vec::new(), &mut out);
        out
    }

    /// [`SeriesWindows::features`] into a caller's buffer of length
    /// `spec.width()`, reusing `scratch` for quantiles.
    pub fn features_into(&self, spec: &CompiledSpec, scratch: &mut Vec<Bucket>, out: &mut [f64]) {
        let per = spec.spec.features.len();
        if self.watermark == i64::MIN {
            out.iter_mut().for_each(|o| *o = f64::NAN);
            return;
        }
        let view = SeriesView {
            watermark: self.watermark,
            last: self.last,
            first_ts: self.first_ts,
        };
        for (i, (w, cw)) in self.windows.iter().zip(&spec.windows).enumerate() {
            w.features(
                spec,
                cw,
                view,
                scratch,
                true,
                &mut out[i * per..(i + 1) * per],
            );
        }
    }

    /// The features of one window only (`spec.spec.features` order) into
    /// `out` (length: features per window). NaN before the first sample.
    /// Quantiles are computed only when `quantiles` (NaN otherwise): they
    /// cost more than every other feature together.
    pub fn window_features_into(
        &self,
        spec: &CompiledSpec,
        window: usize,
        quantiles: bool,
        scratch: &mut Vec<Bucket>,
        out: &mut [f64],
    ) {
        if self.watermark == i64::MIN {
            out.iter_mut().for_each(|o| *o = f64::NAN);
            return;
        }
        let view = SeriesView {
            watermark: self.watermark,
            last: self.last,
            first_ts: self.first_ts,
        };
        self.windows[window].features(spec, &spec.windows[window], view, scratch, quantiles, out);
    }

    /// Event time of the first sample, if any.
    pub fn first_ts(&self) -> Option<i64> {
        (self.watermark != i64::MIN).then_some(self.first_ts)
    }

    /// Bytes of state held for this series (inline and heap).
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.windows.capacity() * std::mem::size_of::<Window>()
            + self.windows.iter().map(Window::heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{Feature, FeatureSpec};

    fn spec() -> CompiledSpec {
        FeatureSpec::default_set().compile().unwrap()
    }

    #[test]
    fn rejects_non_finite_values_with_reason() {
        let s = spec();
        let mut w = SeriesWindows::new(&s, false);
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let e = w.push(&s, 0, v).unwrap_err();
            assert_eq!(e.reason(), "non_finite");
            assert!(e.to_string().contains("not finite"));
        }
        assert_eq!(w.watermark(), None);
    }

    #[test]
    fn late_within_bound_is_applied_later_is_dropped() {
        let s = spec();
        let mut w = SeriesWindows::new(&s, false);
        w.push(&s, 100_000, 1.0).unwrap();
        assert_eq!(w.push(&s, 75_000, 2.0), Ok(PushOutcome::Applied));
        let e = w.push(&s, 69_999, 3.0).unwrap_err();
        assert_eq!(
            e,
            Rejected::TooLate {
                ts: 69_999,
                behind_ms: 30_001,
                allowed_ms: 30_000
            }
        );
        let f = w.features(&s);
        assert_eq!(f[s.index_of("5m", Feature::Count).unwrap()], 2.0);
        assert_eq!(
            f[s.index_of("5m", Feature::Last).unwrap()],
            1.0,
            "late sample is not last"
        );
    }

    #[test]
    fn exact_duplicates_are_ignored_but_same_time_new_value_is_not() {
        let s = spec();
        let mut w = SeriesWindows::new(&s, false);
        assert_eq!(w.push(&s, 10_000, 5.0), Ok(PushOutcome::Applied));
        assert_eq!(w.push(&s, 10_000, 5.0), Ok(PushOutcome::Duplicate));
        assert_eq!(w.push(&s, 10_000, 6.0), Ok(PushOutcome::Applied));
        let f = w.features(&s);
        assert_eq!(f[s.index_of("1m", Feature::Count).unwrap()], 2.0);
        assert_eq!(f[s.index_of("1m", Feature::Last).unwrap()], 6.0);
    }

    #[test]
    fn counters_become_rates_and_resets_are_detected() {
        let s = spec();
        let mut w = SeriesWindows::new(&s, true);
        assert_eq!(w.push(&s, 0, 100.0), Ok(PushOutcome::CounterPrimed));
        assert_eq!(w.push(&s, 10_000, 150.0), Ok(PushOutcome::Applied)); // 5/s
        assert_eq!(w.push(&s, 20_000, 30.0), Ok(PushOutcome::CounterReset)); // 3/s
        assert_eq!(
            w.push(&s, 15_000, 40.0),
            Err(Rejected::CounterOutOfOrder {
                ts: 15_000,
                prev_ts: 20_000
            })
        );
        let f = w.features(&s);
        assert_eq!(f[s.index_of("1m", Feature::Count).unwrap()], 2.0);
        assert_eq!(f[s.index_of("1m", Feature::Max).unwrap()], 5.0);
        assert_eq!(f[s.index_of("1m", Feature::Last).unwrap()], 3.0);
    }

    #[test]
    fn state_stays_within_two_kib_at_ten_second_sampling() {
        // A memory-like gauge with ±2 % noise, 10 s apart, for 6 hours:
        // every window is full and has rolled over many times.
        let s = spec();
        let mut w = SeriesWindows::new(&s, false);
        let mut x: u64 = 7;
        let mut peak = 0;
        for i in 0..2160i64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let noise = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            w.push(
                &s,
                i * 10_000,
                1e9 * (1.0 + 1e-5 * i as f64) * (1.0 + 0.04 * noise),
            )
            .unwrap();
            peak = peak.max(w.memory_bytes());
        }
        assert!(peak <= 2048, "peak state {peak} bytes");
    }

    #[test]
    fn empty_series_has_nan_features() {
        let s = spec();
        let w = SeriesWindows::new(&s, false);
        assert!(w.features(&s).iter().all(|v| v.is_nan()));
    }
}
