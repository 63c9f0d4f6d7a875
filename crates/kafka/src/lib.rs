//! Forewarn's Kafka edge. Everything that talks to a broker goes through
//! here, so the rest of the workspace stays free of rdkafka (and of the C
//! build of librdkafka it brings).
//!
//! Layout:
//! - [`producer`]: a [`Producer`] that counts what the broker acknowledged
//!   and what it refused, and waits for every delivery report on flush.
//! - [`embedded`]: [`EmbeddedBroker`], librdkafka's mock cluster in-process
//!   (the demo's zero-setup broker).
//! - [`reader`]: [`TopicReader`], a whole topic read from the beginning.
//! - [`topics`]: create topics that do not exist yet ([`ensure_topics`],
//!   or [`ensure`] with per-topic settings).
//!
//! Client settings beyond the brokers (TLS, SASL, tuning) are librdkafka's
//! own properties, passed through unchanged as `key=value` pairs.

pub mod embedded;
pub mod producer;
pub mod reader;
pub mod topics;

pub use embedded::EmbeddedBroker;
pub use producer::{Deliveries, Error, Producer, dead_letter_headers};
pub use reader::{Record, TopicReader};
pub use topics::{TopicSpec, ensure, ensure_topics};
