//! [`Watermarks`]: how far event time has got across every input
//! partition. Each partition's clock is the newest event time it
//! delivered; the watermark is the oldest of those clocks minus the
//! allowed lateness, so an incident is decided only once every partition
//! has moved past it. A partition that has delivered nothing for a while
//! (wall time, decided by the caller) is idle and does not hold the
//! watermark back; when every partition is idle, the newest clock counts.
//! A partition not heard from yet holds the watermark until it delivers
//! or turns idle. The watermark never goes back.

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
}
