//! `forewarn score`: the streaming scorer. Consumes the pipeline's metrics
//! and logs topics as a member of a consumer group, publishes
//! predicted-issue and optimization events, checkpoints state per
//! partition, and serves `/metrics` and `/health`. Before it joins its
//! group it checks the broker answers (`--startup-timeout`) and has every
//! topic of the pipeline (`--create-topics N` creates them). SIGTERM or
//! Ctrl-C stops
//! it gracefully: the record in hand is finished, events are published,
//! state is checkpointed and offsets committed before it leaves the group.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use forewarn_core::HumanDuration;
use forewarn_scorer::ScorerOptions;
use forewarn_stream::{ScoreOptions, Stats};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Kafka bootstrap brokers, `host:port[,host:port]`.
    #[arg(long, env = "FOREWARN_BROKERS")]
    brokers: String,
    /// Pipeline file (topics, formats, features, models, thresholds,
    /// services) [default: pipelines/default.yaml under the working
    /// directory, else the built-in copy of it].
    #[arg(long, value_name = "FILE")]
    pipeline: Option<PathBuf>,
    /// Trained model artifact directory.
    #[arg(long, default_value = "models/default")]
    model: PathBuf,
    /// Consumer group: every scorer of one pipeline joins the same group
    /// and they share the partitions.
    #[arg(long, default_value = "forewarn-scorer")]
    group: String,
    /// Address of `/metrics` (Prometheus) and `/health`; port 0 picks one.
    #[arg(long, default_value = "127.0.0.1:9464")]
    listen: SocketAddr,
    /// Wall-clock time between checkpoints of state and offset commits.
    #[arg(long, default_value = "10s")]
    checkpoint_every: HumanDuration,
    /// Most series in memory (new series over it are refused and counted).
    #[arg(long, default_value_t = 1_000_000)]
    max_series: usize,
    /// Evict a series (and a service's log state) after this long without
    /// a sample (event time); an open incident without a signal this long
    /// is resolved.
    #[arg(long, default_value = "6h")]
    idle_after: HumanDuration,
    /// How often each series' models are evaluated (event time).
    #[arg(long, default_value = "30s")]
    eval_every: HumanDuration,
    /// How far an event time may run ahead of both the wall clock and the
    /// newest event time of its partition; a sample or log line beyond it
    /// goes to the dead-letter topic (reason `future_timestamp`) and moves
    /// no clock.
    #[arg(long, default_value = "5m")]
    max_future: HumanDuration,
    /// Largest record decoded, in bytes; a larger one goes to the
    /// dead-letter topic (reason `oversize_record`) unparsed.
    #[arg(long, value_name = "BYTES", default_value_t = forewarn_stream::limits::DEFAULT_MAX_RECORD_BYTES)]
    max_record_bytes: usize,
    /// Most labels on one sample; a record with a sample over it goes to
    /// the dead-letter topic (reason `oversize_labels`).
    #[arg(long, value_name = "N", default_value_t = forewarn_stream::limits::DEFAULT_MAX_LABELS)]
    max_labels: usize,
    /// Longest service, instance, metric name, label name or label value
    /// (bytes); beyond it, reason `oversize_labels`. Each becomes part of
    /// a series key held in memory and in every checkpoint.
    #[arg(long, value_name = "BYTES", default_value_t = forewarn_stream::limits::DEFAULT_MAX_LABEL_BYTES)]
    max_label_bytes: usize,
    /// Create the pipeline's topics first (sources and sinks with N
    /// partitions, the checkpoint topic compacted), unless they exist.
    /// Without it, a start on a broker that lacks any of them fails at
    /// once, naming them.
    #[arg(long, value_name = "N")]
    create_topics: Option<i32>,
    /// How long to wait at start for a broker to answer; past it the run
    /// exits non-zero, naming the addresses it could not reach.
    #[arg(long, default_value = "30s")]
    startup_timeout: HumanDuration,
    /// An extra Kafka client property for every client (TLS, SASL, tuning),
    /// e.g. `security.protocol=SASL_SSL`; repeatable.
    #[arg(long = "kafka-option", value_name = "KEY=VALUE")]
    kafka_options: Vec<String>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let pipeline = super::pipeline_or_default(args.pipeline.as_deref())?;
    let (model, model_ref) = super::load_model(&args.model, &pipeline)?;
    let client = super::kafka_options(&args.kafka_options)?;
    let stats = Arc::new(Stats::new(false));
    let bound = forewarn_stream::serve(args.listen, Arc::clone(&stats))
        .with_context(|| format!("while listening on {}", args.listen))?;
    note!(
        "forewarn score: group {} on {}; metrics at http://{bound}/metrics, health at http://{bound}/health",
        args.group,
        args.brokers
    );
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("while installing the signal handler")?;
    }
    let mut opts = ScoreOptions::new(&args.brokers);
    opts.group = args.group.clone();
    opts.client = client;
    opts.checkpoint_every = args.checkpoint_every.into();
    opts.max_future = args.max_future.into();
    opts.limits = forewarn_stream::RecordLimits {
        max_record_bytes: args.max_record_bytes,
        max_labels: args.max_labels,
        max_label_bytes: args.max_label_bytes,
    };
    opts.startup_timeout = args.startup_timeout.into();
    opts.create_topics = args.create_topics;
    opts.scorer = ScorerOptions {
        eval_every: args.eval_every.into(),
        max_series: args.max_series,
        model_ref,
        idle_after: args.idle_after.into(),
    };
    let summary = forewarn_stream::run(pipeline, model, opts, stats, stop)?;
    note!(
        "forewarn score stopped: {} records read, {} samples decoded, {} dead letters, {} events published.",
        summary.consumed,
        summary.decoded,
        summary.rejected,
        summary.events
    );
    super::print(
        &serde_json::json!({
            "consumed": summary.consumed,
            "decoded": summary.decoded,
            "rejected": summary.rejected,
            "events": summary.events,
        })
        .to_string(),
    )?;
    Ok(ExitCode::SUCCESS)
}
