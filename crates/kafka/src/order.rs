//! Records of a partition must reach its scorer in offset order, each
//! once. [`place`] checks each record against the partition's next offset:
//! one before it is a replay (already in the state); one past it means the
//! consumer skipped records, and it is sent back to read them.
//!
//! Why a consumer skips: tansu 0.6 answers a fetch at an offset inside a
//! record batch from the *following* batch, so after a rebalance or
//! restart that resumes mid-batch, the rest of that batch is never served
//! from there (measured: fetch at 5191 → first record 5500). Seeking to
//! before the batch's start fetches it whole. The batch start is not known,
//! so the seek goes 1, 2, 4, ... offsets before `next` until a record at or
//! before `next` arrives. If the record after those is still past `next`,
//! the broker has nothing in between (transaction markers, compaction) and
//! the gap is accepted.
//!
//! A gap at the very end of a partition (resumed inside its last batch)
//! brings no later record to start a repair from: [`stalled`] starts (and
//! continues) it from the high watermark instead, when the broker holds
//! records at or past `next` and none has arrived for a while.
//!
//! The scorer keeps `next` and the repair with each partition's state
//! (they are checkpointed together); a plain group member (the
//! remediator) keeps them in a [`Tracker`] (see [`crate::tracker`]).

/// The farthest a repair seeks back before accepting a gap.
pub const MAX_BACK: i64 = 1 << 20;

/// A gap being repaired on one topic-partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repair {
    /// How far before `next` the last seek went.
    pub back: i64,
    /// A record before `next` arrived since that seek.
    pub below: bool,
}

/// What to do with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Score it.
    Next,
    /// Already in the state: skip it.
    Replay,
    /// Skip it and seek to this offset first.
    SeekTo(i64),
}

/// How a gap ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// The skipped records were read again.
    Repaired,
    /// The broker has no records there.
    Accepted,
}

/// Place a record at `offset` given the partition's `next` offset and the
/// repair under way; returns what to do, the repair to keep, and how a gap
/// ended, if one did.
pub fn place(
    next: i64,
    repair: Option<Repair>,
    offset: i64,
) -> (Order, Option<Repair>, Option<Gap>) {
    if offset < next {
        let r = repair.map(|r| Repair { below: true, ..r });
        return (Order::Replay, r, None);
    }
    if offset == next {
        return (Order::Next, None, repair.map(|_| Gap::Repaired));
    }
    match repair {
        Some(r) if r.below || next - r.back <= 0 || r.back >= MAX_BACK => {
            (Order::Next, None, Some(Gap::Accepted))
        }
        r => {
            let back = r.map_or(1, |r| r.back * 2);
            let seek = (next - back).max(0);
            (
                Order::SeekTo(seek),
                Some(Repair { back, below: false }),
                None,
            )
        }
    }
}

