//! The remediator: acts on predicted issues safely.
//!
//! ```text
//! predictions topic ─▶ Remediator (policy, safety, de-dup) ─▶ executors (argv / HTTP / Kafka)
//!                           │  ▲ results, resolutions           │
//!                           ▼  │                                ▼
//!                     audit log (hash chain)  ──▶  remediation-outcomes topic
//! ```
//!
//! Shadow mode is the default; the kill switch (`RELIABILITY_ENGINE_ENABLED`
//! at start, the control topic live: `forewarn_control`) stops every
//! action at once; actions are enabled service by service; cooldowns,
//! a rate limit, circuit breakers and a concurrency limit bound what can
//! happen; each action is verified (the issue must clear) and escalated
//! along its chain when it does not help.
//!
//! Layout:
//! - [`policy`]: the policy file and its checks.
//! - [`engine`]: [`Remediator`], decisions without I/O.
//! - [`executor`]: running one action (command, webhook, Kafka message),
//!   with timeout, retries, backoff and jitter.
//! - [`audit`]: the hash-chained (optionally keyed) audit log, its
//!   verification and replay.
//! - [`runtime`]: the Kafka loop of `forewarn remediate`.
//! - [`episode`]: acting once on an episode of the fleet correlator (its
//!   root cause), its members recorded as covered; the [`episode::Gate`].
//! - [`optimization`]: acting on optimization advice under the same rules.

pub mod audit;
pub mod engine;
pub mod episode;
pub mod executor;
pub mod optimization;
pub mod policy;
pub mod runtime;

pub use engine::{Remediator, Step};
pub use policy::{Mode, Policy};
