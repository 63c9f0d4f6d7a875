//! The demo, one phase per function: [`Demo::new`] simulates a labelled
//! fleet and makes its pipeline; [`Demo::run`] starts an embedded broker
//! (librdkafka's mock cluster on 127.0.0.1), produces the fleet into it as
//! fast as it takes it (with the labelled failures as service events at
//! their time, [`crate::observed_events`], for the dashboard), runs the
//! same runtime as `forewarn score` against
//! it, and reads the predictions back as they are published; once the
//! scorer has read everything, hands them in event-time order (they
//! arrive in the order of their partitions, not of time) to a shadow
//! remediator (on event time) and to the caller's [`Watch`];
//! [`summary::summarise`] scores them against the labels.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use forewarn_config::PipelineConfig;
use forewarn_core::HumanDuration;
use forewarn_core::contracts::{
    IssueStatus, MetricSample, ModelRef, PredictedIssue, RemediationOutcome,
};
use forewarn_kafka::{EmbeddedBroker, Producer, TopicReader};
use forewarn_models::artifact::Model;
use forewarn_remediate::{Mode, Policy, Remediator, Step};
use forewarn_scorer::ScorerOptions;
use forewarn_sim::{Fleet, Labels, SimConfig};
use forewarn_stream::{ScoreOptions, Stats, Summary, Topics};

use crate::error::{Error, Result};
use crate::fleet::{fleet_pipeline, produce_fleet};

pub mod summary;

pub use summary::{DemoSummary, summarise};

/// What fleet the demo streams.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Simulated time to stream.
    pub duration: HumanDuration,
    /// Services in the fleet.
    pub services: usize,
    /// Sampling interval.
    pub interval: HumanDuration,
    /// Simulator seed.
    pub seed: u64,
    /// Incidents per service per day.
    pub incident_rate: f64,
    /// Partitions of each topic.
    pub partitions: i32,
}

/// What the caller sees while the demo runs (the CLI prints it).
pub trait Watch {
    /// The broker is up at `brokers`.
    fn started(&mut self, _brokers: &str, _labels: &Labels) {}
    /// A prediction event that opened an incident (each `(id, revision)`
    /// once, in event-time order, after the scorer has read everything).
    fn prediction(&mut self, _event: &PredictedIssue) {}
    /// The shadow remediator decided something about the last prediction.
    fn shadow_action(&mut self, _detail: &str) {}
    /// The embedded broker is about to stop: its clients should let go.
    fn stopping(&mut self) {}
    /// While the scorer runs, about ten times a second, and once more when
    /// it has stopped: steps produced of `steps`, samples scored,
    /// prediction events received so far.
    fn progress(&mut self, _produced: u64, _steps: u64, _scored: u64, _predictions: usize) {}
}

/// A [`Watch`] that shows nothing.
#[derive(Debug, Default)]
pub struct Quiet;

impl Watch for Quiet {}

/// A simulated fleet ready to stream.
#[derive(Debug)]
pub struct Demo {
    fleet: Fleet,
    labels: Labels,
    pipeline: PipelineConfig,
    interval_s: f64,
    partitions: i32,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct DemoRun {
    /// Every prediction event, each `(id, revision)` once, in event-time
    /// order (`detected_at`, then id and revision).
    pub events: Vec<PredictedIssue>,
    /// The scorer's own count of what it did.
    pub scorer: Summary,
    /// Decisions the shadow remediator recorded.
    pub shadow_actions: u64,
    /// Those decisions, as the outcomes it would publish (in order).
    pub outcomes: Vec<RemediationOutcome>,
    /// The samples of the latency and error-rate roles the fleet produced
    /// (for the report's latency and error-rate SLIs), in step order.
    pub sli_samples: Vec<MetricSample>,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
}

impl Demo {
    /// Phase 1: the fleet and its pipeline.
    pub fn new(opts: &DemoOptions) -> Result<Self> {
        let mut cfg = SimConfig {
            services: opts.services,
            duration: opts.duration,
            interval: opts.interval,
            seed: opts.seed,
            ..SimConfig::default()
        };
        cfg.scenarios.incidents_per_service_day = opts.incident_rate;
        let fleet = Fleet::new(&cfg)?;
        let labels = fleet.labels().clone();
        let pipeline = fleet_pipeline(&labels)?;
        Ok(Self {
            fleet,
            labels,
            pipeline,
            interval_s: cfg.interval.as_secs_f64(),
            partitions: opts.partitions.max(1),
        })
    }

