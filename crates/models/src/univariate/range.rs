//! [`RangeBreak`]: the tier-1 signal. A value beyond the recent range (the
//! min and max of the recent feature window, as they were before the value)
//! by more than `tolerance` of that range scores its excess times a weight:
//! a large weight when it is also beyond every value the series has shown
//! (a new record, which outranks any tier-2 signal), a small one when it only
//! leaves the recent range. Repeating an old extreme, as a CPU pinned at
//! 100 % does, is therefore not treated as new. Like Numenta's spatial
//! anomaly rule, but measured against a window rather than a whole file.

use serde::{Deserialize, Serialize};

use super::config::RangeConfig;

/// The all-time range of the series (`None` before the first value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub(crate) struct RangeBreak {
    seen: Option<(f64, f64)>,
}

impl RangeBreak {
    /// Surprise of `x` (0 when inside the recent range, within tolerance),
    /// then remember it.
    pub(crate) fn step(&mut self, c: &RangeConfig, recent: Option<(f64, f64)>, x: f64) -> f64 {
        let mut surprise = 0.0;
        if let Some((lo, hi)) = recent {
            let width = hi - lo;
            if width > 0.0 {
                let excess = ((x - hi) / width).max((lo - x) / width);
                if excess > c.tolerance.get() {
                    let seen = self.seen.is_some_and(|(lo, hi)| x >= lo && x <= hi);
                    let weight = if seen {
                        c.inside_weight
                    } else {
                        c.outside_weight
                    };
                    surprise = excess * weight;
                }
            }
        }
        self.seen = Some(self.seen.map_or((x, x), |(lo, hi)| (lo.min(x), hi.max(x))));
        surprise
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_records_outrank_recent_range_breaks() {
        let c = RangeConfig::default();
        let mut r = RangeBreak::default();
        for x in [0.0, 10.0, 5.0] {
            r.step(&c, None, x);
        }
        // Inside the recent range: nothing.
        assert_eq!(r.step(&c, Some((0.0, 10.0)), 10.2), 0.0);
        // Beyond the recent range (2..8) but seen before: small.
        let seen = r.step(&c, Some((2.0, 8.0)), 10.0);
        assert!(seen > 0.0 && seen < 10.0, "{seen}");
        // A new record: large.
        let record = r.step(&c, Some((0.0, 10.0)), 12.0);
        assert!(record > 100.0, "{record}");
        // A flat recent range never breaks.
        assert_eq!(r.step(&c, Some((3.0, 3.0)), 100.0), 0.0);
    }
}
