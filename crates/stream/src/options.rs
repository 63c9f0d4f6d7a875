//! What one `forewarn score` process is given besides the pipeline and
//! the model: [`ScoreOptions`] (brokers, group, checkpoint interval, and
//! the scorer's own options nested), the pipeline's [`Topics`], and
//! [`ensure_topics`] to create them.

use std::time::Duration;

use forewarn_config::PipelineConfig;
use forewarn_scorer::ScorerOptions;

use crate::error::Error;
use crate::limits::RecordLimits;

/// How one `forewarn score` process runs (what is not in the pipeline).
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Bootstrap brokers, `host:port[,host:port]`.
    pub brokers: String,
    /// Consumer group shared by all scorer processes of one pipeline.
    pub group: String,
    /// Kafka client properties passed through (TLS, SASL, tuning).
    pub client: Vec<(String, String)>,
    /// Wall-clock time between checkpoints (and offset commits).
    pub checkpoint_every: Duration,
    /// The scorer's options. Its `max_series` caps the series in memory
    /// across all partitions of the process; a series without a sample for
    /// its `idle_after` (event time, relative to the newest sample of its
    /// partition) is evicted.
    pub scorer: ScorerOptions,
    /// Keep every latency (benchmarks).
    pub keep_latencies: bool,
    /// How far ahead an event time may be of both the wall clock and the
    /// newest event time of its partition. A sample or log line beyond it
    /// goes to the dead-letter topic (`future_timestamp`) and moves no
    /// clock: one record stamped 9999-12-31 would otherwise evict every
    /// series and resolve every incident of its partition.
    pub max_future: Duration,
    /// How large a record, and the names of a series in it, may be;
    /// beyond, the record is a dead letter (`oversize_record`,
    /// `oversize_labels`).
    pub limits: RecordLimits,
    /// How long to wait at start for the brokers to answer; past it the
    /// run fails, naming the addresses it could not reach.
    pub startup_timeout: Duration,
    /// Create the pipeline's topics at start with this many partitions
    /// (see [`ensure_topics`]), unless they exist.
    pub create_topics: Option<i32>,
    /// Check at start that the checkpoint topic is compacted (a warning
    /// if not). Off for librdkafka's embedded mock broker, which does not
    /// answer the request (DescribeConfigs).
    pub check_compaction: bool,
    /// Move an input's clock on by wall time once its partition has read
    /// nothing for 5 s, so a source that stopped is found silent although
    /// nothing else arrives (live streams). Off for a replay faster than
    /// real time (the demo), where a pause of the producer says nothing
    /// about event time.
    pub idle_advance: bool,
}

/// Default of [`ScoreOptions::max_future`]: 5 minutes.
pub const DEFAULT_MAX_FUTURE: Duration = Duration::from_secs(300);

/// Default of [`ScoreOptions::startup_timeout`]: 30 s.
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

impl ScoreOptions {
    /// Defaults for `brokers`.
    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            group: "forewarn-scorer".into(),
            client: Vec::new(),
            checkpoint_every: Duration::from_secs(10),
            scorer: ScorerOptions::default(),
            keep_latencies: false,
            max_future: DEFAULT_MAX_FUTURE,
            limits: RecordLimits::default(),
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
            create_topics: None,
            check_compaction: true,
            idle_advance: true,
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

    /// Every topic a scorer reads or writes.
    pub fn all(&self) -> Vec<&str> {
        let mut all = self.sources();
        all.extend([
            self.predictions.as_str(),
            self.optimizations.as_str(),
            self.dead_letter.as_str(),
            self.checkpoints.as_str(),
        ]);
        all
    }

    /// The source topics (metrics, then logs).
    pub fn sources(&self) -> Vec<&str> {
        std::iter::once(self.metrics.as_str())
            .chain(self.logs.as_deref())
            .collect()
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
        TopicSpec {
            name: &pipeline.sinks.control,
            partitions: 1,
            config: vec![("cleanup.policy", "compact")],
        },
    ];
    if let Some(l) = &t.logs {
        specs.push(plain(l));
    }
    forewarn_kafka::ensure(brokers, client, &specs, timeout).map_err(Error::Topics)
}
