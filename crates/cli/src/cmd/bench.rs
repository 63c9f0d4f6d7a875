//! `forewarn bench stream`: end-to-end throughput and latency of the
//! streaming scorer, topic to events, on a broker of your choice (a real
//! one on loopback, e.g. tansu, with `--brokers`; the embedded one
//! otherwise).
//!
//! 1. **Throughput.** `--instances` scorers join one consumer group, one
//!    after the other (threads of this process, each a full `forewarn
//!    score` runtime). Then a simulated fleet is produced as fast as the
//!    broker takes it, in the pipeline's high-volume format (Arrow IPC,
//!    `--batch` samples of one service per record, keyed by service; or one
//!    JSON sample per record), and the clock runs from the first sample
//!    scored to the last.
//! 2. **Latency.** With the scorers caught up, the fleet goes on at
//!    `--rate` samples per second for `--latency-for`; each record's Kafka
//!    timestamp is its produce time, and the scorer records when it was
//!    scored (record latency) and when each event it caused was
//!    acknowledged by the broker (event latency). p50 and p99 of both.
//!
//! The last stdout line is JSON with every figure.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use forewarn_core::HumanDuration;
use forewarn_core::contracts::MetricSample;
use forewarn_kafka::{EmbeddedBroker, Producer};
use forewarn_scorer::ScorerOptions;
use forewarn_sim::SimConfig;
use forewarn_stream::{ScoreOptions, Stats, Topics};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Throughput and latency of `forewarn score`, topic to events.
    Stream(StreamArgs),
}

#[derive(Debug, clap::Args)]
struct StreamArgs {
    /// Brokers to run on (default: an embedded broker in this process).
    #[arg(long)]
    brokers: Option<String>,
    /// Scorer instances in the consumer group.
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// Samples in the throughput backlog.
    #[arg(long, default_value_t = 2_000_000)]
    samples: usize,
    /// Services in the simulated fleet (sampled every 10 s, 13 metrics each).
    #[arg(long, default_value_t = 100)]
    services: usize,
    /// Samples per Arrow record (1 with `--format json`).
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Wire format: `arrow` (record batches) or `json` (one sample per record).
    #[arg(long, default_value = "arrow")]
    format: String,
    /// Partitions of each topic.
    #[arg(long, default_value_t = 4)]
    partitions: i32,
    /// Samples per second during the latency phase.
    #[arg(long, default_value_t = 50_000)]
    rate: usize,
    /// Length of the latency phase.
    #[arg(long, default_value = "10s")]
    latency_for: HumanDuration,
    /// Trained model artifact directory.
    #[arg(long, default_value = "models/default")]
    model: PathBuf,
    /// An extra Kafka client property for every client; repeatable.
    #[arg(long = "kafka-option", value_name = "KEY=VALUE")]
    kafka_options: Vec<String>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.what {
        What::Stream(a) => stream(a),
    }
}

