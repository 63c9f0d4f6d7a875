//! The scorer: samples in, predicted-issue and optimization events out. It
//! is synchronous and does no I/O, so the Kafka runtime, the backtester and
//! the demo all run the same code.
//!
//! Layout:
//! - [`incidents`]: from per-sample signals (a probability for a kind of
//!   issue on a target) to one event per incident, with thresholds,
//!   hysteresis, a minimum duration and suppression of repeats.
//! - [`scorer`]: [`Scorer`], the whole path from a sample to events.
//! - [`logs`]: log records → template mining per service → per-minute log
//!   features (pushed into the windows) → log-anomaly beliefs.
//! - [`optimize`]: optimization advice (over-provisioning, scale up ahead
//!   of a trend, timeouts below the observed p99) and its cooldowns.
//! - [`root_cause`]: rank the likely origin of a service's trouble from the
//!   dependency graph and the order of onset.

pub mod incidents;
pub mod logs;
pub mod optimize;
pub mod root_cause;
pub mod scorer;

pub use incidents::{IncidentPolicy, IncidentTracker, Signal};
pub use scorer::{Events, Restored, Scorer, ScorerOptions, ScorerState};
