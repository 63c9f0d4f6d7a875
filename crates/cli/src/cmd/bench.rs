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

use forewarn_core::{Format, HumanDuration};
use forewarn_harness::bench::{BenchOptions, StreamBench};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Throughput and latency of `forewarn score`, topic to events.
    Stream(StreamArgs),
    /// Log template mining end to end on one core: a log file read,
    /// split into lines, headers parsed, masked and mined.
    Logs(super::bench_logs::LogsArgs),
    /// Overhead of `forewarn watch` on a request-serving child, and its
    /// crash-to-healthy recovery time.
    Watch(super::bench_watch::WatchArgs),
    /// The request-serving child of `bench watch` (HTTP on 127.0.0.1).
    #[command(hide = true)]
    Serve(super::bench_watch::ServeArgs),
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
    /// Wire format of the records: `arrow` (record batches) or `json`
    /// (one sample per record); `influx` and `prometheus` also work.
    #[arg(long, value_enum, default_value_t = Format::Arrow)]
    format: Format,
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
        What::Logs(a) => super::bench_logs::logs(a),
        What::Watch(a) => super::bench_watch::watch(a),
        What::Serve(a) => super::bench_watch::serve(a),
    }
}

fn stream(args: StreamArgs) -> anyhow::Result<ExitCode> {
    let opts = BenchOptions {
        brokers: args.brokers.clone(),
        instances: args.instances,
        samples: args.samples,
        services: args.services,
        batch: args.batch,
        format: args.format,
        partitions: args.partitions,
        rate: args.rate,
        latency_for: args.latency_for,
        client: super::kafka_options(&args.kafka_options)?,
    };
    note!(
        "Encoding {} samples (and the latency phase's) of {} services...",
        args.samples,
        args.services
    );
    let mut bench = StreamBench::prepare(opts)?;
    let (model, model_ref) = super::load_model(&args.model, bench.pipeline())?;
    bench.join(model, model_ref)?;
    let t = bench.throughput()?;
    let throughput = t.samples as f64 / t.secs;
    note!(
        "Throughput: {} samples in {:.2}s = {throughput:.0} samples/s ({:.0} records/s) with {} instance(s); the {} left when the producer was done: {:.0} samples/s",
        t.samples,
        t.secs,
        t.records as f64 / t.secs,
        args.instances,
        t.drained,
        t.drained as f64 / t.drain_secs
    );
    if let Some(cpu) = t.cpu_secs {
        note!(
            "Scorer threads' CPU: {cpu:.2}s, {:.2} µs per sample",
            cpu * 1e6 / t.samples.max(1) as f64
        );
    }
    let brokers = bench.brokers_label().to_string();
    let l = bench.latency()?;
    let fmt = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.1} ms"));
    note!(
        "Latency at {} samples/s for {}: record produced → scored p50 {} p99 {} ({} records); record produced → event acknowledged p50 {} p99 {} ({} events)",
        args.rate,
        args.latency_for,
        fmt(l.record_p50_ms),
        fmt(l.record_p99_ms),
        l.records,
        fmt(l.event_p50_ms),
        fmt(l.event_p99_ms),
        l.events
    );
    note!(
        "Checkpoints in that phase: {}, the longest held the scorer's loop {}",
        l.checkpoints,
        fmt(l.checkpoint_max_ms)
    );
    let arrow = args.format == Format::Arrow;
    super::print(
        &serde_json::json!({
            "brokers": brokers,
            "instances": args.instances,
            "format": args.format.name(),
            "batch": if arrow { args.batch } else { 1 },
            "partitions": args.partitions,
            "backlog_samples": t.samples,
            "backlog_records": t.records,
            "throughput_samples_per_s": throughput,
            "backlog_drained_samples": t.drained,
            "backlog_drain_samples_per_s": t.drained as f64 / t.drain_secs,
            "scorer_cpu_us_per_sample": t.cpu_secs.map(|c| c * 1e6 / t.samples.max(1) as f64),
            "latency_rate_samples_per_s": args.rate,
            "record_latency_p50_ms": l.record_p50_ms,
            "record_latency_p99_ms": l.record_p99_ms,
            "records_measured": l.records,
            "event_latency_p50_ms": l.event_p50_ms,
            "event_latency_p99_ms": l.event_p99_ms,
            "events_measured": l.events,
            "checkpoints_measured": l.checkpoints,
            "checkpoint_max_ms": l.checkpoint_max_ms,
            "events_published": l.published,
        })
        .to_string(),
    )?;
    Ok(ExitCode::SUCCESS)
}
