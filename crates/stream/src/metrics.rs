//! [`Stats`]: the runtime's own metrics, in one Prometheus registry, and
//! [`serve`]: `/metrics` (Prometheus text format) and `/health` (200 while
//! the loop turns and owns at least one partition, 503 otherwise) on a port
//! of their own, served by axum on a one-thread tokio runtime beside the
//! (synchronous) consumer loop. Another process serves its own metrics
//! the same way through [`Exposition`] and [`serve_any`] (`forewarn
//! correlate`).
//!
//! | metric | type | what |
//! |---|---|---|
//! | `forewarn_records_consumed_total{topic}` | counter | Kafka records read |
//! | `forewarn_samples_decoded_total` | counter | metric samples decoded |
//! | `forewarn_logs_decoded_total` | counter | log records decoded |
//! | `forewarn_records_rejected_total{reason}` | counter | records sent to the dead-letter topic: `malformed_metric`, `malformed_log`, `empty`, `future_timestamp` (event time beyond [`crate::ScoreOptions::max_future`]), `oversize_record`, `oversize_labels` (beyond [`crate::RecordLimits`]) |
//! | `forewarn_samples_refused_total{reason}` | counter | decoded samples the windows refused (late, duplicate, series cap) |
//! | `forewarn_consumer_lag{topic,partition}` | gauge | high watermark − next offset |
//! | `forewarn_events_published_total{topic}` | counter | events handed to the producer |
//! | `forewarn_delivery_failed_total` | counter | messages the broker never acknowledged |
//! | `forewarn_event_latency_seconds` | histogram | record produced → its event acknowledged |
//! | `forewarn_record_latency_seconds` | histogram | record produced → record scored |
//! | `forewarn_services_split_total` | counter | services seen on a second partition by this process (producers not keying by service with one partitioner; each is also a warning naming both partitions) |
//! | `forewarn_series_tracked` | gauge | series with windows in memory |
//! | `forewarn_series_evicted_total` | counter | series dropped: idle, or the idlest over the series cap after a restore |
//! | `forewarn_partitions_assigned` | gauge | partitions this process owns (`/health` is 503 at 0) |
//! | `forewarn_assignment_wait_seconds` | gauge | how long the process has owned no partition (0 while it owns some) |
//! | `forewarn_checkpoints_written_total` / `_bytes_total` | counter | state checkpoints |
//! | `forewarn_checkpoint_seconds` | histogram | how long a checkpoint held the consumer loop (events flushed, state written and acknowledged, offsets committed) |
//! | `forewarn_partitions_restored_total{how}` | counter | partitions resumed warm or started cold |
//! | `forewarn_records_replayed_total` | counter | records read again after their partition's state (skipped) |
//! | `forewarn_offset_gaps_total{how}` | counter | records handed out past the partition's next offset: `repaired` by seeking back, or `accepted` (the broker has no records there) |

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Reasons a record goes to the dead-letter topic (the `reason` label of
/// `forewarn_records_rejected_total`).
pub(crate) const REJECT_REASONS: [&str; 6] = [
    "malformed_metric",
    "malformed_log",
    "empty",
    "future_timestamp",
    "oversize_record",
    "oversize_labels",
];

/// Wall-clock milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A `topic` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TopicLabel {
    /// Kafka topic.
    pub topic: String,
}

/// A `reason` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    /// Short reason.
    pub reason: String,
}

/// A `(topic, partition)` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PartitionLabel {
    /// Kafka topic.
    pub topic: String,
    /// Partition.
    pub partition: i64,
}

/// A `how` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HowLabel {
    /// `warm` (from a checkpoint) or `cold`.
    pub how: String,
}

/// Everything the runtime counts; shared by the consumer loop, the
/// producer's delivery callbacks and the HTTP endpoint.
#[derive(Debug)]
pub struct Stats {
    registry: Registry,
    /// Kafka records read, per topic.
    pub consumed: Family<TopicLabel, Counter>,
    /// Metric samples decoded.
    pub decoded: Counter,
    /// Log records decoded.
    pub logs_decoded: Counter,
    /// Records sent to the dead-letter topic, per reason.
    pub rejected: Family<ReasonLabel, Counter>,
    /// Decoded samples the windows refused, per reason.
    pub refused: Family<ReasonLabel, Counter>,
    /// Consumer lag per partition.
    pub lag: Family<PartitionLabel, Gauge>,
    /// Events handed to the producer, per topic.
    pub published: Family<TopicLabel, Counter>,
    /// Messages never acknowledged.
    pub delivery_failed: Counter,
    /// Record produced → event acknowledged, seconds.
    pub event_latency: Histogram,
    /// Record produced → record scored, seconds.
    pub record_latency: Histogram,
    /// Series in memory.
    pub series: Gauge,
    /// Idle series dropped.
    pub evicted: Counter,
    /// Services seen on a second partition (co-partitioning broken).
    pub services_split: Counter,
    /// Partitions owned.
    pub partitions: Gauge,
    /// Seconds the process has owned no partition (0 while it owns some).
    pub assignment_wait: Gauge,
    /// One delivery-failure line per 10 s (each failure is counted).
    pub(crate) delivery_log: forewarn_kafka::Throttle,
    /// Checkpoints written (one per partition each time).
    pub checkpoints: Counter,
    /// Bytes of checkpoints written.
    pub checkpoint_bytes: Counter,
    /// How long each checkpoint held the loop.
    pub checkpoint_seconds: Histogram,
    /// Partitions taken on, warm or cold.
    pub restored: Family<HowLabel, Counter>,
    /// Records read again that the state already holds (skipped).
    pub replayed: Counter,
    /// Gaps in a partition's offsets, repaired or accepted.
    pub offset_gaps: Family<HowLabel, Counter>,
    /// Wall-clock ms of the consumer loop's last turn.
    pub(crate) heartbeat_ms: AtomicI64,
    /// Whether the consumer has joined its group and not begun to stop.
    pub(crate) ready: AtomicBool,
    /// Exact latencies (seconds), kept only when asked (benchmarks).
    latencies: Option<Mutex<Latencies>>,
}

