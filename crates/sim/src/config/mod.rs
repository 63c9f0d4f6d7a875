//! The simulator configuration, in three parts: the run itself, its
//! scenarios, its outputs.

mod output;
mod scenarios;
mod sim;

pub use output::{Compression, OutputConfig, OutputFormat};
pub use scenarios::{IncidentMix, ScenarioConfig, TrapMix};
pub use sim::{LogConfig, SimConfig, TrafficConfig, default_start};