/// A partition that has read nothing for a while although the broker
/// holds records at or past `next` (`high` is its high watermark): the
/// offset to seek to (the next step of the repair) and the repair to keep;
/// `None` when nothing is missing, or when records below `next` arrived
/// since the last seek (the broker has nothing in between: a later record
/// ends the repair through [`place`]), or when the repair has gone back as
/// far as it can.
pub fn stalled(next: i64, high: i64, repair: Option<Repair>) -> Option<(i64, Repair)> {
    if high <= next {
        return None;
    }
    match repair {
        Some(r) if r.below || next - r.back <= 0 || r.back >= MAX_BACK => None,
        r => {
            let back = r.map_or(1, |r| r.back * 2);
            Some(((next - back).max(0), Repair { back, below: false }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A partition as tansu 0.6 serves it: records `0..end` in batches
    /// starting at `bases`; a fetch at `from` answers from the first batch
    /// whose base is at or after `from` (or, at a batch's start, that one).
    struct Log {
        bases: Vec<i64>,
        end: i64,
        missing: Vec<i64>,
    }

    impl Log {
        fn fetch(&self, from: i64) -> impl Iterator<Item = i64> + '_ {
            let start = self
                .bases
                .iter()
                .copied()
                .find(|b| *b >= from)
                .unwrap_or(self.end);
            (start..self.end).filter(|o| !self.missing.contains(o))
        }
    }

    /// Feed a consumer that resumes at `resume` with state at `next`;
    /// returns the offsets scored, the seeks made and how the gap ended.
    fn run(log: &Log, mut next: i64, resume: i64) -> (Vec<i64>, usize, Option<Gap>) {
        let (mut scored, mut seeks, mut ended) = (Vec::new(), 0, None);
        let mut repair = None;
        let mut from = resume;
        'fetch: loop {
            for o in log.fetch(from) {
                let (order, r, gap) = place(next, repair, o);
                repair = r;
                ended = ended.or(gap);
                match order {
                    Order::Next => {
                        scored.push(o);
                        next = o + 1;
                    }
                    Order::Replay => {}
                    Order::SeekTo(s) => {
                        seeks += 1;
                        assert!(seeks < 64, "no progress");
                        from = s;
                        continue 'fetch;
                    }
                }
            }
            return (scored, seeks, ended);
        }
    }

    #[test]
    fn a_fetch_resumed_inside_a_batch_is_repaired() {
        // Batches of 500; the state stops at 5191, inside [5000, 5500).
        let log = Log {
            bases: (0..20).map(|i| i * 500).collect(),
            end: 10_000,
            missing: Vec::new(),
        };
        let (scored, seeks, gap) = run(&log, 5191, 5191);
        assert_eq!(
            scored,
            (5191..10_000).collect::<Vec<_>>(),
            "every record once, in order"
        );
        assert_eq!(gap, Some(Gap::Repaired));
        // 1, 2, ..., 128 back land inside the batch (answered from 5500);
        // 256 back is 4935, answered from the batch's start, 5000.
        assert_eq!(seeks, 9);
    }

    #[test]
    fn a_resume_inside_the_last_batch_is_repaired_from_the_high_watermark() {
        // Batches of 500, the last one [9500, 10000); the state stops at
        // 9700: every fetch from there answers nothing, so no record ever
        // starts the repair. The stall does, going back until a fetch
        // answers from the batch's start.
        let log = Log {
            bases: (0..20).map(|i| i * 500).collect(),
            end: 10_000,
            missing: Vec::new(),
        };
        let mut next = 9700;
        let mut repair = None;
        let mut stalls = 0;
        let mut scored = Vec::new();
        let mut from = next;
        loop {
            let got: Vec<i64> = log.fetch(from).collect();
            if got.is_empty() {
                let Some((seek, r)) = stalled(next, log.end, repair) else {
                    break;
                };
                stalls += 1;
                assert!(stalls < 64, "no progress");
                repair = Some(r);
                from = seek;
                continue;
            }
            for o in got {
                let (order, r, _) = place(next, repair, o);
                repair = r;
                if order == Order::Next {
                    scored.push(o);
                    next = o + 1;
                }
            }
            from = next;
        }
        assert_eq!(scored, (9700..10_000).collect::<Vec<_>>());
        // 1, 2, ..., 128 back land inside the batch; 256 back (9444) is
        // answered from 9500.
        assert_eq!(stalls, 9);
        assert_eq!(stalled(next, log.end, repair), None, "caught up");
    }

    #[test]
    fn a_resume_on_a_batch_start_needs_no_repair() {
        let log = Log {
            bases: vec![0, 500, 1000],
            end: 1500,
            missing: Vec::new(),
        };
        let (scored, seeks, gap) = run(&log, 500, 500);
        assert_eq!(scored.len(), 1000);
        assert_eq!((seeks, gap), (0, None));
    }

    #[test]
    fn replays_are_skipped() {
        let log = Log {
            bases: vec![0],
            end: 100,
            missing: Vec::new(),
        };
        let (scored, seeks, gap) = run(&log, 40, 0);
        assert_eq!(scored, (40..100).collect::<Vec<_>>());
        assert_eq!((seeks, gap), (0, None));
    }

    #[test]
    fn offsets_the_broker_does_not_have_are_accepted() {
        // A transaction marker at 50: nothing is ever served there.
        let log = Log {
            bases: (0..100).collect(),
            end: 100,
            missing: vec![50],
        };
        let (scored, seeks, gap) = run(&log, 50, 50);
        assert_eq!(scored, (51..100).collect::<Vec<_>>());
        assert_eq!(gap, Some(Gap::Accepted));
        assert_eq!(seeks, 1);
        // Records deleted below the low watermark: back to offset 0, then
        // accepted.
        let log = Log {
            bases: vec![300],
            end: 400,
            missing: Vec::new(),
        };
        let (scored, _, gap) = run(&log, 100, 100);
        assert_eq!(scored, (300..400).collect::<Vec<_>>());
        assert_eq!(gap, Some(Gap::Accepted));
    }
}
