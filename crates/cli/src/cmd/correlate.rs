//! `forewarn correlate`: the fleet correlator on Kafka. Reads every
//! partition of the pipeline's predictions and service-events topics (no
//! consumer group: one correlator sees the whole fleet), groups the
//! incidents of one episode with `forewarn-correlate` in event time, and
//! publishes one `cascading_failure` issue per episode spanning several
//! services to the predictions topic, keyed by its root-cause service.
//! Once every predicted member of a published cascade has resolved, the
//! cascade is resolved too (revision 1). Its own events, read back from
//! that topic, are skipped.
//!
//! Event time: each input partition's clock is the newest event time it
//! delivered (`detected_at`, a service event's `ts`); the watermark is the
//! slowest clock minus `--lateness`; a partition silent for `--idle` (wall
//! time) stops holding it back, and when every partition is, event time
//! moves on with the wall clock from the newest event time seen
//! ([`forewarn_correlate::Silence`]), so the last episode of a quiet
//! fleet is decided without waiting for a later event. An incident is
//! grouped once the watermark passes its onset, an episode decided once
//! it passes its first onset + `--window`, so the episodes do not depend
//! on the order in which partitions deliver.
//!
//! Checkpoint: every `--checkpoint-every`, once the producer has flushed
//! what was published, the grouping state, the clocks and the next offset
//! of every input partition go to `--state` (written atomically). At start
//! the state is read back, the topics are read from their beginning and
//! records below the saved offsets skipped (reading from a saved offset
//! could land mid-batch, which tansu answers from the next batch), so a
//! restart neither loses an incident nor publishes an episode under a new
//! id: what was published after the last checkpoint is published again
//! with the same ids.
//!
//! With `--listen`, `/metrics` and `/health` are served as the scorer's
//! are ([`metrics`]).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use forewarn_core::HumanDuration;
use forewarn_core::contracts::{IssueKind, IssueStatus, PredictedIssue, ServiceEvent};
use forewarn_core::graph::DependencyGraph;
use forewarn_correlate::{Checkpoint, Closer, Correlator, Incident, Options, Silence, Watermarks};
use forewarn_kafka::{Producer, Record, Start, Tail};

mod metrics;

/// Group incidents across the fleet and publish one cascading_failure
/// issue per episode.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Kafka bootstrap brokers, `host:port[,host:port]`.
    #[arg(long, env = "FOREWARN_BROKERS")]
    brokers: String,
    /// Pipeline file: its `services.*.depends_on` graph, its predictions
    /// and service-events topics [default: pipelines/default.yaml under
    /// the working directory, else the built-in copy of it].
    #[arg(long, value_name = "FILE")]
    pipeline: Option<PathBuf>,
    /// Checkpoint file (JSON, replaced atomically).
    #[arg(long, value_name = "FILE", default_value = "correlate-state.json")]
    state: PathBuf,
    /// How long after an episode's first onset a related incident still
    /// joins it (as `backtest run --correlate-window`).
    #[arg(long, default_value = "30m")]
    window: HumanDuration,
    /// Allowed lateness: how far (event time) a partition may trail the
    /// slowest one before its incidents count as late.
    #[arg(long, default_value = "10m")]
    lateness: HumanDuration,
    /// A partition that delivered nothing for this long (wall time) no
    /// longer holds the watermark back; once every partition is that
    /// quiet, event time moves on with the wall clock (the last episode
    /// is decided about --window + --lateness after its first onset, not
    /// when the next event arrives).
    #[arg(long, default_value = "10s")]
    idle: HumanDuration,
    /// How often the state is checkpointed (wall time).
    #[arg(long, default_value = "5s")]
    checkpoint_every: HumanDuration,
    /// Exit (after a last checkpoint) once every input partition is idle:
    /// for catch-up jobs and tests.
    #[arg(long)]
    exit_when_idle: bool,
    /// Serve `/metrics` (Prometheus: incidents in, late incidents,
    /// episodes, cascades published, watermark lag) and `/health` on this
    /// address (port 0 picks one) [default: not served].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Create the pipeline's topics first (N partitions), unless they exist.
    #[arg(long, value_name = "N")]
    create_topics: Option<i32>,
    /// An extra Kafka client property (TLS, SASL, tuning); repeatable.
    #[arg(long = "kafka-option", value_name = "KEY=VALUE")]
    kafka_options: Vec<String>,
}

