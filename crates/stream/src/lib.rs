//! The streaming scorer: Forewarn's production path.
//!
//! ```text
//! metrics topic ─┐                          ┌─▶ predictions topic (keyed by service)
//!                ├▶ decode ─▶ Scorer (per ──┼─▶ optimizations topic
//! logs topic ────┘    │       partition)    └─▶ checkpoints topic (state, compacted)
//!                     └─▶ dead-letter topic (bytes + source + reason)
//! ```
//!
//! One process is one member of a consumer group; partitions are shared by
//! the group's members and move between them on rebalance, each with its
//! state (see [`checkpoint`]). Delivery is at-least-once end to end:
//! offsets are committed only after the events they caused and the state
//! they correspond to are acknowledged by the broker, and event ids are
//! deterministic, so a replay after a crash yields duplicates a consumer
//! can drop by id, never a lost incident.
//!
//! The broker is reached only through `forewarn-kafka`'s traits (a
//! [`forewarn_kafka::Source`], a [`forewarn_kafka::Sink`], a
//! [`forewarn_kafka::ReadTopic`], bundled as an [`Edge`]): [`run`] builds
//! Kafka ones, tests pass in-memory ones to [`run_on`].
//!
//! Layout (each file uses only those listed after it):
//! - [`runner`]: [`run`] and [`run_on`], the consumer loop and shutdown.
//! - `startup`: the checks before joining: broker reachable, topics there.
//! - `rebalance`: taking partitions on and giving them up; checkpoints
//!   and commits.
//! - `worker`: what is done with one record; housekeeping and lag.
//! - [`checkpoint`]: partition state in and out of the checkpoint topic.
//! - `publish`: the producer, with delivery accounting and latency.
//! - offset-order repair (records skipped by the broker): `forewarn_kafka::order`;
//!   `stall`: the same repair started for a partition that reads nothing.
//! - `copartition`: which partition each service arrives on; a service
//!   on two is reported.
//! - `clock`: each partition's event-time clock, and the bound on how far
//!   ahead a record's event time may be.
//! - `internal_events`: named events that log and count in one place.
//! - [`metrics`]: [`Stats`], and `/metrics` and `/health` ([`serve`]).
//! - [`options`]: [`ScoreOptions`], [`Topics`], [`ensure_topics`].
//! - [`limits`]: [`RecordLimits`], how large a record and a series'
//!   identity may be.
//! - [`error`]: [`Error`], one variant per stage.

pub mod checkpoint;
mod clock;
mod copartition;
pub mod error;
mod idle;
mod internal_events;
pub mod limits;
pub mod metrics;
pub mod options;
mod publish;
mod rebalance;
pub mod runner;
mod stall;
mod startup;
mod worker;

pub use error::{CheckpointError, Error};
pub use limits::RecordLimits;
pub use metrics::{Exposition, Latencies, Stats, serve, serve_any};
pub use options::{
    DEFAULT_MAX_FUTURE, DEFAULT_STARTUP_TIMEOUT, ScoreOptions, Topics, ensure_topics,
};
pub use runner::{Edge, Summary, run, run_on};
