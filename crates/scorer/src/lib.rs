//! The scorer: samples in, predicted-issue and optimization events out. It
//! is synchronous and does no I/O, so the Kafka runtime, the backtester and
//! the demo all run the same code.
//!
//! Layout:
//! - [`incidents`]: from per-sample signals (a probability for a kind of
//!   issue on a target) to one event per incident, with thresholds,
//!   hysteresis, a minimum duration and suppression of repeats.
//! - [`scorer`]: [`Scorer`], the whole path from a sample to events. Its
//!   `mod.rs` is the facade (`new`, `on_metric`, `on_log`, `snapshot`,
//!   `restore`, eviction); beside it:
//!   - `options.rs`: [`ScorerOptions`] and their defaults, [`Events`];
//!   - `route.rs`: what each (service, metric) feeds, resolved once, and
//!     the (service, instance) table;
//!   - `state.rs`: per-series and per-instance state kept by the scorer;
//!   - `evaluate.rs`: the internal `Evaluator` trait every model
//!     implements, and the context it evaluates with;
//!   - `trend.rs`: limit-crossing forecasts of capacity and SLO series
//!     (the maths is `forewarn_models::trend::Forecaster`);
//!   - `advice.rs`: the advisor's hourly CPU and latency checks;
//!   - `univariate.rs`: the per-series online anomaly detectors;
//!   - `cluster.rs`: the per-instance cluster models and their plans;
//!   - `log_anomaly.rs`: held log-anomaly beliefs and their evidence;
//!   - `signal.rs`: signal stamping, the emit-or-not rule, root cause and
//!     the hand-over to the tracker;
//!   - `checkpoint.rs`: [`ScorerState`], the saved learned state.
//! - [`logs`]: log records → template mining per service → per-minute log
//!   features (pushed straight into the windows) → log-anomaly beliefs;
//!   `baseline.rs` holds its statistics.
//! - [`error`]: the crate's [`Error`], by stage.
//! - [`optimize`]: optimization advice (over-provisioning, scale up ahead
//!   of a trend, timeouts below the observed p99) and its cooldowns.
//! - [`root_cause`]: rank the likely origin of a service's trouble from the
//!   dependency graph and the order of onset.

pub mod error;
pub mod incidents;
pub mod logs;
pub mod optimize;
pub mod root_cause;
pub mod scorer;

pub use error::{Error, Result};
pub use incidents::{IncidentPolicy, IncidentTracker, Signal};
pub use scorer::{
    DEFAULT_EVAL_EVERY, DEFAULT_IDLE_AFTER, DEFAULT_MAX_SERIES, Events, Input, Restored, Scorer,
    ScorerOptions, ScorerState, ScorerStateRef,
};