/// The running correlator: state, clocks and where each partition is.
struct Loop {
    graph: DependencyGraph,
    correlator: Correlator,
    closer: Closer,
    watermarks: Watermarks,
    offsets: BTreeMap<String, i64>,
    silence: Silence,
    predictions: String,
    producer: Producer,
    published: u64,
    resolutions: u64,
    skipped: u64,
    bad: u64,
}

/// Whether an issue is the correlator's own output.
fn own(e: &PredictedIssue) -> bool {
    e.kind == IssueKind::CascadingFailure || e.episode.is_some()
}

impl Loop {
    /// Publish one of the correlator's issues, keyed by its service.
    fn publish(&self, issue: &PredictedIssue) -> anyhow::Result<()> {
        let payload = serde_json::to_vec(issue)?;
        self.producer
            .send(&self.predictions, issue.service.as_bytes(), &payload)
            .context("while publishing a cascading_failure issue")?;
        Ok(())
    }

    /// Take one record: skip what the checkpoint covers, then feed the
    /// incident (if it is one), a resolution, and the partition's clock.
    fn take(&mut self, r: &Record) -> anyhow::Result<()> {
        let key = format!("{}/{}", r.topic, r.partition);
        if r.offset < self.offsets.get(&key).copied().unwrap_or(0) {
            self.skipped += 1;
            self.silence.heard(&key, Instant::now());
            return Ok(());
        }
        self.offsets.insert(key.clone(), r.offset + 1);
        let (ts_ms, incident) = if r.topic == self.predictions {
            match forewarn_core::decode::decode::<PredictedIssue>(&r.payload) {
                Ok(e) if own(&e) => return Ok(()),
                Ok(e) => {
                    if e.status == IssueStatus::Resolved
                        && let Some(done) =
                            self.closer.resolve(&e.id, e.detected_at.timestamp_millis())
                    {
                        self.publish(&done)?;
                        self.resolutions += 1;
                    }
                    (e.detected_at.timestamp_millis(), Incident::from_issue(&e))
                }
                Err(error) => {
                    self.bad += 1;
                    tracing::debug!(%error, topic = %r.topic, "Skipped an undecodable record.");
                    return Ok(());
                }
            }
        } else {
            match serde_json::from_slice::<ServiceEvent>(&r.payload) {
                Ok(e) => (e.ts.timestamp_millis(), Incident::from_service_event(&e)),
                Err(error) => {
                    self.bad += 1;
                    tracing::debug!(%error, topic = %r.topic, "Skipped an undecodable record.");
                    return Ok(());
                }
            }
        };
        self.silence.heard(&key, Instant::now());
        if let Some(i) = incident
            && self.correlator.push(&self.graph, i.clone())
        {
            self.closer.track(&i);
        }
        self.watermarks.observe(&key, ts_ms);
        Ok(())
    }

    /// Mark silent partitions idle, move the watermark, publish what it
    /// decided.
    fn advance(&mut self) -> anyhow::Result<()> {
        let Some(w) = self.silence.watermark(&mut self.watermarks, Instant::now()) else {
            return Ok(());
        };
        for e in self.correlator.advance(&self.graph, w) {
            if !e.is_cascade() {
                self.closer.decided(&e);
                continue;
            }
            self.publish(&e.issue())?;
            self.published += 1;
            if let Some(done) = self.closer.decided(&e) {
                self.publish(&done)?;
                self.resolutions += 1;
            }
            tracing::info!(
                episode = %e.id,
                root_cause = %e.root_cause_service,
                members = e.members.len(),
                "Episode decided."
            );
        }
        Ok(())
    }

    /// Flush what was published, then save the state.
    fn checkpoint(&self, path: &std::path::Path) -> anyhow::Result<()> {
        let d = self
            .producer
            .flush(Duration::from_secs(30))
            .context("while flushing the published episodes")?;
        anyhow::ensure!(
            d.failed == 0,
            "the broker refused {} published episodes",
            d.failed
        );
        Checkpoint {
            offsets: self.offsets.clone(),
            watermarks: self.watermarks.clone(),
            correlator: self.correlator.clone(),
            closer: self.closer.clone(),
        }
        .write(path)?;
        Ok(())
    }

