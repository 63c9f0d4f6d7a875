//! Plain records, the currency of [`crate::Source`] and [`crate::Sink`]:
//! what was read ([`Record`]: topic, partition, offset, key, payload,
//! headers, timestamp), what is sent ([`Outgoing`]), and what the broker
//! said about it ([`Delivery`], counted in [`Deliveries`]). Nothing here
//! depends on a client library, so the runtime and its tests share them.

use std::sync::Arc;

/// Headers of a record, in order: (key, value).
pub type Headers = Vec<(String, Vec<u8>)>;

/// A topic and one of its partitions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
}

impl TopicPartition {
    /// `topic`/`partition`.
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

/// One record read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    /// Key bytes (empty when none).
    pub key: Vec<u8>,
    /// Value bytes (empty when none).
    pub payload: Vec<u8>,
    /// Headers, in order.
    pub headers: Headers,
    /// Kafka timestamp, ms.
    pub timestamp_ms: Option<i64>,
}

impl Record {
    /// The value of header `key`, if present (the first one).
    pub fn header(&self, key: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
}

/// One message to send.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// Topic.
    pub topic: &'a str,
    /// Key (partitioning: the same key, the same partition).
    pub key: &'a [u8],
    /// Value.
    pub payload: &'a [u8],
    /// Headers.
    pub headers: &'a [(String, Vec<u8>)],
    /// The caller's tag, handed back with the message's [`Delivery`]
    /// (the stream passes the source record's timestamp, for latency).
    pub tag: i64,
}

impl<'a> Outgoing<'a> {
    /// A message without headers or tag.
    pub fn new(topic: &'a str, key: &'a [u8], payload: &'a [u8]) -> Self {
        Self {
            topic,
            key,
            payload,
            headers: &[],
            tag: 0,
        }
    }
}

/// The broker's answer about one message.
#[derive(Debug)]
pub struct Delivery<'a> {
    /// The message's topic.
    pub topic: &'a str,
    /// The tag it was sent with.
    pub tag: i64,
    /// Why it failed for good, if it did.
    pub error: Option<&'a (dyn std::error::Error + 'static)>,
}

/// Called with each delivery report, on the thread that polls or flushes
/// the sink.
pub type DeliveryHook = Arc<dyn Fn(&Delivery<'_>) + Send + Sync>;

/// Delivery counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deliveries {
    /// Messages the broker acknowledged.
    pub acked: u64,
    /// Messages that failed for good.
    pub failed: u64,
}

/// Headers of a dead letter: where the record came from and why it was
/// refused (its payload is the record's bytes, unchanged).
pub fn dead_letter_headers(topic: &str, partition: i32, offset: i64, reason: &str) -> Headers {
    vec![
        ("forewarn.source.topic".into(), topic.as_bytes().to_vec()),
        (
            "forewarn.source.partition".into(),
            partition.to_string().into_bytes(),
        ),
        (
            "forewarn.source.offset".into(),
            offset.to_string().into_bytes(),
        ),
        ("forewarn.reason".into(), reason.as_bytes().to_vec()),
    ]
}
