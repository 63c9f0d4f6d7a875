//! `forewarn simulate`: generate a labelled synthetic fleet (metrics, logs,
//! incidents and traps) into a directory, deterministically for a seed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use forewarn_core::HumanDuration;
use forewarn_sim::{Compression, Labels, OutputFormat, SimConfig};

/// Simulate a fleet of services with a dependency graph and write
/// `metrics.parquet` and/or `metrics.csv` (long format: ts, service,
/// instance, metric, value), `logs.jsonl` and `labels.json` (incidents with
/// onset, failure time and root cause; traps listed separately) into DIR,
/// and `pipeline.yaml`: the default pipeline with this fleet's services
/// (dependencies, limits, SLOs), for `forewarn train`, `backtest` and `score`.
/// The same flags and seed always give the same bytes. Flags override the
/// `--config` file, which overrides the defaults.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Number of services [default: 6].
    #[arg(long, value_name = "N")]
    services: Option<usize>,
    /// Simulated time span, e.g. `90m`, `1d`, `7d` [default: 1d].
    #[arg(long)]
    duration: Option<HumanDuration>,
    /// Sampling interval of every metric, e.g. `10s`, `60s` [default: 60s, the
    /// interval the default model was trained at]. Written to the
    /// `pipeline.yaml` beside the data as `features.expected_interval`.
    #[arg(long)]
    interval: Option<HumanDuration>,
    /// Random seed [default: 1].
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Metric files to write: `parquet`, `csv` or `both` [default: both].
    /// At large scale use `parquet`: CSV costs about 60 bytes per row.
    #[arg(long)]
    format: Option<OutputFormat>,
    /// Parquet compression: `lz4`, `zstd` (a third smaller, ~50% more CPU),
    /// `snappy` or `uncompressed` [default: lz4].
    #[arg(long)]
    compression: Option<Compression>,
    /// Instances per service [default: 1].
    #[arg(long, value_name = "N")]
    instances: Option<usize>,
    /// Timestamp of the first sample, RFC 3339 [default: 2026-01-05T00:00:00Z, a Monday].
    #[arg(long, value_name = "TS")]
    start: Option<String>,
    /// Expected incidents per service per day, on top of one of each kind
    /// [default: 0.05].
    #[arg(long, value_name = "RATE")]
    incident_rate: Option<f64>,
    /// Expected traps per service per day, on top of one of each kind [default: 0.1].
    #[arg(long, value_name = "RATE")]
    trap_rate: Option<f64>,
    /// Mean log lines per instance per minute outside incidents [default: 1].
    #[arg(long, value_name = "N")]
    log_rate: Option<f64>,
    /// Do not generate logs.
    #[arg(long)]
    no_logs: bool,
    /// Generator threads; 0 = one per core. Output does not depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// A JSON file with a full or partial simulator config (scenario mix,
    /// traffic shape, ...); its keys are listed in the README, section
    /// "Simulator".
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Never draw the progress bar (it is hidden anyway when stderr is not a terminal).
    #[arg(long)]
    no_progress: bool,
    /// Produce to Kafka instead of writing metric and log files: bootstrap
    /// brokers `host:port[,host:port...]` (the same flag as `score` and
    /// `remediate`; `--kafka` is an older name for it). Metrics
    /// (metric-sample JSON) and logs (log-record JSON) are keyed by
    /// service; `--out` still receives `labels.json` and `pipeline.yaml`.
    #[arg(long, alias = "kafka", value_name = "BROKERS")]
    brokers: Option<String>,
    /// With `--brokers`: simulated seconds per wall-clock second (60 = an hour
    /// a minute, 1 = real time); 0 = as fast as the broker takes it.
    #[arg(long, default_value_t = 0.0, value_name = "X")]
    speed: f64,
    /// With `--brokers`: the metrics topic.
    #[arg(long, default_value = "forewarn.metrics", value_name = "TOPIC")]
    metrics_topic: String,
    /// With `--brokers`: the logs topic.
    #[arg(long, default_value = "forewarn.logs", value_name = "TOPIC")]
    logs_topic: String,
    /// With `--brokers`: create the two topics with N partitions first, unless
    /// they exist (needed on brokers that do not create topics on first use).
    #[arg(long, value_name = "N")]
    create_topics: Option<i32>,
    /// With `--brokers`: how long to wait for a broker to answer before
    /// anything is produced; past it the run exits non-zero, naming the
    /// addresses it could not reach.
    #[arg(long, default_value = "30s")]
    startup_timeout: forewarn_core::HumanDuration,
    /// With `--brokers`: an extra Kafka client property (TLS, SASL, tuning),
    /// `key=value`; may be repeated.
    #[arg(long = "kafka-option", value_name = "KEY=VALUE")]
    kafka_options: Vec<String>,
}