    /// The fleet's labels (incidents, traps, services).
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// The pipeline the fleet is scored with.
    pub fn pipeline(&self) -> &PipelineConfig {
        &self.pipeline
    }

    /// Write `labels.json` and `pipeline.yaml` into `dir`.
    pub fn write_inputs(&self, dir: &Path) -> Result<()> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        self.labels.write(&dir.join("labels.json"))?;
        let pipeline = dir.join("pipeline.yaml");
        std::fs::write(&pipeline, serde_norway::to_string(&self.pipeline)?)
            .map_err(io(&pipeline))?;
        Ok(())
    }

    /// Phases 2-4: broker, fleet and scorer; predictions watched until the
    /// scorer has read every record produced, then stopped gracefully.
    pub fn run(
        self,
        model: Model,
        model_ref: ModelRef,
        policy: Policy,
        watch: &mut dyn Watch,
    ) -> Result<DemoRun> {
        let started = Instant::now();
        let topics = Topics::of(&self.pipeline);
        let broker = start_broker(
            &topics,
            &self.pipeline.sinks.service_events,
            self.partitions,
        )?;
        let brokers = broker.bootstrap();
        watch.started(&brokers, &self.labels);
        let steps = self.fleet.steps();
        let observed = Observed {
            topic: self.pipeline.sinks.service_events.clone(),
            events: crate::observed_events(&self.labels),
            start_ms: self.labels.start.timestamp_millis(),
        };
        let sli_metrics = [
            self.pipeline.roles.latency_p99.clone(),
            self.pipeline.roles.error_rate.clone(),
        ];
        let mut feeder = Feeder::start(
            self.fleet,
            &brokers,
            &topics,
            self.interval_s,
            observed,
            sli_metrics,
        )?;
        let stats = Arc::new(Stats::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let scorer = start_scorer(
            &brokers,
            self.pipeline.clone(),
            model,
            model_ref,
            Arc::clone(&stats),
            Arc::clone(&stop),
        );
        let mut shadow = Shadow::new(policy);
        let reader = TopicReader::new(&brokers, &[], &topics.predictions)?;
        watch_until_read(
            &reader,
            &mut feeder,
            &scorer,
            &topics,
            &stats,
            &stop,
            steps,
            &mut shadow,
            watch,
        )?;
        let summary = scorer.join().map_err(|_| Error::Panicked("scorer"))??;
        for r in reader.read_to_end(Duration::from_secs(30))? {
            shadow.take(&r.payload);
        }
        watch.progress(steps, steps, stats.decoded.get(), shadow.events.len());
        watch.stopping();
        drop(broker);
        shadow.remediate(watch);
        Ok(DemoRun {
            events: shadow.events,
            scorer: summary,
            shadow_actions: shadow.actions,
            outcomes: shadow.outcomes,
            sli_samples: std::mem::take(&mut feeder.sli_samples),
            elapsed: started.elapsed(),
        })
    }
}

/// Phase 2: the embedded broker with the pipeline's topics.
fn start_broker(topics: &Topics, service_events: &str, partitions: i32) -> Result<EmbeddedBroker> {
    let mut create: Vec<(&str, i32)> = vec![
        (service_events, partitions),
        (&topics.metrics, partitions),
        (&topics.predictions, partitions),
        (&topics.optimizations, partitions),
        (&topics.dead_letter, partitions),
        (&topics.checkpoints, 1),
    ];
    if let Some(l) = &topics.logs {
        create.push((l, partitions));
    }
    Ok(EmbeddedBroker::start(&create)?)
}

/// Service events produced beside the fleet, each once the fleet's steps
/// have passed its time.
struct Observed {
    topic: String,
    events: Vec<forewarn_core::contracts::ServiceEvent>,
    /// Event time of step 0 (ms).
    start_ms: i64,
}

/// What the feeder's thread returns: metric samples and log lines
/// produced, and the latency and error-rate roles' samples.
type Fed = ((u64, u64), Vec<MetricSample>);

/// The fleet, produced into the broker on a thread of its own.
struct Feeder {
    handle: Option<JoinHandle<Result<Fed>>>,
    produced: Option<(u64, u64)>,
    /// The latency and error-rate roles' samples, once it is done.
    sli_samples: Vec<MetricSample>,
    steps_done: Arc<AtomicU64>,
}

impl Feeder {
    fn start(
        fleet: Fleet,
        brokers: &str,
        topics: &Topics,
        interval_s: f64,
        observed: Observed,
        sli_metrics: [String; 2],
    ) -> Result<Self> {
        // Idempotent: a produce request retried on a loaded machine would
        // otherwise write its batch twice or behind the next one, and a
        // log line counted twice (or in the wrong minute) changes the
        // log features the scorer judges.
        let idempotent = [("enable.idempotence".to_string(), "true".to_string())];
        let producer = Producer::new(brokers, &idempotent)?;
        let (metrics, logs) = (topics.metrics.clone(), topics.logs.clone());
        let steps_done = Arc::new(AtomicU64::new(0));
        let progress = Arc::clone(&steps_done);
        let handle = std::thread::spawn(move || -> Result<Fed> {
            let mut pending = observed.events.iter().peekable();
            let mut sent_events = 0u64;
            let mut send_error = None;
            let mut sli_samples = Vec::new();
            let fleet = fleet.inspect(|b| {
                let sli = b.metrics.iter().filter(|m| sli_metrics.contains(&m.metric));
                sli_samples.extend(sli.cloned());
            });
            let n = produce_fleet(
                fleet,
                &producer,
                &metrics,
                logs.as_deref(),
                interval_s,
                0.0,
                |step| {
                    let now_ms = observed.start_ms + (step as f64 * interval_s * 1000.0) as i64;
                    while let Some(e) = pending.next_if(|e| e.ts.timestamp_millis() <= now_ms) {
                        let sent = serde_json::to_vec(e).map_err(Error::from).and_then(|b| {
                            Ok(producer.send(&observed.topic, e.service.as_bytes(), &b)?)
                        });
                        match sent {
                            Ok(()) => sent_events += 1,
                            Err(err) => send_error = send_error.take().or(Some(err)),
                        }
                    }
                    progress.store(step + 1, Ordering::Relaxed)
                },
            )?;
            if let Some(err) = send_error {
                return Err(err);
            }
            let d = producer.flush(Duration::from_secs(60))?;
            let sent = n.0 + n.1 + sent_events;
            if d.failed != 0 || d.acked != sent {
                return Err(Error::Unacknowledged {
                    sent,
                    acked: d.acked,
                    failed: d.failed,
                });
            }
            Ok((n, sli_samples))
        });
        Ok(Self {
            handle: Some(handle),
            produced: None,
            sli_samples: Vec::new(),
            steps_done,
        })
    }

