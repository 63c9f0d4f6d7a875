//! [`Watermarks`]: how far event time has got across every input
//! partition. Each partition's clock is the newest event time it
//! delivered; the watermark is the oldest of those clocks minus the
//! allowed lateness, so an incident is decided only once every partition
//! has moved past it. A partition that has delivered nothing for a while
//! (wall time, decided by the caller) is idle and does not hold the
//! watermark back; when every partition is idle, the newest clock counts.
//! A partition not heard from yet holds the watermark until it delivers
//! or turns idle. The watermark never goes back.
//!
//! When every partition is idle, event time is taken to move on with the
//! wall clock ([`Watermarks::quiet`], driven by [`crate::Silence`]): the
//! watermark becomes at least the newest clock plus the wall time of the
//! silence, minus the lateness, so the last episode of a quiet fleet is
//! decided when it would have been had events kept flowing, not when the
//! next event arrives.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Clock {
    /// Newest event time delivered, ms (`None`: nothing yet).
    newest_ms: Option<i64>,
    /// Idle: not holding the watermark back.
    idle: bool,
}

/// Event-time clocks of the input partitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermarks {
    lateness_ms: i64,
    clocks: BTreeMap<String, Clock>,
    reached_ms: Option<i64>,
}

/// The default allowed lateness: 10 minutes of event time.
pub const DEFAULT_LATENESS_MS: i64 = 10 * 60 * 1000;

impl Watermarks {
    /// No partition yet, `lateness_ms` allowed.
    pub fn new(lateness_ms: i64) -> Self {
        Self {
            lateness_ms,
            clocks: BTreeMap::new(),
            reached_ms: None,
        }
    }

    /// Know of `partition` (e.g. `topic/3`); until it delivers or turns
    /// idle it holds the watermark back.
    pub fn register(&mut self, partition: &str) {
        self.clocks.entry(partition.to_string()).or_insert(Clock {
            newest_ms: None,
            idle: false,
        });
    }

    /// `partition` delivered an event of time `ts_ms`; it is active.
    pub fn observe(&mut self, partition: &str, ts_ms: i64) {
        let c = self.clocks.entry(partition.to_string()).or_insert(Clock {
            newest_ms: None,
            idle: false,
        });
        c.newest_ms = Some(c.newest_ms.map_or(ts_ms, |n| n.max(ts_ms)));
        c.idle = false;
    }

    /// Mark `partition` idle (or active again).
    pub fn set_idle(&mut self, partition: &str, idle: bool) {
        if let Some(c) = self.clocks.get_mut(partition) {
            c.idle = idle;
        }
    }

    /// Partitions known.
    pub fn partitions(&self) -> impl Iterator<Item = &str> {
        self.clocks.keys().map(String::as_str)
    }

    /// The watermark now, ms: `None` while an active partition has
    /// delivered nothing, or nothing was delivered at all.
    pub fn current(&mut self) -> Option<i64> {
        let active: Vec<Option<i64>> = self
            .clocks
            .values()
            .filter(|c| !c.idle)
            .map(|c| c.newest_ms)
            .collect();
        let base = if active.is_empty() {
            self.clocks.values().filter_map(|c| c.newest_ms).max()
        } else if active.iter().any(Option::is_none) {
            None
        } else {
            active.into_iter().flatten().min()
        };
        let w = base.map(|b| b.saturating_sub(self.lateness_ms));
        self.reached_ms = match (self.reached_ms, w) {
            (Some(r), Some(w)) => Some(r.max(w)),
            (r, w) => r.or(w),
        };
        self.reached_ms
    }
}

impl Watermarks {
    /// Every partition has delivered nothing for `silent_ms` of wall time
    /// (the caller's clock): take event time to have moved on with it, so
    /// the watermark is at least the newest clock + `silent_ms` - the
    /// lateness. An incident that arrives after with its onset behind it
    /// is late. `None` while nothing was delivered at all.
    pub fn quiet(&mut self, silent_ms: i64) -> Option<i64> {
        self.current();
        let newest = self.clocks.values().filter_map(|c| c.newest_ms).max();
        if let Some(n) = newest {
            let w = n
                .saturating_add(silent_ms.max(0))
                .saturating_sub(self.lateness_ms);
            self.reached_ms = Some(self.reached_ms.map_or(w, |r| r.max(w)));
        }
        self.reached_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slowest_active_partition_holds_the_watermark() {
        let mut w = Watermarks::new(10);
        w.register("p/0");
        w.register("p/1");
        w.observe("p/0", 1_000);
        assert_eq!(w.current(), None, "p/1 has said nothing yet");
        w.observe("p/1", 500);
        assert_eq!(w.current(), Some(490));
        w.set_idle("p/1", true);
        assert_eq!(w.current(), Some(990));
        w.set_idle("p/0", true);
        assert_eq!(w.current(), Some(990), "all idle: the newest clock");
        w.set_idle("p/1", false);
        assert_eq!(w.current(), Some(990), "never goes back");
    }

    #[test]
    fn a_quiet_fleet_moves_event_time_on_with_the_wall_clock() {
        let mut w = Watermarks::new(10);
        assert_eq!(w.quiet(5_000), None, "nothing delivered yet");
        w.observe("p/0", 1_000);
        w.observe("p/1", 500);
        assert_eq!(w.quiet(0), Some(990), "the newest clock - lateness");
        assert_eq!(w.quiet(200), Some(1_190));
        assert_eq!(w.quiet(100), Some(1_190), "never goes back");
        assert_eq!(w.current(), Some(1_190));
    }
}
