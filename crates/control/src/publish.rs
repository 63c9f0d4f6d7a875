//! What `forewarn control` does: read the switch's state from the control
//! topic ([`status`]), and publish a flip ([`flip`]): the topic is created
//! first (one partition, compacted) unless it exists, the previous state
//! is read and recorded in the message, and the publish waits for the
//! broker's acknowledgement.

use std::time::Duration;

use chrono::Utc;
use forewarn_core::contracts::{CONTROL_KEY, ControlMessage, SwitchState};
use forewarn_core::id::content_id;
use forewarn_kafka::{Producer, TopicReader, TopicSpec};

use crate::follow::{ControlTopic, decode};

/// Errors of [`status`] and [`flip`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Creating, reading or writing the topic failed.
    #[error("control topic {topic}: {source}")]
    Kafka {
        /// The topic.
        topic: String,
        /// Why.
        #[source]
        source: forewarn_kafka::Error,
    },
    /// The broker did not acknowledge the message.
    #[error("control topic {0}: the broker did not acknowledge the message")]
    NotAcknowledged(String),
}

fn kafka(topic: &ControlTopic) -> impl Fn(forewarn_kafka::Error) -> Error + '_ {
    |source| Error::Kafka {
        topic: topic.topic.clone(),
        source,
    }
}

/// The latest control message on the topic (`None`: never flipped, or
/// the topic does not exist).
pub fn status(topic: &ControlTopic, timeout: Duration) -> Result<Option<ControlMessage>, Error> {
    let reader = match TopicReader::new(&topic.brokers, &topic.client, &topic.topic) {
        Ok(r) => r,
        Err(forewarn_kafka::Error::NoPartitions(_)) => return Ok(None),
        Err(e) => return Err(kafka(topic)(e)),
    };
    let records = reader.read_to_end(timeout).map_err(kafka(topic))?;
    Ok(records.iter().rev().find_map(decode))
}

/// Publish `state` (by `by`, for `reason`), creating the topic unless it
/// exists; returns the message published.
pub fn flip(
    topic: &ControlTopic,
    state: SwitchState,
    by: &str,
    reason: &str,
    timeout: Duration,
) -> Result<ControlMessage, Error> {
    let spec = TopicSpec {
        name: &topic.topic,
        partitions: 1,
        config: vec![("cleanup.policy", "compact")],
    };
    forewarn_kafka::ensure(&topic.brokers, &topic.client, &[spec], timeout)
        .map_err(kafka(topic))?;
    let previous = status(topic, timeout)?.map(|m| m.state);
    let ts = Utc::now();
    let message = ControlMessage {
        schema_version: forewarn_core::SCHEMA_VERSION,
        id: content_id(&[by, &ts.to_rfc3339(), state.name(), reason]),
        ts,
        state,
        by: by.to_string(),
        reason: reason.to_string(),
        previous,
    };
    let producer = Producer::new(&topic.brokers, &topic.client).map_err(kafka(topic))?;
    let payload = serde_json::to_vec(&message).unwrap_or_default();
    producer
        .send(&topic.topic, CONTROL_KEY.as_bytes(), &payload)
        .map_err(kafka(topic))?;
    let d = producer.flush(timeout).map_err(kafka(topic))?;
    if d.failed > 0 || d.acked == 0 {
        return Err(Error::NotAcknowledged(topic.topic.clone()));
    }
    Ok(message)
}
