//! [`run`]: one `forewarn score` process; [`run_on`]: the same loop over
//! any [`Edge`] (a Kafka one, or an in-memory one in tests). A synchronous
//! loop on one thread polls the source, hands each record to the worker,
//! and every [`ScoreOptions::checkpoint_every`] checkpoints (the state is
//! queued, and its offsets committed once the broker has it all).
//! Rebalances arrive inside `poll`, handed to the worker: on revocation
//! the owned partitions are checkpointed and committed before they are
//! given up; on assignment each partition's state is taken from the
//! checkpoint topic or nothing, and its offsets are set to where that
//! state stops. Setting `stop` (SIGTERM does, in the CLI) finishes the
//! record in hand, publishes, checkpoints, commits and leaves the group.
//!
//! [`run`] first checks the cluster (see `startup`): a broker reached by
//! the start-up deadline, every topic there. While the process owns no
//! partition it says so every 30 s, with the likely cause, and
//! `forewarn_assignment_wait_seconds` counts up (`/health` is 503). A
//! failing poll (a broker gone) is logged at most once every 30 s.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use forewarn_config::PipelineConfig;
use forewarn_kafka::throttle::left_out;
use forewarn_kafka::{ConsumerBuilder, ProducerBuilder, ReadTopic, Sink, Source, Throttle};
use forewarn_models::artifact::Model;

use crate::error::Error;
use crate::internal_events::{AssignmentWaited, InternalEvent, RecordReadError};
use crate::metrics::Stats;
use crate::options::ScoreOptions;
use crate::worker::Worker;

/// What a run did, when it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read (all topics).
    pub consumed: u64,
    /// Metric samples decoded.
    pub decoded: u64,
    /// Records sent to the dead-letter topic.
    pub rejected: u64,
    /// Events published (predictions and optimizations).
    pub events: u64,
}

/// What a run reads from and writes to.
pub struct Edge {
    /// The group member the records come from.
    pub source: Box<dyn Source>,
    /// Where events, dead letters and checkpoints go.
    pub sink: Arc<dyn Sink>,
    /// Where checkpoints are read back from.
    pub checkpoints: Box<dyn ReadTopic>,
}

impl std::fmt::Debug for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Edge").finish_non_exhaustive()
    }
}

impl Edge {
    /// Kafka clients for `opts`: a member of `opts.group` (range
    /// assignment, manual commits, statistics every 5 s for the lag), an
    /// idempotent producer, and a reader of the checkpoint topic.
    pub fn kafka(opts: &ScoreOptions) -> Result<Self, Error> {
        let consumer = ConsumerBuilder::new(&opts.brokers, &opts.group)
            .headers(false)
            .set("partition.assignment.strategy", "range")
            .set("heartbeat.interval.ms", "1000")
            .set("statistics.interval.ms", "5000")
            .client(&opts.client);
        let source = consumer.build().map_err(Error::Connect)?;
        let sink = ProducerBuilder::new(&opts.brokers)
            .set("enable.idempotence", "true")
            .set("linger.ms", "2")
            .set("message.max.bytes", "4000000")
            .client(&opts.client)
            .build()
            .map_err(Error::Connect)?;
        let checkpoints =
            ConsumerBuilder::new(&opts.brokers, &format!("{}.checkpoint-reader", opts.group))
                .client(&opts.client);
        Ok(Self {
            source: Box::new(source),
            sink: Arc::new(sink),
            checkpoints: Box::new(checkpoints),
        })
    }
}

/// How long the process has owned no partition, and when to say so next.
struct Waiting {
    group: String,
    session_timeout_ms: String,
    since: Option<Instant>,
    next_log: Instant,
}

impl Waiting {
    const EVERY: Duration = Duration::from_secs(30);

    fn new(opts: &ScoreOptions) -> Self {
        let session_timeout_ms = opts
            .client
            .iter()
            .rev()
            .find(|(k, _)| k == "session.timeout.ms")
            .map_or(forewarn_kafka::consumer::SESSION_TIMEOUT_MS, |(_, v)| v)
            .to_string();
        let now = Instant::now();
        Self {
            group: opts.group.clone(),
            session_timeout_ms,
            since: Some(now),
            next_log: now + Self::EVERY,
        }
    }

    /// Once a second: whether partitions are `owned` now.
    fn tick(&mut self, owned: bool, now: Instant, stats: &Stats) {
        let since = match (owned, self.since) {
            (true, _) => {
                self.since = None;
                None
            }
            (false, None) => {
                self.since = Some(now);
                self.next_log = now + Self::EVERY;
                Some(now)
            }
            (false, Some(s)) => Some(s),
        };
        let log = since.is_some() && now >= self.next_log;
        if log {
            self.next_log = now + Self::EVERY;
        }
        AssignmentWaited {
            group: &self.group,
            waited: since.map(|s| now - s),
            session_timeout_ms: &self.session_timeout_ms,
            log,
        }
        .emit(stats);
    }
}

