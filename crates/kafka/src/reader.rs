//! [`TopicReader`]: read a whole topic from its beginning, outside any
//! consumer group (every partition assigned by hand): for showing what a
//! scorer published (the demo) and for tests and benchmarks that check it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::TopicPartitionList;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::topic_partition_list::Offset;

use crate::consumer::ConsumerBuilder;
use crate::error::Error;
use crate::message::to_record;
use crate::record::Record;

/// Reads every partition of one topic from the beginning.
pub struct TopicReader {
    consumer: BaseConsumer,
    topic: String,
    /// Next offset per partition, of what was read so far.
    next: Mutex<HashMap<i32, i64>>,
}

impl std::fmt::Debug for TopicReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TopicReader")
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl TopicReader {
    /// A reader of `topic` on `brokers`, from offset 0 of each partition.
    pub fn new(brokers: &str, extra: &[(String, String)], topic: &str) -> Result<Self, Error> {
        let consumer = ConsumerBuilder::new(brokers, "forewarn-reader")
            .client(extra)
            .plain()?;
        let md = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .map_err(|source| Error::Metadata {
                topic: topic.to_string(),
                source: source.into(),
            })?;
        let mut tpl = TopicPartitionList::new();
        for t in md.topics().iter().filter(|t| t.name() == topic) {
            for p in t.partitions() {
                tpl.add_partition_offset(topic, p.id(), Offset::Beginning)
                    .map_err(|e| Error::Assign(e.into()))?;
            }
        }
        if tpl.count() == 0 {
            return Err(Error::NoPartitions(topic.to_string()));
        }
        consumer.assign(&tpl).map_err(|e| Error::Assign(e.into()))?;
        Ok(Self {
            consumer,
            topic: topic.to_string(),
            next: Mutex::new(HashMap::new()),
        })
    }

    /// (partition, low, high) watermarks of every partition of the topic.
    pub fn watermarks(&self, timeout: Duration) -> Result<Vec<(i32, i64, i64)>, Error> {
        let meta = |source: rdkafka::error::KafkaError| Error::Metadata {
            topic: self.topic.clone(),
            source: source.into(),
        };
        let md = self
            .consumer
            .fetch_metadata(Some(&self.topic), timeout)
            .map_err(meta)?;
        let mut out = Vec::new();
        for t in md.topics().iter().filter(|t| t.name() == self.topic) {
            for p in t.partitions() {
                let (low, high) = self
                    .consumer
                    .fetch_watermarks(&self.topic, p.id(), timeout)
                    .map_err(meta)?;
                out.push((p.id(), low, high));
            }
        }
        out.sort_unstable();
        Ok(out)
    }

    /// The next record, waiting up to `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<Record> {
        match self.consumer.poll(timeout)? {
            Ok(m) => {
                if let Ok(mut next) = self.next.lock() {
                    next.insert(m.partition(), m.offset() + 1);
                }
                Some(to_record(&m, true))
            }
            Err(e) => {
                tracing::warn!(topic = %self.topic, "read: {e}");
                None
            }
        }
    }

    /// Every record not read yet up to the topic's current end (high
    /// watermarks as of this call), giving up after `timeout`.
    pub fn read_to_end(&self, timeout: Duration) -> Result<Vec<Record>, Error> {
        let deadline = Instant::now() + timeout;
        let ends: Vec<(i32, i64)> = self
            .watermarks(timeout)?
            .into_iter()
            .map(|(p, _, high)| (p, high))
            .collect();
        let mut out = Vec::new();
        let done = || {
            let next = self.next.lock().map(|n| n.clone()).unwrap_or_default();
            ends.iter()
                .all(|(p, high)| *high == 0 || next.get(p).is_some_and(|n| n >= high))
        };
        while !done() {
            if Instant::now() > deadline {
                return Err(Error::Timeout {
                    topic: self.topic.clone(),
                    after: timeout,
                });
            }
            if let Some(r) = self.next(Duration::from_millis(100)) {
                out.push(r);
            }
        }
        Ok(out)
    }
}