/// Exact latencies kept for a benchmark.
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    /// Record produced → record scored, seconds.
    pub record: Vec<f64>,
    /// Record produced → event acknowledged, seconds.
    pub event: Vec<f64>,
    /// How long each checkpoint held the consumer loop, seconds.
    pub checkpoint: Vec<f64>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms .. ~33 s in steps of ×1.5.
    Histogram::new(exponential_buckets(0.0005, 1.5, 28))
}

impl Stats {
    /// A fresh set of metrics; `keep_latencies` also keeps every latency
    /// (for benchmarks; memory grows with the input).
    pub fn new(keep_latencies: bool) -> Self {
        let mut registry = Registry::with_prefix("forewarn");
        let s = Self {
            consumed: Family::default(),
            decoded: Counter::default(),
            logs_decoded: Counter::default(),
            rejected: Family::default(),
            refused: Family::default(),
            lag: Family::default(),
            published: Family::default(),
            delivery_failed: Counter::default(),
            event_latency: latency_histogram(),
            record_latency: latency_histogram(),
            series: Gauge::default(),
            evicted: Counter::default(),
            services_split: Counter::default(),
            partitions: Gauge::default(),
            assignment_wait: Gauge::default(),
            delivery_log: forewarn_kafka::Throttle::new(std::time::Duration::from_secs(10)),
            checkpoints: Counter::default(),
            checkpoint_bytes: Counter::default(),
            checkpoint_seconds: latency_histogram(),
            restored: Family::default(),
            replayed: Counter::default(),
            offset_gaps: Family::default(),
            heartbeat_ms: AtomicI64::new(0),
            ready: AtomicBool::new(false),
            latencies: keep_latencies.then(|| Mutex::new(Latencies::default())),
            registry: Registry::default(),
        };
        let r = &mut registry;
        r.register("records_consumed", "Kafka records read", s.consumed.clone());
        r.register(
            "samples_decoded",
            "Metric samples decoded",
            s.decoded.clone(),
        );
        r.register(
            "logs_decoded",
            "Log records decoded",
            s.logs_decoded.clone(),
        );
        r.register(
            "records_rejected",
            "Records sent to the dead-letter topic, by reason",
            s.rejected.clone(),
        );
        r.register(
            "samples_refused",
            "Decoded samples the windows refused (late, non-finite, series cap), by reason",
            s.refused.clone(),
        );
        r.register(
            "consumer_lag",
            "High watermark minus next offset, per partition",
            s.lag.clone(),
        );
        r.register(
            "events_published",
            "Events handed to the producer, by topic",
            s.published.clone(),
        );
        r.register(
            "delivery_failed",
            "Messages the broker never acknowledged",
            s.delivery_failed.clone(),
        );
        r.register(
            "event_latency_seconds",
            "Record produced to the event it caused acknowledged",
            s.event_latency.clone(),
        );
        r.register(
            "record_latency_seconds",
            "Record produced to record scored",
            s.record_latency.clone(),
        );
        r.register(
            "checkpoint_seconds",
            "How long a checkpoint held the consumer loop",
            s.checkpoint_seconds.clone(),
        );
        r.register(
            "series_tracked",
            "Series with windows in memory",
            s.series.clone(),
        );
        r.register("series_evicted", "Idle series dropped", s.evicted.clone());
        r.register(
            "services_split",
            "Services seen on a second partition by this process",
            s.services_split.clone(),
        );
        r.register(
            "partitions_assigned",
            "Partitions this process owns",
            s.partitions.clone(),
        );
        r.register(
            "assignment_wait_seconds",
            "Seconds this process has owned no partition (0 while it owns some)",
            s.assignment_wait.clone(),
        );
        r.register(
            "checkpoints_written",
            "Partition checkpoints written (acknowledged by the broker)",
            s.checkpoints.clone(),
        );
        r.register(
            "checkpoint_bytes",
            "Bytes of partition checkpoints written",
            s.checkpoint_bytes.clone(),
        );
        r.register(
            "partitions_restored",
            "Partitions taken on, warm (from a checkpoint) or cold",
            s.restored.clone(),
        );
        r.register(
            "records_replayed",
            "Records read again that the partition's state already holds (skipped)",
            s.replayed.clone(),
        );
        r.register(
            "offset_gaps",
            "Records handed out past the partition's next offset: repaired by seeking back, or accepted (the broker has none there)",
            s.offset_gaps.clone(),
        );
        Self { registry, ..s }
    }