/// The longest a poll of the source waits for a record. The producer's
/// delivery reports (an event's acknowledgement) are served between
/// polls, so while records are sparse (Arrow batches: tens a second) a
/// long wait (50 ms before) holds the report of an acknowledged event back
/// until the next record; an idle scorer wakes 200 times a second
/// instead of 20 (see the README, "Latency defaults").
const POLL_WAIT: Duration = Duration::from_millis(5);

/// Run one scorer process on Kafka until `stop` is set or an error occurs.
pub fn run(
    pipeline: PipelineConfig,
    model: Model,
    opts: ScoreOptions,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) -> Result<Summary, Error> {
    crate::startup::check(&pipeline, &opts)?;
    let edge = Edge::kafka(&opts)?;
    run_on(edge, pipeline, model, opts, stats, stop)
}

/// Run one scorer over `edge` until `stop` is set or an error occurs.
pub fn run_on(
    edge: Edge,
    pipeline: PipelineConfig,
    model: Model,
    opts: ScoreOptions,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) -> Result<Summary, Error> {
    let every = opts.checkpoint_every;
    let Edge {
        mut source,
        sink,
        checkpoints,
    } = edge;
    let mut w = Worker::new(pipeline, model, opts, sink, checkpoints, Arc::clone(&stats))?;
    let topics = w.topics.clone();
    source
        .subscribe(&topics.sources())
        .map_err(Error::Consume)?;
    let mut next_checkpoint = Instant::now() + every;
    let mut next_housekeeping = Instant::now();
    let read_errors = Throttle::new(Duration::from_secs(30));
    let mut waiting = Waiting::new(&w.opts);
    let result = loop {
        if stop.load(Ordering::Relaxed) {
            break Ok(());
        }
        if let Some(e) = w.take_error() {
            break Err(e);
        }
        match source.poll(POLL_WAIT, &mut w) {
            Ok(Some(m)) => {
                let handled = w.handle(&m);
                source.recycle(m);
                match handled {
                    Ok(None) => {}
                    Ok(Some(s)) => {
                        if let Err(e) = source.seek(&s.topic, s.partition, s.offset) {
                            break Err(Error::Consume(e));
                        }
                    }
                    Err(e) => break Err(e),
                }
            }
            Ok(None) => {}
            Err(e) if e.is_transient() => {
                if let Some(n) = read_errors.admit() {
                    RecordReadError {
                        error: &e,
                        left_out: &left_out(n),
                    }
                    .emit(&stats);
                }
            }
            Err(e) => break Err(Error::Consume(e)),
        }
        let now = Instant::now();
        w.poll_producer();
        if let Err(e) = w.poll_checkpoint(source.as_mut()) {
            break Err(e);
        }
        if now >= next_housekeeping {
            let marks = source.watermarks();
            if let Err(e) = w.housekeeping(&marks) {
                break Err(e);
            }
            let stalled = w.stalled(&marks);
            if let Some(e) = stalled
                .iter()
                .find_map(|s| source.seek(&s.topic, s.partition, s.offset).err())
            {
                break Err(Error::Consume(e));
            }
            waiting.tick(!w.partitions().is_empty(), now, &stats);
            next_housekeeping = now + Duration::from_secs(1);
        }
        if now >= next_checkpoint {
            let started = Instant::now();
            if let Err(e) = w.checkpoint_in_background(source.as_mut()) {
                break Err(e);
            }
            stats.record_checkpoint(started.elapsed().as_secs_f64());
            // Counted from its end: a checkpoint slower than the interval
            // (a slow broker, a short interval) leaves the interval for
            // scoring instead of one checkpoint per record.
            next_checkpoint = Instant::now() + every;
        }
    };
    stats.ready.store(false, Ordering::Relaxed);
    if result.is_ok() {
        // Graceful stop: publish, checkpoint and commit what is in hand,
        // then leave the group (its revocation finds nothing dirty).
        w.checkpoint(source.as_mut())?;
        source.unsubscribe();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !w.partitions().is_empty() {
            let _ = source.poll(Duration::from_millis(50), &mut w);
        }
        if let Some(e) = w.take_error() {
            return Err(e);
        }
    }
    result?;
    let all = |t: &str| stats.consumed_of(t);
    Ok(Summary {
        consumed: all(&topics.metrics) + topics.logs.as_deref().map_or(0, all),
        decoded: stats.decoded.get(),
        rejected: stats.rejected_total(),
        events: stats.published_to(&topics.predictions) + stats.published_to(&topics.optimizations),
    })
}
