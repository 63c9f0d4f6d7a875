//! Whole-pipeline runs on one machine, as library code so the `forewarn`
//! binary only parses arguments and prints: the demo (an embedded broker,
//! a simulated fleet streamed through the same runtime as `forewarn
//! score`, a shadow remediator, a summary scored against the labels) and
//! the streaming benchmark (throughput and latency of 1..N scorers on any
//! broker). Each is a few functions, one per phase.
//!
//! Layout:
//! - [`fleet`]: a simulated fleet as a pipeline ([`fleet_pipeline`]) and
//!   into Kafka ([`produce_fleet`]).
//! - [`observed`]: its labelled failures as the service events a
//!   supervisor would have published ([`observed_events`]).
//! - [`demo`]: [`demo::Demo`] — set up, stream, watch, summarise.
//! - [`bench`]: [`bench::StreamBench`] — encode, join, backlog, paced load.
//! - [`error`]: [`Error`], one variant per stage.

pub mod bench;
pub mod demo;
pub mod error;
pub mod fleet;
pub mod observed;
#[cfg(test)]
mod testing;

pub use error::{Error, Result};
pub use fleet::{fleet_pipeline, fleet_pipeline_yaml, produce_fleet};
pub use observed::observed_events;