    /// The registry in Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Count a record of `topic`.
    pub(crate) fn consumed(&self, topic: &str) {
        self.consumed_counter(topic).inc();
    }

    /// The counter of records read from `topic`, to keep and count with
    /// (a handle on the same value, without the family's lookup).
    pub(crate) fn consumed_counter(&self, topic: &str) -> Counter {
        self.consumed
            .get_or_create(&TopicLabel {
                topic: topic.to_string(),
            })
            .clone()
    }

    /// Records read from `topic` so far.
    pub fn consumed_of(&self, topic: &str) -> u64 {
        self.consumed
            .get_or_create(&TopicLabel {
                topic: topic.to_string(),
            })
            .get()
    }

    /// Events published to `topic` so far.
    pub fn published_to(&self, topic: &str) -> u64 {
        self.published
            .get_or_create(&TopicLabel {
                topic: topic.to_string(),
            })
            .get()
    }

    /// Records rejected so far, all reasons.
    pub fn rejected_total(&self) -> u64 {
        // Family has no iterator; the reasons are few and known.
        REJECT_REASONS
            .iter()
            .map(|r| {
                self.rejected
                    .get_or_create(&ReasonLabel {
                        reason: (*r).to_string(),
                    })
                    .get()
            })
            .sum()
    }

    pub(crate) fn record_record_latency(&self, s: f64) {
        if let Some(l) = &self.latencies
            && let Ok(mut l) = l.lock()
        {
            l.record.push(s);
        }
    }

    pub(crate) fn record_checkpoint(&self, s: f64) {
        self.checkpoint_seconds.observe(s);
        if let Some(l) = &self.latencies
            && let Ok(mut l) = l.lock()
        {
            l.checkpoint.push(s);
        }
    }

    pub(crate) fn record_event_latency(&self, s: f64) {
        if let Some(l) = &self.latencies
            && let Ok(mut l) = l.lock()
        {
            l.event.push(s);
        }
    }

    /// How many of each exact latency are kept so far (records, events,
    /// checkpoints), without copying them.
    pub fn latency_counts(&self) -> (usize, usize, usize) {
        self.latencies
            .as_ref()
            .and_then(|l| {
                l.lock()
                    .ok()
                    .map(|l| (l.record.len(), l.event.len(), l.checkpoint.len()))
            })
            .unwrap_or_default()
    }

    /// The exact latencies kept so far (empty unless asked for).
    pub fn latencies(&self) -> Latencies {
        self.latencies
            .as_ref()
            .and_then(|l| l.lock().ok().map(|l| l.clone()))
            .unwrap_or_default()
    }

    /// Whether the loop turned within the last `stale_ms`, is ready, and
    /// owns at least one partition (a member that owns none scores
    /// nothing, whatever the reason: see `forewarn_assignment_wait_seconds`).
    pub fn healthy(&self, stale_ms: i64) -> bool {
        self.ready.load(Ordering::Relaxed)
            && self.partitions.get() > 0
            && now_ms() - self.heartbeat_ms.load(Ordering::Relaxed) <= stale_ms
    }
}

/// What `/metrics` and `/health` show: [`Stats`] for the scorer, another
/// process's own for it.
pub trait Exposition: Send + Sync + 'static {
    /// The metrics, in the Prometheus text format.
    fn encode(&self) -> String;
    /// Whether `/health` answers 200.
    fn healthy(&self) -> bool;
}

impl Exposition for Stats {
    fn encode(&self) -> String {
        Stats::encode(self)
    }

    fn healthy(&self) -> bool {
        Stats::healthy(self, 30_000)
    }
}

async fn metrics<E: Exposition>(State(stats): State<Arc<E>>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        stats.encode(),
    )
}

async fn health<E: Exposition>(State(stats): State<Arc<E>>) -> impl IntoResponse {
    if stats.healthy() {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    }
}

/// Serve `/metrics` and `/health` on `addr` (port 0 picks a free one) from
/// a thread of its own. Returns the bound address.
pub fn serve(addr: SocketAddr, stats: Arc<Stats>) -> std::io::Result<SocketAddr> {
    serve_any(addr, stats)
}

/// [`serve`] for any [`Exposition`].
pub fn serve_any<E: Exposition>(addr: SocketAddr, stats: Arc<E>) -> std::io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    std::thread::Builder::new()
        .name("forewarn-http".into())
        .spawn(move || {
            rt.block_on(async move {
                let app = Router::new()
                    .route("/metrics", get(metrics::<E>))
                    .route("/health", get(health::<E>))
                    .with_state(stats);
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => {
                        if let Err(e) = axum::serve(l, app).await {
                            tracing::error!("metrics endpoint stopped: {e}");
                        }
                    }
                    Err(e) => tracing::error!("metrics endpoint: {e}"),
                }
            })
        })?;
    Ok(bound)
}
