//! Time-slice SLIs of a threshold SLO (latency, error rate) from sampled
//! metrics, as slo-generator and Sloth define a threshold SLI over
//! sampled data: each sample of a series (one instance of the service)
//! covers the time until the next sample of that series, capped at
//! [`LedgerOptions::max_slice`](crate::LedgerOptions::max_slice) so a gap
//! in the data counts as neither good nor bad; the slice is good when the
//! value is within the threshold. Over a window, the measured time is the
//! sum of the slices' overlaps (all instances) and the bad time the sum
//! of the bad ones'; SLI = 1 − bad / measured.
//!
//! What is kept per series: its latest sample (time, good or not) and
//! runs of contiguous slices of equal goodness, merged as they come (a
//! series that stays good for a month is one run), at most
//! [`Caps::intervals`](crate::Caps::intervals) of them and none older
//! than the retention, like the down intervals.

use std::collections::{BTreeMap, VecDeque};

/// One series: its latest sample and its runs of slices.
#[derive(Debug, Clone, Default)]
pub(crate) struct Series {
    /// The latest sample: time (ms) and whether it was within the threshold.
    last: Option<(i64, bool)>,
    /// Closed runs of slices: start, end (ms), bad.
    runs: VecDeque<(i64, i64, bool)>,
}

/// A service's time slices for one threshold SLO.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slices {
    series: BTreeMap<String, Series>,
    /// Samples older than their series' latest (arrived past the reorder
    /// buffer), left out.
    pub(crate) late: u64,
    /// Runs dropped by the cap or the retention.
    pub(crate) dropped: u64,
}

impl Slices {
    /// A sample of `instance` at `ts` (ms), within the threshold or not;
    /// it closes the previous sample's slice. Runs ending before
    /// `keep_from` and past `cap` go.
    pub(crate) fn push(
        &mut self,
        instance: &str,
        ts: i64,
        good: bool,
        max_slice: i64,
        cap: usize,
        keep_from: i64,
    ) {
        let s = self.series.entry(instance.to_string()).or_default();
        if let Some((last, was_good)) = s.last {
            if ts < last {
                self.late += 1;
                return;
            }
            let (start, end) = (last, ts.min(last + max_slice));
            if end > start {
                match s.runs.back_mut() {
                    Some(r) if r.1 == start && r.2 != was_good => r.1 = end,
                    _ => s.runs.push_back((start, end, !was_good)),
                }
            }
        }
        s.last = Some((ts, good));
        while s.runs.len() > cap || s.runs.front().is_some_and(|r| r.1 < keep_from) {
            s.runs.pop_front();
            self.dropped += 1;
        }
    }

    /// Measured and bad time (ms) within `[from, to)`, all series; each
    /// latest sample covers up to `max_slice` after it.
    pub(crate) fn measured_bad_ms(&self, from: i64, to: i64, max_slice: i64) -> (i64, i64) {
        let overlap = |s: i64, e: i64| (e.min(to) - s.max(from)).max(0);
        let (mut measured, mut bad) = (0, 0);
        for s in self.series.values() {
            let open = s.last.map(|(t, good)| (t, t + max_slice, !good));
            for (start, end, is_bad) in s.runs.iter().copied().chain(open) {
                let o = overlap(start, end);
                measured += o;
                if is_bad {
                    bad += o;
                }
            }
        }
        (measured, bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_merge_cap_gaps_and_skip_late_samples() {
        let mut s = Slices::default();
        // good at 0, 10, 20; bad at 30; a gap; good at 100 (max 15).
        for (t, g) in [(0, true), (10, true), (20, true), (30, false), (100, true)] {
            s.push("a", t, g, 15, 100, i64::MIN);
        }
        // Runs: [0, 30) good (merged), [30, 45) bad (capped); open [100, 115).
        assert_eq!(s.series["a"].runs, vec![(0, 30, false), (30, 45, true)]);
        assert_eq!(s.measured_bad_ms(0, 200, 15), (30 + 15 + 15, 15));
        assert_eq!(s.measured_bad_ms(35, 105, 15), (10 + 5, 10));
        s.push("a", 50, false, 15, 100, i64::MIN);
        assert_eq!(s.late, 1);
    }
}