/// p-quantile (0..1) of `v` (sorted here), seconds → milliseconds.
fn quantile_ms(v: &mut [f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    Some(v[i] * 1000.0)
}

/// Records of `samples` keyed by service: Arrow batches of `batch` samples
/// of one service, or one JSON sample each.
struct Encoder {
    arrow: bool,
    batch: usize,
    pending: std::collections::BTreeMap<String, Vec<MetricSample>>,
}

impl Encoder {
    fn push(
        &mut self,
        s: MetricSample,
        out: &mut Vec<(String, Vec<u8>, usize)>,
    ) -> anyhow::Result<()> {
        if !self.arrow {
            out.push((s.service.clone(), serde_json::to_vec(&s)?, 1));
            return Ok(());
        }
        let buf = self.pending.entry(s.service.clone()).or_default();
        buf.push(s);
        if buf.len() >= self.batch {
            let key = buf[0].service.clone();
            out.push((key, forewarn_formats::encode_arrow_ipc(buf), buf.len()));
            buf.clear();
        }
        Ok(())
    }

    fn flush(&mut self, out: &mut Vec<(String, Vec<u8>, usize)>) {
        for (service, buf) in &mut self.pending {
            if !buf.is_empty() {
                out.push((
                    service.clone(),
                    forewarn_formats::encode_arrow_ipc(buf),
                    buf.len(),
                ));
                buf.clear();
            }
        }
    }
}

fn stream(args: StreamArgs) -> anyhow::Result<ExitCode> {
    let arrow = match args.format.as_str() {
        "arrow" => true,
        "json" => false,
        other => anyhow::bail!("--format must be arrow or json, not {other:?}"),
    };
    let per_step = args.services * 13;
    let latency_samples = args.rate * args.latency_for.as_millis() as usize / 1000;
    let steps = (args.samples + latency_samples).div_ceil(per_step) + 1;
    let cfg = SimConfig {
        services: args.services,
        duration: HumanDuration::from_secs(steps as i64 * 10),
        interval: HumanDuration::from_secs(10),
        seed: 5,
        ..SimConfig::default()
    };
    let mut fleet_cfg = cfg.clone();
    fleet_cfg.logs.enabled = false;
    let fleet = forewarn_sim::Fleet::new(&fleet_cfg).context("while setting up the fleet")?;
    let mut pipeline = super::simulate::fleet_pipeline(fleet.labels())?;
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
    pipeline.sources.metrics.format = if arrow {
        forewarn_config::Format::Arrow
    } else {
        forewarn_config::Format::Json
    };
    let (model, model_ref) = super::load_model(&args.model, &pipeline)?;
    let client = super::kafka_options(&args.kafka_options)?;
    let topics = Topics::of(&pipeline);

    let embedded;
    let brokers = match &args.brokers {
        Some(b) => {
            forewarn_stream::ensure_topics(
                &pipeline,
                b,
                &[],
                args.partitions,
                Duration::from_secs(30),
            )?;
            b.clone()
        }
        None => {
            embedded = EmbeddedBroker::start(&[
                (&topics.metrics, args.partitions),
                (&topics.predictions, args.partitions),
                (&topics.optimizations, args.partitions),
                (&topics.dead_letter, args.partitions),
                (&topics.checkpoints, 1),
            ])?;
            embedded.bootstrap()
        }
    };

    // The records, encoded before any clock runs.
    eprintln!(
        "Encoding {} + {latency_samples} samples of {} services...",
        args.samples, args.services
    );
    let mut enc = Encoder {
        arrow,
        batch: args.batch.max(1),
        pending: Default::default(),
    };
    let (mut backlog, mut live) = (Vec::new(), Vec::new());
    let mut n = 0usize;
    for step in fleet {
        for s in step.metrics {
            if n < args.samples {
                enc.push(s, &mut backlog)?;
                if n + 1 == args.samples {
                    enc.flush(&mut backlog);
                }
            } else if n < args.samples + latency_samples {
                enc.push(s, &mut live)?;
            }
            n += 1;
        }
    }
    enc.flush(&mut live);
    let backlog_samples: usize = backlog.iter().map(|r| r.2).sum();

    // The scorers first, each a member of one group.
    let stop = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    let mut all_stats = Vec::new();
    for i in 0..args.instances {
        let stats = Arc::new(Stats::new(true));
        all_stats.push(Arc::clone(&stats));
        let mut opts = ScoreOptions::new(&brokers);
        opts.group = format!("{run_id}.scorers");
        opts.keep_latencies = true;
        opts.client = client.clone();
        opts.scorer = ScorerOptions {
            model_ref: model_ref.clone(),
            ..ScorerOptions::default()
        };
        let (pipeline, model, stop) = (pipeline.clone(), model.clone(), Arc::clone(&stop));
        let owns = Arc::clone(&stats);
        handles.push(
            std::thread::Builder::new()
                .name(format!("scorer-{i}"))
                .spawn(move || forewarn_stream::run(pipeline, model, opts, stats, stop))?,
        );
        // One member at a time, as a group grows: wait until this one owns
        // partitions (after the rebalance its arrival causes).
        let deadline = Instant::now() + Duration::from_secs(120);
        while owns.partitions.get() == 0 {
            anyhow::ensure!(
                Instant::now() < deadline,
                "scorer {i} was given no partition within 2 minutes"
            );
            anyhow::ensure!(
                !handles.iter().any(|h| h.is_finished()),
                "a scorer stopped early"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let owned = || all_stats.iter().map(|s| s.partitions.get()).sum::<i64>();
    let deadline = Instant::now() + Duration::from_secs(120);
    while owned() != i64::from(args.partitions) || all_stats.iter().any(|s| s.partitions.get() == 0)
    {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the group never settled: {} partitions owned",
            owned()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // 1. Throughput: the backlog, into scorers that are already in their group.
    let producer = Producer::new(&brokers, &client)?;
    let t = Instant::now();
    for (key, value, _) in &backlog {
        producer.send(&topics.metrics, key.as_bytes(), value)?;
    }
    let d = producer.flush(Duration::from_secs(120))?;
    anyhow::ensure!(
        d.failed == 0,
        "{} records of the backlog were not acknowledged",
        d.failed
    );
    eprintln!(
        "Produced {} records ({backlog_samples} samples) in {:.1}s into {} scorer(s)...",
        backlog.len(),
        t.elapsed().as_secs_f64(),
        args.instances
    );
    let decoded = || all_stats.iter().map(|s| s.decoded.get()).sum::<u64>();
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut first = None;
    while decoded() < backlog_samples as u64 {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the scorers did not finish the backlog in 10 minutes"
        );
        anyhow::ensure!(
            !handles.iter().any(|h| h.is_finished()),
            "a scorer stopped early"
        );
        if first.is_none() && decoded() > 0 {
            first = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let done = Instant::now();
    let secs = done
        .duration_since(first.unwrap_or(done))
        .as_secs_f64()
        .max(1e-9);
    let throughput = backlog_samples as f64 / secs;
    eprintln!(
        "Throughput: {backlog_samples} samples in {secs:.2}s = {throughput:.0} samples/s ({:.0} records/s) with {} instance(s)",
        backlog.len() as f64 / secs,
        args.instances
    );

    // 2. Latency: the fleet goes on at --rate.
    let before: Vec<(usize, usize)> = all_stats
        .iter()
        .map(|s| {
            let l = s.latencies();
            (l.record.len(), l.event.len())
        })
        .collect();
    let live_samples: usize = live.iter().map(|r| r.2).sum();
    let start = Instant::now();
    let mut sent = 0usize;
    for (key, value, count) in &live {
        let due = Duration::from_secs_f64(sent as f64 / args.rate.max(1) as f64);
        while start.elapsed() < due {
            producer.poll();
            std::thread::sleep(Duration::from_micros(200).min(due.saturating_sub(start.elapsed())));
        }
        producer.send(&topics.metrics, key.as_bytes(), value)?;
        producer.poll();
        sent += count;
    }
    producer.flush(Duration::from_secs(60))?;
    let target = (backlog_samples + live_samples) as u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    while decoded() < target && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200)); // last event acknowledgements
    let (mut rec, mut ev) = (Vec::new(), Vec::new());
    for (s, (r0, e0)) in all_stats.iter().zip(before) {
        let l = s.latencies();
        rec.extend_from_slice(&l.record[r0.min(l.record.len())..]);
        ev.extend_from_slice(&l.event[e0.min(l.event.len())..]);
    }
    stop.store(true, Ordering::Relaxed);
    let mut events = 0;
    for h in handles {
        let summary = h
            .join()
            .map_err(|_| anyhow::anyhow!("a scorer panicked"))??;
        events += summary.events;
    }
    let (r50, r99) = (quantile_ms(&mut rec, 0.5), quantile_ms(&mut rec, 0.99));
    let (e50, e99) = (quantile_ms(&mut ev, 0.5), quantile_ms(&mut ev, 0.99));
    let fmt = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.1} ms"));
    eprintln!(
        "Latency at {} samples/s for {}: record produced → scored p50 {} p99 {} ({} records); record produced → event acknowledged p50 {} p99 {} ({} events)",
        args.rate,
        args.latency_for,
        fmt(r50),
        fmt(r99),
        rec.len(),
        fmt(e50),
        fmt(e99),
        ev.len()
    );
    super::print(
        &serde_json::json!({
            "brokers": if args.brokers.is_some() { brokers.as_str() } else { "embedded" },
            "instances": args.instances,
            "format": args.format,
            "batch": if arrow { args.batch } else { 1 },
            "partitions": args.partitions,
            "backlog_samples": backlog_samples,
            "backlog_records": backlog.len(),
            "throughput_samples_per_s": throughput,
            "latency_rate_samples_per_s": args.rate,
            "record_latency_p50_ms": r50,
            "record_latency_p99_ms": r99,
            "records_measured": rec.len(),
            "event_latency_p50_ms": e50,
            "event_latency_p99_ms": e99,
            "events_measured": ev.len(),
            "events_published": events,
        })
        .to_string(),
    )?;
    Ok(ExitCode::SUCCESS)
}