fn config(args: &Args) -> anyhow::Result<SimConfig> {
    let mut cfg = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("while reading {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("while parsing {}", path.display()))?
        }
        None => SimConfig::default(),
    };
    macro_rules! set {
        ($flag:expr => $($field:tt)+) => {
            if let Some(v) = $flag {
                cfg.$($field)+ = v;
            }
        };
    }
    set!(args.services => services);
    set!(args.duration => duration);
    set!(args.interval => interval);
    set!(args.seed => seed);
    set!(args.format => output.format);
    set!(args.compression => output.compression);
    set!(args.instances => instances_per_service);
    set!(args.incident_rate => scenarios.incidents_per_service_day);
    set!(args.trap_rate => scenarios.traps_per_service_day);
    set!(args.log_rate => logs.lines_per_minute);
    set!(args.threads => output.threads);
    if let Some(start) = &args.start {
        cfg.start = start
            .parse()
            .with_context(|| format!("while parsing --start {start:?} (expected RFC 3339)"))?;
    }
    if args.no_logs {
        cfg.logs.enabled = false;
    }
    Ok(cfg)
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let cfg = config(&args)?;
    if let Some(brokers) = args.brokers.clone() {
        return run_kafka(&cfg, &brokers, &args);
    }
    let summary = forewarn_sim::simulate(&cfg, &args.out, !args.no_progress)
        .with_context(|| format!("while simulating into {}", args.out.display()))?;
    note!(
        "Simulated {} services ({} instances) over {} steps of {}s: {} metric rows, {} log lines, {} incidents, {} traps in {:.1}s.",
        summary.services,
        summary.instances,
        summary.steps,
        summary.interval_s,
        summary.metric_rows,
        summary.log_lines,
        summary.incidents,
        summary.traps,
        summary.elapsed_s,
    );
    for f in &summary.files {
        note!(
            "  {}/{} ({} bytes)",
            summary.out_dir.display(),
            f.name,
            f.bytes
        );
    }
    if summary.unplaced_scenarios > 0 {
        note!(
            "  note: {} planned scenarios found no free window and were skipped",
            summary.unplaced_scenarios
        );
    }
    let labels_path = summary.out_dir.join("labels.json");
    let labels = Labels::read(&labels_path)
        .with_context(|| format!("while reading back {}", labels_path.display()))?;
    let pipeline_path = summary.out_dir.join("pipeline.yaml");
    std::fs::write(
        &pipeline_path,
        forewarn_harness::fleet_pipeline_yaml(&labels)?,
    )
    .with_context(|| format!("while writing {}", pipeline_path.display()))?;
    note!("  {}", pipeline_path.display());
    super::print(&serde_json::to_string(&summary)?)?;
    Ok(ExitCode::SUCCESS)
}

/// `--brokers` mode: the same fleet, step by step, produced to the metrics and
/// logs topics at `--speed`; the ground truth goes to `--out`.
fn run_kafka(cfg: &SimConfig, brokers: &str, args: &Args) -> anyhow::Result<ExitCode> {
    if !(args.speed >= 0.0 && args.speed.is_finite()) {
        anyhow::bail!(
            "--speed must be 0 (as fast as possible) or positive, not {}",
            args.speed
        );
    }
    let options = super::kafka_options(&args.kafka_options)?;
    let fleet = forewarn_sim::Fleet::new(cfg).context("while setting up the fleet")?;
    let labels = fleet.labels().clone();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("while creating {}", args.out.display()))?;
    labels
        .write(&args.out.join("labels.json"))
        .context("while writing labels.json")?;
    std::fs::write(
        args.out.join("pipeline.yaml"),
        forewarn_harness::fleet_pipeline_yaml(&labels)?,
    )
    .context("while writing pipeline.yaml")?;
    let timeout = args.startup_timeout.into();
    let topics = [args.metrics_topic.as_str(), args.logs_topic.as_str()];
    let probe = || forewarn_kafka::probe(brokers, &options, timeout);
    let mut cluster = probe()?;
    if let Some(partitions) = args.create_topics {
        forewarn_kafka::ensure_topics(brokers, &options, &topics, partitions, timeout)?;
        cluster = probe()?;
    }
    let missing = cluster.missing(&topics);
    if !missing.is_empty() {
        anyhow::bail!(
            "topic(s) {} do not exist on {brokers} (a broker that does not create topics on first use); create them, or pass --create-topics N",
            missing.join(", ")
        );
    }
    let producer = forewarn_kafka::Producer::new(brokers, &options)?;
    let started = std::time::Instant::now();
    let interval_s = cfg.interval.as_secs_f64();
    let steps = fleet.steps();
    let (metrics, logs) = forewarn_harness::produce_fleet(
        fleet,
        &producer,
        &args.metrics_topic,
        Some(&args.logs_topic),
        interval_s,
        args.speed,
        |_| {},
    )?;
    let d = producer
        .flush(std::time::Duration::from_secs(60))
        .context("while waiting for the broker's acknowledgements")?;
    let elapsed_s = started.elapsed().as_secs_f64();
    note!(
        "Produced {metrics} metric samples and {logs} log lines ({steps} steps of {interval_s}s) to {brokers} in {elapsed_s:.1}s: {} acknowledged, {} failed; labels in {}.",
        d.acked,
        d.failed,
        args.out.join("labels.json").display()
    );
    let line = serde_json::json!({
        "brokers": brokers,
        "metrics_topic": args.metrics_topic,
        "logs_topic": args.logs_topic,
        "metrics": metrics,
        "logs": logs,
        "acked": d.acked,
        "failed": d.failed,
        "incidents": labels.incidents.len(),
        "traps": labels.traps.len(),
        "elapsed_s": elapsed_s,
    });
    super::print(&line.to_string())?;
    Ok(if d.failed == 0 && d.acked == metrics + logs {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
