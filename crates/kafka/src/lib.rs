//! Forewarn's Kafka edge. Everything that talks to a broker goes through
//! here, so the rest of the workspace stays free of rdkafka (and of the C
//! build of librdkafka it brings).
//!
//! Layout:
//! - [`producer`]: a [`Producer`] that counts what the broker acknowledged
//!   and what it refused, and waits for every delivery report on flush.
//!
//! Client settings beyond the brokers (TLS, SASL, tuning) are librdkafka's
//! own properties, passed through unchanged as `key=value` pairs.

pub mod producer;

pub use producer::{Deliveries, Error, Producer};