    /// Metric samples and log lines produced, once the feeder is done.
    fn produced(&mut self) -> Result<Option<(u64, u64)>> {
        if let Some(h) = self.handle.take_if(|h| h.is_finished()) {
            let (n, sli) = h.join().map_err(|_| Error::Panicked("fleet feeder"))??;
            self.produced = Some(n);
            self.sli_samples = sli;
        }
        Ok(self.produced)
    }
}

/// Phase 3: the scorer, as `forewarn score` runs it.
fn start_scorer(
    brokers: &str,
    pipeline: PipelineConfig,
    model: Model,
    model_ref: ModelRef,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) -> JoinHandle<std::result::Result<Summary, forewarn_stream::Error>> {
    let mut opts = ScoreOptions::new(brokers);
    opts.checkpoint_every = Duration::from_secs(2);
    // The embedded broker made the checkpoint topic compacted, and does
    // not answer DescribeConfigs.
    opts.check_compaction = false;
    // A replay as fast as the broker takes it: a pause of the feeder (a
    // loaded machine) is no silence of the fleet.
    opts.idle_advance = false;
    opts.scorer = ScorerOptions {
        model_ref,
        ..ScorerOptions::default()
    };
    std::thread::spawn(move || forewarn_stream::run(pipeline, model, opts, stats, stop))
}

/// The remediator in shadow mode whatever the policy file says: it decides
/// and records on event time, nothing is executed.
struct Shadow {
    remediator: Remediator,
    seen: HashSet<(String, u32)>,
    events: Vec<PredictedIssue>,
    actions: u64,
    outcomes: Vec<RemediationOutcome>,
}

impl Shadow {
    fn new(mut policy: Policy) -> Self {
        policy.mode = Mode::Shadow;
        Self {
            remediator: Remediator::new(policy, true),
            seen: HashSet::new(),
            events: Vec::new(),
            actions: 0,
            outcomes: Vec::new(),
        }
    }

