//! [`Suppressor`]: reports a tier-2 surprise only when it exceeds `ratio`
//! times the decayed maximum of earlier tier-2 surprises, so one event
//! raises one alert rather than a run of them. A range break (tier 1) lifts
//! the remembered maximum, since the event it flags will disturb the tier-2
//! models for a while.

use serde::{Deserialize, Serialize};

use super::config::SuppressionConfig;

/// The decayed maximum of recent surprises.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub(crate) struct Suppressor {
    level: f64,
}

impl Suppressor {
    /// The part of `tier2` to report (itself or 0), given this sample's
    /// tier-1 surprise; then remember both.
    pub(crate) fn step(&mut self, c: &SuppressionConfig, tier2: f64, tier1: f64) -> f64 {
        let decay = c.half_life.decay();
        let gate = self.level * decay * c.ratio;
        self.level = (self.level * decay).max(tier2);
        if tier1 > 0.0 {
            self.level = self.level.max(c.after_range_break);
        }
        if tier2 > gate { tier2 } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_of_equal_surprises_reports_once() {
        let c = SuppressionConfig::default();
        let mut s = Suppressor::default();
        let reported: Vec<f64> = (0..10).map(|_| s.step(&c, 5.0, 0.0)).collect();
        assert_eq!(reported[0], 5.0);
        assert!(reported[1..].iter().all(|&r| r == 0.0));
        // Much later, the same surprise is news again.
        for _ in 0..2000 {
            s.step(&c, 0.0, 0.0);
        }
        assert_eq!(s.step(&c, 5.0, 0.0), 5.0);
        // A range break silences tier 2 for a while.
        s.step(&c, 0.0, 100.0);
        assert_eq!(s.step(&c, 10.0, 0.0), 0.0);
    }
}
