//! Event time comes from outside, and a partition's clock (its newest
//! event time) decides what is evicted as idle and which incidents are
//! resolved as silent. One record stamped 9999-12-31 must not move it:
//! [`Clock`] bounds each record's event time by
//! [`crate::ScoreOptions::max_future`] ahead of the later of the wall
//! clock and the partition's own newest event time. Live data stays under
//! the wall clock; a partition whose state is already ahead of this
//! host's clock (restored) goes on as long as its data advances in steps
//! under the bound, while a cold one takes nothing beyond the wall clock's
//! bound (raise the tolerance to replay future-dated data). What is
//! beyond it goes to the dead-letter topic with [`Bound::reason`] and is
//! not scored.

use chrono::{DateTime, Utc};

/// One partition's event-time clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Clock {
    /// Newest event time admitted (ms), if any.
    pub(crate) newest: Option<i64>,
}

/// The bound one record was judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bound {
    /// Latest event time admitted (ms).
    pub(crate) limit: i64,
    now: i64,
    newest: Option<i64>,
    max_future: i64,
}

impl Clock {
    /// A clock that starts at `newest` (a restored state's newest event
    /// time).
    pub(crate) fn starting_at(newest: Option<i64>) -> Self {
        Self { newest }
    }

    /// The bound of the next record, at wall-clock `now` (ms).
    pub(crate) fn bound(&self, now: i64, max_future: i64) -> Bound {
        let base = self.newest.map_or(now, |n| n.max(now));
        Bound {
            limit: base.saturating_add(max_future),
            now,
            newest: self.newest,
            max_future,
        }
    }

    /// Note an admitted event time.
    pub(crate) fn admit(&mut self, ts: i64) {
        self.newest = Some(self.newest.map_or(ts, |n| n.max(ts)));
    }
}

fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map_or_else(
        || format!("{ms} ms"),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

impl Bound {
    /// Why a record with an event time at `ts` (ms) is refused; `ahead`
    /// of its `total` items were beyond the bound (the others were
    /// scored).
    pub(crate) fn reason(&self, ts: i64, ahead: usize, total: usize) -> String {
        let newest = self.newest.map_or_else(|| "none yet".to_string(), rfc3339);
        let part = if total > 1 {
            format!(
                " ({ahead} of {total} samples; the other {} were scored)",
                total - ahead
            )
        } else {
            String::new()
        };
        format!(
            "event time {} is more than {} ahead of both the wall clock ({}) and the partition's newest event time ({newest}){part}; not scored (raise max-future if producers' clocks run ahead)",
            rfc3339(ts),
            forewarn_core::HumanDuration::from_millis(self.max_future),
            rfc3339(self.now),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn a_far_future_time_is_beyond_the_bound_and_moves_nothing() {
        let now = 1_800_000_000_000;
        let mut c = Clock::starting_at(Some(now - 60 * MIN));
        let b = c.bound(now, 5 * MIN);
        let year_9999 = 253_402_300_799_000;
        assert!(year_9999 > b.limit);
        assert!(now + 4 * MIN <= b.limit, "live data a little ahead passes");
        c.admit(now - 59 * MIN);
        assert_eq!(c.newest, Some(now - 59 * MIN));
        let r = b.reason(year_9999, 1, 1);
        assert!(
            r.contains("9999-12-31T23:59:59Z") && r.contains("5m"),
            "{r}"
        );
    }

    #[test]
    fn data_ahead_of_the_wall_clock_goes_on_in_steps_under_the_bound() {
        // A replay stamped a day ahead of this host: the first record is
        // refused on a cold partition, but a restored one that is already
        // there advances minute by minute.
        let now = 1_800_000_000_000;
        let day = 24 * 60 * MIN;
        assert!(now + day > Clock::default().bound(now, 5 * MIN).limit);
        let mut c = Clock::starting_at(Some(now + day));
        for i in 1..100 {
            let ts = now + day + i * MIN;
            assert!(ts <= c.bound(now, 5 * MIN).limit);
            c.admit(ts);
        }
        // ... but no single record jumps more than the bound ahead.
        assert!(now + 2 * day > c.bound(now, 5 * MIN).limit);
    }

    #[test]
    fn an_old_time_never_moves_the_clock_back() {
        let mut c = Clock::default();
        c.admit(10);
        c.admit(5);
        assert_eq!(c.newest, Some(10));
    }
}
