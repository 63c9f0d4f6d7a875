//! [`Tracker`]: the offset-order check of [`crate::order`] for a plain
//! group member that keeps no state of its own beyond the group's
//! committed offsets (the remediator). It learns each partition's next
//! offset when the partition is assigned (the committed offset, from
//! [`Source::committed`](crate::Source::committed)), or from its first
//! record when nothing was committed, and follows it record by record:
//! a record past it sends the consumer back to read what was skipped, a
//! record before it (a replay after such a seek) is to be skipped, and a
//! partition that stays silent while its high watermark is past its next
//! offset is sent back too ([`Tracker::stalled`]).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::io::Watermark;
use crate::order::{self, Gap, Order, Repair};
use crate::record::TopicPartition;

#[derive(Debug, Clone, Copy)]
struct Track {
    next: Option<i64>,
    repair: Option<Repair>,
    /// Last record read or seek made.
    active: Instant,
}

/// Next offsets and repairs of the partitions owned.
#[derive(Debug, Default)]
pub struct Tracker {
    parts: HashMap<TopicPartition, Track>,
}

/// How a record was placed: what to do with it and how a gap ended, if
/// one did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// What to do.
    pub order: Order,
    /// A gap that ended with this record.
    pub gap: Option<Gap>,
    /// The partition's next offset before this record (for logs).
    pub next: Option<i64>,
}

impl Tracker {
    /// `tp` is owned from now on, reading from `next` (`None`: from its
    /// first record).
    pub fn assigned(&mut self, tp: TopicPartition, next: Option<i64>) {
        self.parts.insert(
            tp,
            Track {
                next,
                repair: None,
                active: Instant::now(),
            },
        );
    }

    /// `tp` is no longer owned.
    pub fn revoked(&mut self, tp: &TopicPartition) {
        self.parts.remove(tp);
    }

    /// Place the record at `offset` of `topic`/`partition`; on
    /// [`Order::Next`] the partition's next offset moves past it.
    pub fn place(&mut self, topic: &str, partition: i32, offset: i64) -> Placed {
        let tp = TopicPartition::new(topic, partition);
        let t = self.parts.entry(tp).or_insert(Track {
            next: None,
            repair: None,
            active: Instant::now(),
        });
        t.active = Instant::now();
        let before = t.next;
        let Some(next) = t.next else {
            t.next = Some(offset + 1);
            return Placed {
                order: Order::Next,
                gap: None,
                next: None,
            };
        };
        let (order, repair, gap) = order::place(next, t.repair, offset);
        t.repair = repair;
        if order == Order::Next {
            t.next = Some(offset + 1);
        }
        Placed {
            order,
            gap,
            next: before,
        }
    }

    /// Partitions silent for at least `idle` while their high watermark
    /// (from `marks`) is past their next offset: where to seek each (a
    /// step of [`order::stalled`]).
    pub fn stalled(&mut self, marks: &[Watermark], idle: Duration) -> Vec<(TopicPartition, i64)> {
        let now = Instant::now();
        let mut out = Vec::new();
        for m in marks {
            let Some(t) = self.parts.get_mut(&m.tp) else {
                continue;
            };
            let Some(next) = t.next else { continue };
            if now.duration_since(t.active) < idle {
                continue;
            }
            if let Some((seek, r)) = order::stalled(next, m.high, t.repair) {
                t.repair = Some(r);
                t.active = now;
                out.push((m.tp.clone(), seek));
            }
        }
        out
    }

    /// The next offset of `tp`, when known.
    pub fn next(&self, tp: &TopicPartition) -> Option<i64> {
        self.parts.get(tp).and_then(|t| t.next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resume_past_the_committed_offset_is_sent_back() {
        let tp = TopicPartition::new("p", 0);
        let mut t = Tracker::default();
        t.assigned(tp.clone(), Some(10));
        let p = t.place("p", 0, 12);
        assert_eq!(p.order, Order::SeekTo(9));
        assert_eq!(t.place("p", 0, 9).order, Order::Replay);
        let p = t.place("p", 0, 10);
        assert_eq!((p.order, p.gap), (Order::Next, Some(Gap::Repaired)));
        assert_eq!(t.next(&tp), Some(11));
    }

    #[test]
    fn without_a_committed_offset_the_first_record_sets_it() {
        let mut t = Tracker::default();
        t.assigned(TopicPartition::new("p", 0), None);
        assert_eq!(t.place("p", 0, 40).order, Order::Next);
        assert_eq!(t.place("p", 0, 41).order, Order::Next);
    }

    #[test]
    fn a_silent_partition_behind_its_high_watermark_is_sent_back() {
        let tp = TopicPartition::new("p", 0);
        let mut t = Tracker::default();
        t.assigned(tp.clone(), Some(7));
        let mark = |high| Watermark {
            tp: tp.clone(),
            low: 0,
            high,
            committed: 7,
        };
        assert!(
            t.stalled(&[mark(7)], Duration::ZERO).is_empty(),
            "caught up"
        );
        assert!(
            t.stalled(&[mark(9)], Duration::from_secs(60)).is_empty(),
            "not idle yet"
        );
        assert_eq!(t.stalled(&[mark(9)], Duration::ZERO), vec![(tp.clone(), 6)]);
        assert_eq!(t.stalled(&[mark(9)], Duration::ZERO), vec![(tp.clone(), 5)]);
        assert_eq!(t.place("p", 0, 5).order, Order::Replay);
        assert!(
            t.stalled(&[mark(9)], Duration::ZERO).is_empty(),
            "records below arrived"
        );
        assert_eq!(t.place("p", 0, 7).gap, Some(Gap::Repaired));
    }
}
