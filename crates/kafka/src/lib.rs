//! Forewarn's Kafka edge. Everything that talks to a broker goes through
//! here, so the rest of the workspace stays free of rdkafka (and of the C
//! build of librdkafka it brings).
//!
//! Layout:
//! - [`producer`]: a [`Producer`] that counts what the broker acknowledged
//!   and what it refused, and waits for every delivery report on flush.
//! - [`topics`]: create topics that do not exist yet ([`ensure_topics`]).
//!
//! Client settings beyond the brokers (TLS, SASL, tuning) are librdkafka's
//! own properties, passed through unchanged as `key=value` pairs.

pub mod producer;
pub mod topics;

pub use producer::{Deliveries, Error, Producer};
pub use topics::ensure_topics;
