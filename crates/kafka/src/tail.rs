//! [`Tail`]: follow several topics at once, every partition assigned by
//! hand (no consumer group, so nothing to join and nothing committed),
//! each topic from its own [`Start`]: for observers that must see every
//! record (the dashboard), however many of them run. Topics that do not
//! exist yet, and partitions added later, are picked up by
//! [`Tail::refresh`] and read from their beginning (all of their records
//! are new).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::TopicPartitionList;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::topic_partition_list::Offset;

use crate::consumer::ConsumerBuilder;
use crate::error::Error;
use crate::message::to_record;
use crate::record::Record;

/// Where a topic is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Its first record still held.
    Beginning,
    /// Records produced from now on.
    End,
    /// The first record with a timestamp at or after this time.
    Since(SystemTime),
}

/// Reads every partition of a set of topics, each from its [`Start`].
pub struct Tail {
    consumer: BaseConsumer,
    topics: Vec<(String, Start)>,
    /// Partitions assigned so far.
    assigned: HashSet<(String, i32)>,
}

impl std::fmt::Debug for Tail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tail")
            .field("topics", &self.topics)
            .field("assigned", &self.assigned.len())
            .finish_non_exhaustive()
    }
}

impl Tail {
    /// A reader of `topics` on `brokers` (client properties `extra`
    /// passed through); partitions that exist now are assigned at once.
    pub fn new(
        brokers: &str,
        extra: &[(String, String)],
        topics: &[(&str, Start)],
    ) -> Result<Self, Error> {
        let consumer = ConsumerBuilder::new(brokers, "forewarn-tail")
            .client(extra)
            .plain()?;
        let mut tail = Self {
            consumer,
            topics: topics.iter().map(|(t, s)| (t.to_string(), *s)).collect(),
            assigned: HashSet::new(),
        };
        tail.refresh(Duration::from_secs(10))?;
        Ok(tail)
    }

    /// Partitions assigned so far.
    pub fn partitions(&self) -> usize {
        self.assigned.len()
    }

    /// The partitions assigned so far, as (topic, partition), sorted.
    pub fn assigned(&self) -> Vec<(String, i32)> {
        let mut v: Vec<(String, i32)> = self.assigned.iter().cloned().collect();
        v.sort();
        v
    }

    /// Look for partitions not assigned yet (topics created since, or
    /// grown) and assign them; returns how many were added. The first
    /// call (from [`Tail::new`]) starts each topic at its [`Start`];
    /// later ones start new partitions at their beginning.
    pub fn refresh(&mut self, timeout: Duration) -> Result<usize, Error> {
        let first = self.assigned.is_empty();
        let mut tpl = TopicPartitionList::new();
        let mut added = Vec::new();
        for (topic, start) in &self.topics {
            let md = match self.consumer.fetch_metadata(Some(topic), timeout) {
                Ok(md) => md,
                Err(source) => {
                    return Err(Error::Metadata {
                        topic: topic.clone(),
                        source: source.into(),
                    });
                }
            };
            let Some(t) = md
                .topics()
                .iter()
                .find(|t| t.name() == topic && t.error().is_none())
            else {
                continue;
            };
            let mut new_parts = Vec::new();
            for p in t.partitions() {
                if !self.assigned.contains(&(topic.clone(), p.id())) {
                    new_parts.push(p.id());
                }
            }
            if new_parts.is_empty() {
                continue;
            }
            let start = if first || self.topic_seen(topic) {
                *start
            } else {
                Start::Beginning
            };
            let offsets = self.offsets(topic, &new_parts, start, timeout)?;
            for (p, o) in offsets {
                tpl.add_partition_offset(topic, p, o)
                    .map_err(|e| Error::Assign(e.into()))?;
                added.push((topic.clone(), p));
            }
        }
        if added.is_empty() {
            return Ok(0);
        }
        self.consumer
            .incremental_assign(&tpl)
            .map_err(|e| Error::Assign(e.into()))?;
        let n = added.len();
        self.assigned.extend(added);
        Ok(n)
    }

    /// Whether some partition of `topic` was assigned before: a partition
    /// added to it later still starts where the topic was asked to start
    /// (a `Since` applies to all of it).
    fn topic_seen(&self, topic: &str) -> bool {
        self.assigned.iter().any(|(t, _)| t == topic)
    }

    /// Start offsets of `parts` of `topic`.
    fn offsets(
        &self,
        topic: &str,
        parts: &[i32],
        start: Start,
        timeout: Duration,
    ) -> Result<Vec<(i32, Offset)>, Error> {
        match start {
            Start::Beginning => Ok(parts.iter().map(|p| (*p, Offset::Beginning)).collect()),
            Start::End => Ok(parts.iter().map(|p| (*p, Offset::End)).collect()),
            Start::Since(t) => {
                let ms = t
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                let mut q = TopicPartitionList::new();
                for p in parts {
                    q.add_partition_offset(topic, *p, Offset::Offset(ms))
                        .map_err(|e| Error::Assign(e.into()))?;
                }
                let found = self
                    .consumer
                    .offsets_for_times(q, timeout)
                    .map_err(|source| Error::Metadata {
                        topic: topic.to_string(),
                        source: source.into(),
                    })?;
                let by_part: HashMap<i32, Offset> = found
                    .elements()
                    .iter()
                    .map(|e| (e.partition(), e.offset()))
                    .collect();
                // No record at or after the time: the partition's end.
                Ok(parts
                    .iter()
                    .map(|p| {
                        let o = match by_part.get(p) {
                            Some(Offset::Offset(o)) if *o >= 0 => Offset::Offset(*o),
                            _ => Offset::End,
                        };
                        (*p, o)
                    })
                    .collect())
            }
        }
    }

    /// The next record of any assigned partition, waiting up to `timeout`;
    /// `None` when nothing came (errors are logged: the client retries on
    /// its own).
    pub fn next(&self, timeout: Duration) -> Option<Record> {
        match self.consumer.poll(timeout)? {
            Ok(m) => Some(to_record(&m, true)),
            Err(e) => {
                tracing::debug!("tail: {e}");
                None
            }
        }
    }
}
