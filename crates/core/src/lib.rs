//! Forewarn's domain types: the event contracts that other systems read and
//! write, the key that names a series, human durations and deterministic ids.
//!
//! This crate does no I/O and has no async code, so every other crate can
//! depend on it without cost.
//!
//! Layout:
//! - [`contracts`]: the versioned event types (metric sample, log record,
//!   predicted issue, optimization event, remediation outcome, service
//!   event) and their
//!   JSON Schemas.
//! - [`decode`]: typed decoding of those events from bytes; errors name the
//!   field and the reason.
//! - [`format`]: [`Format`], the wire formats of a metrics topic.
//! - [`series`]: [`SeriesKey`], the identity of one metric series.
//! - [`duration`]: `90m` / `7d` style durations used in configs and on the
//!   command line.
//! - [`graph`]: the service dependency graph and root-cause ranking
//!   (shared by the scorer and the fleet correlator).
//! - [`id`]: content-derived ids, stable across processes and restarts.
//!
//! ```
//! use forewarn_core::{decode::decode_metric, contracts::MetricSample};
//! let raw = br#"{"ts":"2026-01-01T00:00:00Z","service":"api","metric":"cpu","value":0.5}"#;
//! let sample: MetricSample = decode_metric(raw).unwrap();
//! assert_eq!(sample.service, "api");
//! ```

pub mod contracts;
pub mod decode;
pub mod duration;
pub mod format;
pub mod graph;
pub mod id;
pub mod series;

pub use contracts::SCHEMA_VERSION;
pub use duration::HumanDuration;
pub use format::{Format, UnknownFormat};
pub use series::SeriesKey;
