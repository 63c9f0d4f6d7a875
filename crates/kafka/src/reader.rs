//! [`TopicReader`]: read a whole topic from its beginning, outside any
//! consumer group (every partition assigned by hand): for showing what a
//! scorer published (the demo) and for tests and benchmarks that check it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::Message;
use rdkafka::TopicPartitionList;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::topic_partition_list::Offset;

use crate::Error;

/// One record read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// Key bytes (empty when none).
    pub key: Vec<u8>,
    /// Value bytes (empty when none).
    pub payload: Vec<u8>,
    /// Kafka timestamp, ms.
    pub timestamp_ms: Option<i64>,
}

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
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", brokers)
            .set("group.id", "forewarn-reader")
            .set("enable.auto.commit", "false")
            .set("fetch.wait.max.ms", "10");
        for (k, v) in extra {
            cfg.set(k, v);
        }
        let consumer: BaseConsumer = cfg.create().map_err(|e| Error::Config(e.to_string()))?;
        let md = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .map_err(|e| Error::Config(format!("metadata of {topic}: {e}")))?;
        let mut tpl = TopicPartitionList::new();
        for t in md.topics().iter().filter(|t| t.name() == topic) {
            for p in t.partitions() {
                tpl.add_partition_offset(topic, p.id(), Offset::Beginning)
                    .map_err(|e| Error::Config(e.to_string()))?;
            }
        }
        if tpl.count() == 0 {
            return Err(Error::Config(format!("topic {topic} has no partitions")));
        }
        consumer
            .assign(&tpl)
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Self {
            consumer,
            topic: topic.to_string(),
            next: Mutex::new(HashMap::new()),
        })
    }

    /// The next record, waiting up to `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<Record> {
        match self.consumer.poll(timeout)? {
            Ok(m) => {
                if let Ok(mut next) = self.next.lock() {
                    next.insert(m.partition(), m.offset() + 1);
                }
                Some(Record {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().unwrap_or_default().to_vec(),
                    payload: m.payload().unwrap_or_default().to_vec(),
                    timestamp_ms: m.timestamp().to_millis(),
                })
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
        let md = self
            .consumer
            .fetch_metadata(Some(&self.topic), timeout)
            .map_err(|e| Error::Config(e.to_string()))?;
        let mut ends = Vec::new();
        for t in md.topics().iter().filter(|t| t.name() == self.topic) {
            for p in t.partitions() {
                let (_, high) = self
                    .consumer
                    .fetch_watermarks(&self.topic, p.id(), timeout)
                    .map_err(|e| Error::Config(e.to_string()))?;
                ends.push((p.id(), high));
            }
        }
        let mut out = Vec::new();
        let done = || {
            let next = self.next.lock().map(|n| n.clone()).unwrap_or_default();
            ends.iter()
                .all(|(p, high)| *high == 0 || next.get(p).is_some_and(|n| n >= high))
        };
        while !done() {
            if Instant::now() > deadline {
                return Err(Error::Config(format!(
                    "reading {} to its end took longer than {timeout:?}",
                    self.topic
                )));
            }
            if let Some(r) = self.next(Duration::from_millis(100)) {
                out.push(r);
            }
        }
        Ok(out)
    }
}
