//! A broker in memory, for tests of the runtime without a broker process:
//! [`MemoryBroker`] (topics, consumer groups with Kafka's eager range
//! protocol, injected delivery failures, tansu-like batch fetches),
//! [`MemorySource`] (a group member) and [`MemorySink`] (a producer).

mod broker;
mod sink;
mod source;

pub use broker::MemoryBroker;
pub use sink::{InjectedFailure, MemorySink};
pub use source::MemorySource;
