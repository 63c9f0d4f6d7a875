//! Shared by the Kafka end-to-end tests: read a topic back with a separate
//! rdkafka consumer.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

/// Every message of `topic` (`partitions` partitions, from the beginning)
/// as (key, payload parsed as JSON), stopping at `expected` messages or
/// after a minute.
pub(crate) fn consume_all(
    brokers: &str,
    topic: &str,
    partitions: i32,
    expected: u64,
) -> Vec<(String, serde_json::Value)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "forewarn-e2e")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&tpl).unwrap();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while (out.len() as u64) < expected && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let key = String::from_utf8(m.key().unwrap_or_default().to_vec()).unwrap();
            let value = serde_json::from_slice(m.payload().unwrap_or_default()).unwrap();
            out.push((key, value));
        }
    }
    out
}