    fn all_idle(&self) -> bool {
        self.silence.all_idle(&self.watermarks, Instant::now())
    }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let pipeline = super::pipeline_or_default(args.pipeline.as_deref())?;
    let client = super::kafka_options(&args.kafka_options)?;
    if let Some(n) = args.create_topics {
        forewarn_stream::ensure_topics(
            &pipeline,
            &args.brokers,
            &client,
            n,
            Duration::from_secs(30),
        )?;
        // The service-events topic is `forewarn watch`'s, which the
        // scorer's topics leave out.
        let events = forewarn_kafka::TopicSpec {
            name: &pipeline.sinks.service_events,
            partitions: n,
            config: Vec::new(),
        };
        forewarn_kafka::ensure(&args.brokers, &client, &[events], Duration::from_secs(30))?;
    }
    let options = Options {
        window_ms: args.window.as_millis(),
    };
    let saved = Checkpoint::read(&args.state)?;
    let (correlator, closer, watermarks, offsets) = match saved {
        Some(cp) => {
            anyhow::ensure!(
                cp.correlator.options() == options,
                "{}: saved with --window {}ms; remove it to regroup with {}",
                args.state.display(),
                cp.correlator.options().window_ms,
                args.window
            );
            (cp.correlator, cp.closer, cp.watermarks, cp.offsets)
        }
        None => (
            Correlator::new(options),
            Closer::default(),
            Watermarks::new(args.lateness.as_millis()),
            BTreeMap::new(),
        ),
    };
    let predictions = pipeline.sinks.predictions.clone();
    let events = pipeline.sinks.service_events.clone();
    let mut tail = Tail::new(
        &args.brokers,
        &client,
        &[
            (&predictions, Start::Beginning),
            (&events, Start::Beginning),
        ],
    )
    .context("while subscribing to the predictions and service-events topics")?;
    let mut lp = Loop {
        graph: forewarn_correlate::graph(&pipeline),
        correlator,
        closer,
        watermarks,
        offsets,
        silence: Silence::new(Duration::from(args.idle)),
        predictions,
        producer: Producer::new(&args.brokers, &client)?,
        published: 0,
        resolutions: 0,
        skipped: 0,
        bad: 0,
    };
    note!(
        "forewarn correlate: {} and {}, window {}, lateness {}, state {}",
        lp.predictions,
        events,
        args.window,
        args.lateness,
        args.state.display()
    );
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("while installing the signal handler")?;
    }
    let every = Duration::from(args.checkpoint_every);
    let stats = Arc::new(metrics::Stats::new());
    if let Some(addr) = args.listen {
        let bound = forewarn_stream::serve_any(addr, Arc::clone(&stats))
            .with_context(|| format!("while listening on {addr}"))?;
        note!(
            "forewarn correlate: metrics at http://{bound}/metrics, health at http://{bound}/health"
        );
    }
    let (mut last_cp, mut last_refresh) = (Instant::now(), Instant::now());
    while !stop.load(Ordering::Relaxed) {
        if last_refresh.elapsed() >= Duration::from_secs(5) {
            last_refresh = Instant::now();
            if let Err(error) = tail.refresh(Duration::from_secs(5)) {
                tracing::warn!(%error, "Could not look for new partitions.");
            }
        }
        for (t, p) in tail.assigned() {
            lp.watermarks.register(&format!("{t}/{p}"));
        }
        if let Some(r) = tail.next(Duration::from_millis(100)) {
            lp.take(&r)?;
        }
        lp.advance()?;
        stats.update(
            lp.correlator.counts(),
            lp.published,
            lp.correlator.watermark_ms(),
            forewarn_stream::metrics::now_ms(),
        );
        if last_cp.elapsed() >= every {
            lp.checkpoint(&args.state)?;
            last_cp = Instant::now();
        }
        if args.exit_when_idle && lp.all_idle() {
            break;
        }
    }
    lp.checkpoint(&args.state)?;
    let c = lp.correlator.counts();
    super::print(
        &serde_json::json!({
            "incidents": c.incidents,
            "duplicates": c.duplicates,
            "late": c.late,
            "episodes": c.episodes,
            "cascades": c.cascades,
            "published": lp.published,
            "resolved": lp.resolutions,
            "open": lp.closer.open(),
            "pending": lp.correlator.pending(),
            "skipped": lp.skipped,
            "undecodable": lp.bad,
            "watermark": lp.correlator.watermark_ms(),
        })
        .to_string(),
    )?;
    Ok(ExitCode::SUCCESS)
}
