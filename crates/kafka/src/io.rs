//! The runtime's view of a broker, as traits over plain records:
//! [`Source`] (a member of a consumer group: poll, seek, commit, with
//! rebalances handed to a [`Rebalance`] handler so that a revocation is
//! handled, state saved and offsets committed, *before* the partitions are
//! given up), [`Sink`] (send with headers, serve delivery reports, flush)
//! and [`ReadTopic`] (a whole topic from its beginning, e.g. checkpoints).
//! [`crate::consumer`] and [`crate::producer`] implement them over Kafka,
//! [`crate::memory`] in memory, for tests without a broker.

use std::time::Duration;

use crate::error::Error;
use crate::record::{Deliveries, DeliveryHook, Outgoing, Record, TopicPartition};

/// Commits offsets for the group.
pub trait Commit {
    /// Commit `offsets` (topic-partition, next offset to read), waiting
    /// for the broker.
    fn commit(&mut self, offsets: &[(TopicPartition, i64)]) -> Result<(), Error>;
}

/// What a consumer does when its group changes hands. Both calls come
/// from inside [`Source::poll`], on the polling thread.
pub trait Rebalance {
    /// `parts` are now this member's. Returns where to start each of the
    /// parts it has a position for (the others start at the group's
    /// committed offset, else the earliest), or `None` to refuse them
    /// (after a failure the handler keeps to report it).
    fn assigned(&mut self, parts: &[TopicPartition]) -> Option<Vec<(TopicPartition, i64)>>;

    /// `parts` are about to be given up: the last moment to commit for
    /// them, through `commit`.
    fn revoked(&mut self, parts: &[TopicPartition], commit: &mut dyn Commit);
}

/// A handler that takes every assignment as it comes (committed offsets)
/// and does nothing on revocation.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAll;

impl Rebalance for AcceptAll {
    fn assigned(&mut self, _: &[TopicPartition]) -> Option<Vec<(TopicPartition, i64)>> {
        Some(Vec::new())
    }

    fn revoked(&mut self, _: &[TopicPartition], _: &mut dyn Commit) {}
}

/// Watermarks of one partition, as last reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watermark {
    /// Topic and partition.
    pub tp: TopicPartition,
    /// Low watermark (first offset held).
    pub low: i64,
    /// High watermark (next offset to be written); negative if unknown.
    pub high: i64,
    /// The group's committed offset; negative if none.
    pub committed: i64,
}

/// A member of a consumer group.
pub trait Source: Commit + Send {
    /// Join the group for `topics`.
    fn subscribe(&mut self, topics: &[&str]) -> Result<(), Error>;

    /// The next record, waiting up to `timeout`; rebalances are handed to
    /// `rebalance` meanwhile. `Ok(None)` when nothing came.
    fn poll(
        &mut self,
        timeout: Duration,
        rebalance: &mut dyn Rebalance,
    ) -> Result<Option<Record>, Error>;

    /// Hand back a record [`Source::poll`] returned, done with, so the
    /// next poll may reuse its buffers (the default drops it).
    fn recycle(&mut self, record: Record) {
        drop(record);
    }

    /// Read `topic`/`partition` from `offset` on.
    fn seek(&mut self, topic: &str, partition: i32, offset: i64) -> Result<(), Error>;

    /// Mark `offset` as the next to read of `topic`/`partition`, to be
    /// committed in the background (or by [`Source::commit_stored`]).
    fn store_offset(&mut self, topic: &str, partition: i32, offset: i64) -> Result<(), Error>;

    /// Commit what was stored, waiting for the broker.
    fn commit_stored(&mut self) -> Result<(), Error>;

    /// Leave the group: the revocation arrives through later polls.
    fn unsubscribe(&mut self);

    /// Watermarks of the partitions owned, as last reported (for lag).
    fn watermarks(&self) -> Vec<Watermark>;

    /// The group's committed offsets (next offset to read) of `parts`,
    /// leaving out those with none; by default, as last reported by
    /// [`Source::watermarks`].
    fn committed(
        &mut self,
        parts: &[TopicPartition],
        _timeout: Duration,
    ) -> Result<Vec<(TopicPartition, i64)>, Error> {
        Ok(self
            .watermarks()
            .into_iter()
            .filter(|w| w.committed >= 0 && parts.contains(&w.tp))
            .map(|w| (w.tp, w.committed))
            .collect())
    }
}

/// A producer.
pub trait Sink: Send + Sync {
    /// Queue one message; waits while the local queue is full.
    fn send(&self, message: Outgoing<'_>) -> Result<(), Error>;

    /// Serve pending delivery reports without blocking.
    fn poll(&self);

    /// Wait up to `timeout` for every outstanding delivery report;
    /// returns the counts so far.
    fn flush(&self, timeout: Duration) -> Result<Deliveries, Error>;

    /// Counts so far.
    fn deliveries(&self) -> Deliveries;

    /// Call `hook` with every delivery report from now on (replaces any
    /// hook set before).
    fn on_delivery(&self, hook: DeliveryHook);
}

/// Reads a whole topic.
pub trait ReadTopic: Send {
    /// Hand every record of `topic` to `each`, from the beginning of each
    /// partition to its current end (in offset order within a partition),
    /// giving up after `timeout`. A topic that does not exist reads as
    /// empty. (Records are not collected: a topic may be large.)
    fn read_topic(
        &self,
        topic: &str,
        timeout: Duration,
        each: &mut dyn FnMut(&Record),
    ) -> Result<(), Error>;
}
