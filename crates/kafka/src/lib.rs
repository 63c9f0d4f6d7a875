//! Forewarn's Kafka edge. Everything that talks to a broker goes through
//! here, so the rest of the workspace stays free of rdkafka (and of the C
//! build of librdkafka it brings).
//!
//! The runtime (`forewarn-stream`, the remediator) sees a broker only
//! through three traits over plain [`Record`]s: a [`Source`] (a member of
//! a consumer group, with rebalances handed to a [`Rebalance`] handler), a
//! [`Sink`] (a producer with delivery reports) and [`ReadTopic`] (a whole
//! topic, e.g. checkpoints). They are implemented over Kafka
//! ([`KafkaSource`], [`Producer`], [`ConsumerBuilder`]) and in memory
//! ([`MemoryBroker`]), so the runtime is tested without a broker.
//!
//! Layout:
//! - [`record`]: [`Record`], [`Outgoing`], [`Delivery`], dead-letter headers.
//! - [`io`]: the traits [`Source`], [`Sink`], [`ReadTopic`], [`Rebalance`].
//! - [`error`]: [`Error`], one variant per stage.
//! - [`producer`]: [`Producer`] ([`ProducerBuilder`]), counting what the
//!   broker acknowledged and refused, waiting for every report on flush.
//! - [`consumer`]: [`ConsumerBuilder`] (group settings in one place) and
//!   [`KafkaSource`], the group member; `message`: rdkafka's messages
//!   copied into [`Record`]s.
//! - [`memory`]: [`MemoryBroker`], [`MemorySource`], [`MemorySink`].
//! - [`embedded`]: [`EmbeddedBroker`], librdkafka's mock cluster in-process
//!   (the demo's zero-setup broker).
//! - [`reader`]: [`TopicReader`], a whole topic read from the beginning.
//! - [`tail`]: [`Tail`], several topics followed outside any group, each
//!   from its own [`Start`] (beginning, end, or a point in time).
//! - [`topics`]: create topics that do not exist yet ([`ensure_topics`],
//!   or [`ensure`] with per-topic settings); read a topic's setting back
//!   ([`topic_config`]).
//! - [`cluster`]: the start-up [`probe`]: can a broker be reached, which
//!   topics exist.
//! - [`throttle`]: [`Throttle`], one log line per interval for errors that
//!   repeat many times a second.
//! - [`order`]: records of a partition in offset order, each once (the
//!   repair of tansu's mid-batch fetches); [`tracker`]: [`Tracker`], the
//!   same check for a plain group member.
//!
//! Client settings beyond the brokers (TLS, SASL, tuning) are librdkafka's
//! own properties, passed through unchanged as `key=value` pairs.

pub mod cluster;
pub mod consumer;
pub mod embedded;
pub mod error;
pub mod io;
pub mod memory;
mod message;
pub mod order;
pub mod producer;
pub mod reader;
pub mod record;
pub mod tail;
pub mod throttle;
pub mod topics;
pub mod tracker;

pub use cluster::{Cluster, probe};
pub use consumer::{ConsumerBuilder, KafkaSource};
pub use embedded::EmbeddedBroker;
pub use error::Error;
pub use io::{AcceptAll, Commit, ReadTopic, Rebalance, Sink, Source, Watermark};
pub use memory::{MemoryBroker, MemorySink, MemorySource};
pub use producer::{Producer, ProducerBuilder};
pub use reader::TopicReader;
pub use record::{
    Deliveries, Delivery, DeliveryHook, Headers, Outgoing, Record, TopicPartition,
    dead_letter_headers,
};
pub use tail::{Start, Tail};
pub use throttle::Throttle;
pub use topics::{TopicSpec, ensure, ensure_topics, topic_config};
pub use tracker::Tracker;
