//! The streaming benchmark behind `forewarn bench stream`, one phase per
//! function: [`StreamBench::prepare`] simulates a fleet and encodes its
//! records before any clock runs; [`StreamBench::join`] starts the scorers
//! one after the other in one consumer group (threads of this process, each
//! a full `forewarn score` runtime) until each owns partitions;
//! [`StreamBench::throughput`] produces the backlog as fast as the broker
//! takes it and times it from the first sample scored to the last;
//! [`StreamBench::latency`] goes on at a fixed rate and reads each record's
//! produce → scored and produce → event-acknowledged latencies.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use forewarn_config::PipelineConfig;
use forewarn_core::contracts::ModelRef;
use forewarn_core::{Format, HumanDuration};
use forewarn_kafka::{EmbeddedBroker, Producer};
use forewarn_models::artifact::Model;
use forewarn_scorer::ScorerOptions;
use forewarn_sim::{Fleet, SimConfig};
use forewarn_stream::metrics::HowLabel;
use forewarn_stream::{ScoreOptions, Stats, Summary, Topics};

use crate::error::{Error, Result};
use crate::fleet::fleet_pipeline;

mod encode;
mod results;

use encode::{Encoded, Encoder};
pub use results::{Latency, Throughput};
use results::{quantile_ms, thread_cpu_secs};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Brokers to run on; `None`: an embedded broker in this process.
    pub brokers: Option<String>,
    /// Scorer instances in the consumer group.
    pub instances: usize,
    /// Samples in the throughput backlog.
    pub samples: usize,
    /// Services in the fleet (10 s steps, 13 metrics each).
    pub services: usize,
    /// Samples per Arrow record.
    pub batch: usize,
    /// Wire format of the records (`arrow` or `json`).
    pub format: Format,
    /// Partitions of each topic.
    pub partitions: i32,
    /// Samples per second during the latency phase.
    pub rate: usize,
    /// Length of the latency phase.
    pub latency_for: HumanDuration,
    /// Kafka client properties for every client.
    pub client: Vec<(String, String)>,
}

/// A benchmark in progress: fleet encoded, broker chosen, scorers running.
#[derive(Debug)]
pub struct StreamBench {
    opts: BenchOptions,
    pipeline: PipelineConfig,
    topics: Topics,
    brokers: String,
    _embedded: Option<EmbeddedBroker>,
    backlog: Vec<Encoded>,
    live: Vec<Encoded>,
    run_id: String,
    stop: Arc<AtomicBool>,
    stats: Vec<Arc<Stats>>,
    scorers: Vec<JoinHandle<std::result::Result<Summary, forewarn_stream::Error>>>,
    /// Each scorer thread's id (its `/proc/self/task` entry), once known.
    tids: Vec<Arc<OnceLock<String>>>,
    producer: Option<Producer>,
}

impl StreamBench {
    /// Phase 1: the fleet, its pipeline (topics named for this run), the
    /// broker and every record, encoded.
    pub fn prepare(opts: BenchOptions) -> Result<Self> {
        let per_step = opts.services * 13;
        let latency_samples = opts.rate * opts.latency_for.as_millis() as usize / 1000;
        let steps = (opts.samples + latency_samples).div_ceil(per_step.max(1)) + 1;
        let mut cfg = SimConfig {
            services: opts.services,
            duration: HumanDuration::from_secs(steps as i64 * 10),
            interval: HumanDuration::from_secs(10),
            seed: 5,
            ..SimConfig::default()
        };
        cfg.logs.enabled = false;
        let fleet = Fleet::new(&cfg)?;
        let mut pipeline = fleet_pipeline(fleet.labels())?;
        let run_id = format!(
            "bench-{}-{}",
            std::process::id(),
            forewarn_stream::metrics::now_ms()
        );
        for t in [
            &mut pipeline.sources.metrics.topic,
            &mut pipeline.sinks.predictions,
            &mut pipeline.sinks.optimizations,
            &mut pipeline.sinks.dead_letter,
            &mut pipeline.sinks.checkpoints,
        ] {
            *t = format!("{run_id}.{t}");
        }
        pipeline.sources.logs = None;
        pipeline.sources.metrics.format = opts.format;
        let topics = Topics::of(&pipeline);
        let (brokers, embedded) = match &opts.brokers {
            Some(b) => {
                forewarn_stream::ensure_topics(
                    &pipeline,
                    b,
                    &opts.client,
                    opts.partitions,
                    Duration::from_secs(30),
                )?;
                (b.clone(), None)
            }
            None => {
                let e = EmbeddedBroker::start(&[
                    (&topics.metrics, opts.partitions),
                    (&topics.predictions, opts.partitions),
                    (&topics.optimizations, opts.partitions),
                    (&topics.dead_letter, opts.partitions),
                    (&topics.checkpoints, 1),
                ])?;
                (e.bootstrap(), Some(e))
            }
        };
        let mut enc = Encoder::new(opts.format, opts.batch);
        let (mut backlog, mut live) = (Vec::new(), Vec::new());
        let mut n = 0usize;
        for step in fleet {
            for s in step.metrics {
                if n < opts.samples {
                    enc.push(s, &mut backlog)?;
                    if n + 1 == opts.samples {
                        enc.flush(&mut backlog);
                    }
                } else if n < opts.samples + latency_samples {
                    enc.push(s, &mut live)?;
                }
                n += 1;
            }
        }
        enc.flush(&mut live);
        Ok(Self {
            opts,
            pipeline,
            topics,
            brokers,
            _embedded: embedded,
            backlog,
            live,
            run_id,
            stop: Arc::new(AtomicBool::new(false)),
            stats: Vec::new(),
            scorers: Vec::new(),
            tids: Vec::new(),
            producer: None,
        })
    }

