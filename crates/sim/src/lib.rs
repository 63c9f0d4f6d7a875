//! Forewarn's fleet simulator: realistic service metrics and logs with
//! labelled failures and traps. It is the ground truth for tests,
//! backtests, the demo and the default model.
//!
//! A fleet of services with a dependency graph (gateway → APIs → database,
//! cache, queue; workers consume the queue) emits 13 metrics per instance at
//! a fixed interval, with daily and weekly seasonality, noise, traffic
//! growth and deploys, plus log lines from realistic templates. Failure
//! scenarios (memory leak until OOM kill, disk fill, connection-pool
//! exhaustion, latency creep, error burst after a bad deploy, CPU
//! saturation, GC thrash, cascading failure) are planned in advance and
//! labelled with their onset, failure time and root cause; traps (traffic
//! peaks, planned deploys, nightly batches) are labelled separately and
//! never contain a failure. Everything derives from the seed: the same
//! [`SimConfig`] gives the same bytes, whatever the thread count.
//!
//! # Metrics
//!
//! | metric | unit | meaning |
//! |---|---|---|
//! | `cpu_utilization` | ratio 0-1 | CPU used by the instance |
//! | `memory_rss_bytes` | bytes | resident set size |
//! | `memory_limit_bytes` | bytes | container memory limit (OOM kill at RSS = limit) |
//! | `gc_pause_ms` | ms | longest stop-the-world GC pause in the interval |
//! | `disk_used_bytes` | bytes | used space on the data volume |
//! | `disk_capacity_bytes` | bytes | size of the data volume |
//! | `connections_open` | count | connections open in the main pool |
//! | `connections_max` | count | pool size |
//! | `requests_per_second` | 1/s | requests, queries, messages or jobs handled |
//! | `error_rate` | ratio 0-1 | share of requests that failed |
//! | `latency_p50_ms` | ms | median latency |
//! | `latency_p99_ms` | ms | 99th-percentile latency |
//! | `queue_depth` | items | items waiting in the instance's work queue |
//!
//! Values are rounded (4 decimals for CPU, 5 for error rate, 2 for
//! latencies, GC pauses and request rates, integers otherwise), so the CSV
//! text and the Parquet doubles are exactly equal.
//!
//! # Outputs of [`simulate`]
//!
//! - `metrics.parquet`: columns `ts` (`Datetime(Milliseconds, UTC)`, i.e.
//!   i64 ms since the epoch), `service`, `instance`, `metric` (strings,
//!   dictionary-encoded in the file), `value` (`Float64`); one row group
//!   per ~1 M rows ([`OutputConfig::rows_per_group`]), LZ4 by default
//!   ([`Compression`]).
//! - `metrics.csv`: `ts,service,instance,metric,value`, `ts` in RFC 3339 UTC.
//! - `logs.jsonl`: one [`forewarn_core::contracts::LogRecord`] per line.
//! - `labels.json`: [`Labels`]: services, thresholds, incidents, traps.
//!
//! Rows are in time order; within a step, services in [`Topology`] order,
//! then instances, then metrics in [`Metric::ALL`] order.
//!
//! # Scale
//!
//! 1,000 services × 7 days at 10 s is 786 M rows: about a minute of CPU,
//! under 200 MB resident. Blocks of ~1 M rows are generated with services
//! split across threads, encoded to Parquet row groups on a pool of
//! threads and written in order; every channel is bounded. The string
//! columns are shared dictionaries, written without hashing.
//!
//! # Features
//!
//! - `parquet` (default): `metrics.parquet` through polars. Without it the
//!   crate does not depend on polars; [`Fleet`], CSV and JSONL still work.
//!
//! # Layout
//!
//! - `config`: [`SimConfig`] and its parts, with validation.
//! - `metric`, `scenario`, `topology`: the vocabulary ([`Metric`],
//!   [`IncidentKind`], [`TrapKind`], [`Role`], [`Topology`]).
//! - `labels`: [`Labels`], the content of `labels.json`.
//! - `plan`: places incidents and traps before the run.
//! - `model`: per-service parameters, normal behaviour, effects, the step.
//! - `logs`: templates and the per-instance log emitter.
//! - `traffic`, `rng`: seasonality and seeded random streams.
//! - `engine`: the block generator shared by [`Fleet`] and [`simulate`].
//! - `fleet`: [`Fleet`], the in-memory step iterator.
//! - `output`: [`simulate`] and the Parquet, CSV and JSONL writers.
//! - `error`: [`Error`].
//!
//! # Example
//!
//! ```
//! use forewarn_sim::{Fleet, IncidentKind, SimConfig};
//! let cfg = SimConfig {
//!     services: 6,
//!     duration: "1d".parse().unwrap(),
//!     interval: "60s".parse().unwrap(),
//!     seed: 7,
//!     ..SimConfig::default()
//! };
//! let fleet = Fleet::new(&cfg).unwrap();
//! let labels = fleet.labels().clone();
//! assert!(labels.incidents.iter().any(|i| i.kind == IncidentKind::MemoryLeak));
//! let mut samples = 0;
//! for step in fleet {
//!     samples += step.metrics.len();
//! }
//! assert_eq!(samples, 1440 * 6 * 13);
//! ```

mod config;
mod engine;
mod error;
mod fleet;
mod labels;
mod logs;
mod metric;
mod model;
mod output;
mod plan;
mod rng;
mod role;
mod scenario;
mod topology;
mod traffic;

pub use config::{
    Compression, IncidentMix, LogConfig, OutputConfig, OutputFormat, ScenarioConfig, SimConfig,
    TrafficConfig, TrapMix, default_start,
};
pub use error::{Error, Result};
pub use fleet::{Fleet, StepBatch};
pub use labels::{Incident, LABELS_FORMAT, Labels, ServiceInfo, Signal, Thresholds, Trap};
pub use metric::Metric;
pub use output::{
    LABELS_JSON, LOGS_JSONL, METRICS_CSV, METRICS_PARQUET, OutputFile, SimSummary, simulate,
};
pub use scenario::{IncidentKind, TrapKind};
pub use topology::{Role, Service, Topology};