    /// One record of the predictions topic: kept, each `(id, revision)`
    /// once (at-least-once: the same revision may arrive twice).
    fn take(&mut self, payload: &[u8]) {
        match serde_json::from_slice::<PredictedIssue>(payload) {
            Ok(e) if self.seen.insert((e.id.clone(), e.revision)) => self.events.push(e),
            Ok(_) => {}
            Err(e) => tracing::warn!("unreadable prediction: {e}"),
        }
    }

    /// Every event kept, in event-time order, to the remediator and to
    /// `watch`.
    fn remediate(&mut self, watch: &mut dyn Watch) {
        self.events.sort_by(|a, b| {
            (a.detected_at, &a.id, a.revision).cmp(&(b.detected_at, &b.id, b.revision))
        });
        for e in &self.events {
            if e.status == IssueStatus::Open {
                watch.prediction(e);
            }
            for step in self.remediator.on_event(e, e.detected_at) {
                if let Step::Record { outcome, .. } = step {
                    self.actions += 1;
                    watch.shadow_action(&outcome.detail);
                    self.outcomes.push(outcome);
                }
            }
        }
    }
}

/// Phase 4: read predictions as they come until the scorer has consumed
/// every record the feeder produced (then ask it to stop), or it stopped.
#[allow(clippy::too_many_arguments)]
fn watch_until_read(
    reader: &TopicReader,
    feeder: &mut Feeder,
    scorer: &JoinHandle<std::result::Result<Summary, forewarn_stream::Error>>,
    topics: &Topics,
    stats: &Stats,
    stop: &AtomicBool,
    steps: u64,
    shadow: &mut Shadow,
    watch: &mut dyn Watch,
) -> Result<()> {
    loop {
        if let Some(r) = reader.next(Duration::from_millis(100)) {
            shadow.take(&r.payload);
        }
        let produced = feeder.produced()?;
        if scorer.is_finished() {
            return Ok(());
        }
        let consumed = stats.consumed_of(&topics.metrics)
            + topics.logs.as_deref().map_or(0, |l| stats.consumed_of(l));
        if let Some((m, l)) = produced
            && consumed >= m + l
        {
            stop.store(true, Ordering::Relaxed);
            return Ok(());
        }
        watch.progress(
            feeder.steps_done.load(Ordering::Relaxed),
            steps,
            stats.decoded.get(),
            shadow.events.len(),
        );
    }
}