    /// The pipeline the scorers run (for loading a model that fits it).
    pub fn pipeline(&self) -> &PipelineConfig {
        &self.pipeline
    }

    /// Where the benchmark runs: the brokers, or `embedded`.
    pub fn brokers_label(&self) -> &str {
        if self.opts.brokers.is_some() {
            &self.brokers
        } else {
            "embedded"
        }
    }

    /// Samples and records of the backlog.
    pub fn backlog_size(&self) -> (usize, usize) {
        (self.backlog.iter().map(|r| r.2).sum(), self.backlog.len())
    }

    fn scorer_stopped(&self) -> bool {
        self.scorers.iter().any(|h| h.is_finished())
    }

    fn wait(&self, what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Result<()> {
        let deadline = Instant::now() + limit;
        while !done() {
            if Instant::now() >= deadline {
                return Err(Error::Stalled(format!("{what} within {limit:?}")));
            }
            if self.scorer_stopped() {
                return Err(Error::Stalled("a scorer stopped early".into()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    /// Phase 2: the scorers, each a member of one group, joined one after
    /// the other (as a group grows), until all partitions are owned.
    pub fn join(&mut self, model: Model, model_ref: ModelRef) -> Result<()> {
        for i in 0..self.opts.instances {
            let stats = Arc::new(Stats::new(true));
            self.stats.push(Arc::clone(&stats));
            let mut opts = ScoreOptions::new(&self.brokers);
            opts.group = format!("{}.scorers", self.run_id);
            opts.keep_latencies = true;
            // The embedded broker does not answer DescribeConfigs.
            opts.check_compaction = self.opts.brokers.is_some();
            opts.client = self.opts.client.clone();
            opts.scorer = ScorerOptions {
                model_ref: model_ref.clone(),
                ..ScorerOptions::default()
            };
            let (pipeline, model, stop) =
                (self.pipeline.clone(), model.clone(), Arc::clone(&self.stop));
            let run_stats = Arc::clone(&stats);
            let tid = Arc::new(OnceLock::new());
            self.tids.push(Arc::clone(&tid));
            let handle = std::thread::Builder::new()
                .name(format!("scorer-{i}"))
                .spawn(move || {
                    // "/proc/thread-self" links to "PID/task/TID".
                    if let Ok(link) = std::fs::read_link("/proc/thread-self")
                        && let Some(t) = link.file_name()
                    {
                        let _ = tid.set(t.to_string_lossy().into_owned());
                    }
                    forewarn_stream::run(pipeline, model, opts, run_stats, stop)
                })
                .map_err(|source| Error::Io {
                    path: "scorer thread".into(),
                    source,
                })?;
            self.scorers.push(handle);
            self.wait(
                &format!("scorer {i} was given a partition"),
                Duration::from_secs(120),
                || stats.partitions.get() > 0,
            )?;
        }
        let all = i64::from(self.opts.partitions);
        let stats = self.stats.clone();
        self.wait("the group settled", Duration::from_secs(120), || {
            stats.iter().map(|s| s.partitions.get()).sum::<i64>() == all
                && stats.iter().all(|s| s.partitions.get() > 0)
        })
    }

    /// CPU seconds of all scorer threads so far (`None` when unknown).
    fn scorers_cpu_secs(&self) -> Option<f64> {
        self.tids.iter().map(|t| thread_cpu_secs(t.get()?)).sum()
    }

    /// Whether a scorer accepted a gap in its offsets: records the broker
    /// dropped before they were read, which the backlog never finishes
    /// without.
    fn records_lost(&self) -> bool {
        let accepted = HowLabel {
            how: "accepted".into(),
        };
        self.stats
            .iter()
            .any(|s| s.offset_gaps.get_or_create(&accepted).get() > 0)
    }

    fn decoded(&self) -> u64 {
        self.stats.iter().map(|s| s.decoded.get()).sum()
    }

    /// Phase 3: the backlog, into scorers already in their group; timed
    /// from the first sample scored to the last.
    pub fn throughput(&mut self) -> Result<Throughput> {
        let producer = Producer::new(&self.brokers, &self.opts.client)?;
        let cpu_before = self.scorers_cpu_secs();
        // The scorers read while the backlog is produced (one JSON sample
        // per record takes seconds to produce): the clock starts at the
        // first sample scored, even when that is before the last record
        // is produced.
        let mut first = None;
        for (i, (key, value, _)) in self.backlog.iter().enumerate() {
            producer.send(&self.topics.metrics, key.as_bytes(), value)?;
            if first.is_none() && i % 1024 == 0 && self.decoded() > 0 {
                first = Some(Instant::now());
            }
        }
        let d = producer.flush(Duration::from_secs(120))?;
        if d.failed != 0 {
            return Err(Error::Unacknowledged {
                sent: self.backlog.len() as u64,
                acked: d.acked,
                failed: d.failed,
            });
        }
        self.producer = Some(producer);
        let produced = Instant::now();
        let decoded_then = self.decoded() as usize;
        let (samples, records) = self.backlog_size();
        let deadline = Instant::now() + Duration::from_secs(600);
        while self.decoded() < samples as u64 {
            if Instant::now() >= deadline {
                return Err(Error::Stalled(
                    "the scorers did not finish the backlog in 10 minutes".into(),
                ));
            }
            if self.scorer_stopped() {
                return Err(Error::Stalled("a scorer stopped early".into()));
            }
            if self.records_lost() {
                return Err(Error::Stalled(format!(
                    "the broker no longer holds part of the backlog (the scorers \
                     went on past a gap in the offsets){}",
                    if self.opts.brokers.is_none() {
                        ": the embedded broker keeps at most 100,000 records or \
                         5 MB per partition; use --brokers, fewer --samples or \
                         more --partitions"
                    } else {
                        ""
                    }
                )));
            }
            if first.is_none() && self.decoded() > 0 {
                first = Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let done = Instant::now();
        let cpu_secs = self
            .scorers_cpu_secs()
            .zip(cpu_before)
            .map(|(after, before)| after - before);
        let secs = done
            .duration_since(first.unwrap_or(done))
            .as_secs_f64()
            .max(1e-9);
        Ok(Throughput {
            samples,
            records,
            secs,
            drained: samples.saturating_sub(decoded_then),
            drain_secs: done.duration_since(produced).as_secs_f64().max(1e-9),
            cpu_secs,
        })
    }

    /// Phase 4: the fleet goes on at the set rate; then the scorers stop
    /// and the latencies of this phase are read.
    pub fn latency(mut self) -> Result<Latency> {
        let producer = match self.producer.take() {
            Some(p) => p,
            None => Producer::new(&self.brokers, &self.opts.client)?,
        };
        // The backlog's last events may still wait for their
        // acknowledgement (the event producer trails a scorer at full
        // speed by up to a second): counted here, their backlog records'
        // timestamps would pass for this phase's latencies.
        let queued = |b: &Self| -> u64 {
            b.stats
                .iter()
                .map(|s| {
                    s.published_to(&b.topics.predictions) + s.published_to(&b.topics.optimizations)
                })
                .sum()
        };
        let acked = |b: &Self| -> u64 { b.stats.iter().map(|s| s.latency_counts().1 as u64).sum() };
        let settle = Instant::now() + Duration::from_secs(30);
        while acked(&self) < queued(&self) && Instant::now() < settle {
            producer.poll();
            std::thread::sleep(Duration::from_millis(5));
        }
        let before: Vec<(usize, usize, usize)> =
            self.stats.iter().map(|s| s.latency_counts()).collect();
        let live_samples: usize = self.live.iter().map(|r| r.2).sum();
        let start = Instant::now();
        let mut sent = 0usize;
        for (key, value, count) in &self.live {
            let due = Duration::from_secs_f64(sent as f64 / self.opts.rate.max(1) as f64);
            while start.elapsed() < due {
                producer.poll();
                std::thread::sleep(
                    Duration::from_micros(200).min(due.saturating_sub(start.elapsed())),
                );
            }
            producer.send(&self.topics.metrics, key.as_bytes(), value)?;
            producer.poll();
            sent += count;
        }
        producer.flush(Duration::from_secs(60))?;
        let target = (self.backlog_size().0 + live_samples) as u64;
        let deadline = Instant::now() + Duration::from_secs(120);
        while self.decoded() < target && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(200)); // last event acknowledgements
        let (mut rec, mut ev, mut cp) = (Vec::new(), Vec::new(), Vec::new());
        for (s, (r0, e0, c0)) in self.stats.iter().zip(before) {
            let l = s.latencies();
            rec.extend_from_slice(&l.record[r0.min(l.record.len())..]);
            ev.extend_from_slice(&l.event[e0.min(l.event.len())..]);
            cp.extend_from_slice(&l.checkpoint[c0.min(l.checkpoint.len())..]);
        }
        self.stop.store(true, Ordering::Relaxed);
        let mut published = 0;
        for h in self.scorers.drain(..) {
            published += h.join().map_err(|_| Error::Panicked("scorer"))??.events;
        }
        Ok(Latency {
            record_p50_ms: quantile_ms(&mut rec, 0.5),
            record_p99_ms: quantile_ms(&mut rec, 0.99),
            records: rec.len(),
            event_p50_ms: quantile_ms(&mut ev, 0.5),
            event_p99_ms: quantile_ms(&mut ev, 0.99),
            events: ev.len(),
            published,
            checkpoint_max_ms: quantile_ms(&mut cp, 1.0),
            checkpoints: cp.len(),
        })
    }
}
