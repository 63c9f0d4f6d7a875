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
//! Layout:
//! - [`runner`]: [`run`], the consumer loop, rebalances, shutdown.
//! - `worker`: what is done with one record and with owned partitions.
//! - [`checkpoint`]: partition state in and out of the checkpoint topic.
//! - `publish`: the producer, with delivery accounting and latency.
//! - [`metrics`]: [`Stats`], and `/metrics` and `/health` ([`serve`]).

use std::time::Duration;

use forewarn_config::PipelineConfig;
use rdkafka::config::ClientConfig;

pub mod checkpoint;
pub mod metrics;
mod order;
mod publish;
pub mod runner;
mod worker;

pub use metrics::{Latencies, Stats, serve};
pub use runner::{Summary, run};

/// Errors of the runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A Kafka client call failed.
    #[error("kafka: {0}")]
    Kafka(String),
    /// The pipeline or model cannot be scored.
    #[error("scorer: {0}")]
    Scorer(String),
    /// A checkpoint could not be written or read.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// Messages were not acknowledged; offsets were not committed past them.
    #[error(
        "{0} message(s) were never acknowledged by the broker; offsets were not committed past them, so a restart replays them"
    )]
    Delivery(u64),
}

/// How one `forewarn score` process runs (what is not in the pipeline).
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Bootstrap brokers, `host:port[,host:port]`.
    pub brokers: String,
    /// Consumer group shared by all scorer processes of one pipeline.
    pub group: String,
    /// librdkafka properties passed through (TLS, SASL, tuning).
    pub client: Vec<(String, String)>,
    /// Wall-clock time between checkpoints (and offset commits).
    pub checkpoint_every: Duration,
    /// Most series in memory across all partitions.
    pub max_series: usize,
    /// A series without a sample for this long (event time, relative to
    /// the newest sample of its partition) is evicted.
    pub idle_after: Duration,
    /// Keep every latency (benchmarks).
    pub keep_latencies: bool,
}

impl ScoreOptions {
    /// Defaults for `brokers`.
    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            group: "forewarn-scorer".into(),
            client: Vec::new(),
            checkpoint_every: Duration::from_secs(10),
            max_series: 1_000_000,
            idle_after: Duration::from_secs(6 * 3600),
            keep_latencies: false,
        }
    }
}

/// The topics of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    /// Metric samples in.
    pub metrics: String,
    /// Log records in, if the pipeline reads logs.
    pub logs: Option<String>,
    /// Predicted-issue events out.
    pub predictions: String,
    /// Optimization events out.
    pub optimizations: String,
    /// Records that could not be decoded.
    pub dead_letter: String,
    /// Partition state.
    pub checkpoints: String,
}

impl Topics {
    /// The topics `pipeline` names.
    pub fn of(pipeline: &PipelineConfig) -> Self {
        Self {
            metrics: pipeline.sources.metrics.topic.clone(),
            logs: pipeline.sources.logs.as_ref().map(|l| l.topic.clone()),
            predictions: pipeline.sinks.predictions.clone(),
            optimizations: pipeline.sinks.optimizations.clone(),
            dead_letter: pipeline.sinks.dead_letter.clone(),
            checkpoints: pipeline.sinks.checkpoints.clone(),
        }
    }
}

/// Create the pipeline's topics unless they exist: the sources with
/// `partitions` partitions (co-partitioned, as the scorer expects), the
/// sinks (remediation outcomes included) with as many, and the checkpoint
/// topic compacted with one.
pub fn ensure_topics(
    pipeline: &PipelineConfig,
    brokers: &str,
    client: &[(String, String)],
    partitions: i32,
    timeout: Duration,
) -> Result<(), Error> {
    use forewarn_kafka::TopicSpec;
    let t = Topics::of(pipeline);
    let plain = |name| TopicSpec {
        name,
        partitions,
        config: Vec::new(),
    };
    let outcomes = &pipeline.sinks.outcomes;
    let mut specs = vec![
        plain(&t.metrics),
        plain(outcomes),
        plain(&t.predictions),
        plain(&t.optimizations),
        plain(&t.dead_letter),
        TopicSpec {
            name: &t.checkpoints,
            partitions: 1,
            config: vec![("cleanup.policy", "compact")],
        },
    ];
    if let Some(l) = &t.logs {
        specs.push(plain(l));
    }
    forewarn_kafka::ensure(brokers, client, &specs, timeout)
        .map_err(|e| Error::Kafka(e.to_string()))
}

/// Base client settings: the brokers, then the pass-through properties.
pub(crate) fn client_config(brokers: &str, extra: &[(String, String)]) -> ClientConfig {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", brokers);
    for (k, v) in extra {
        cfg.set(k, v);
    }
    cfg
}
