//! [`Silence`]: which input partitions have gone quiet, in wall time.
//! A partition that delivered nothing for `idle` stops holding the
//! watermark back ([`Watermarks::set_idle`]). When every partition is
//! quiet, nothing would move event time any more, and the last episode
//! would wait for the next event, hours later in a quiet fleet; so event
//! time is taken to move on with the wall clock from the newest event
//! time seen ([`Watermarks::quiet`]): the last episode is decided about
//! `window + lateness` after its first onset, as it would have been had
//! events kept flowing at real-time speed. Its clock is passed in
//! (`now`), so tests drive it by hand.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::Watermarks;

/// When each input partition last delivered, in wall time.
#[derive(Debug, Clone)]
pub struct Silence {
    idle: Duration,
    heard: BTreeMap<String, Instant>,
}

impl Silence {
    /// A partition that delivered nothing for `idle` is idle.
    pub fn new(idle: Duration) -> Self {
        Self {
            idle,
            heard: BTreeMap::new(),
        }
    }

    /// `partition` delivered a record at `now`.
    pub fn heard(&mut self, partition: &str, now: Instant) {
        self.heard.insert(partition.to_string(), now);
    }

    /// The watermark at `now`: the partitions of `w` quiet for `idle` are
    /// marked idle (a partition never heard from counts from the first
    /// call); when all are, event time moves on with the wall clock since
    /// the last record of any of them.
    pub fn watermark(&mut self, w: &mut Watermarks, now: Instant) -> Option<i64> {
        let keys: Vec<String> = w.partitions().map(String::from).collect();
        let mut all = !keys.is_empty();
        let mut silent = Duration::MAX;
        for k in keys {
            let heard = *self.heard.entry(k.clone()).or_insert(now);
            let quiet = now.saturating_duration_since(heard);
            if quiet >= self.idle {
                w.set_idle(&k, true);
            } else {
                all = false;
            }
            silent = silent.min(quiet);
        }
        if all {
            w.quiet(i64::try_from(silent.as_millis()).unwrap_or(i64::MAX))
        } else {
            w.current()
        }
    }

    /// Whether every partition of `w` has been quiet for `idle` at `now`.
    pub fn all_idle(&self, w: &Watermarks, now: Instant) -> bool {
        !self.heard.is_empty()
            && w.partitions().all(|k| {
                self.heard
                    .get(k)
                    .is_some_and(|h| now.saturating_duration_since(*h) >= self.idle)
            })
    }
}
