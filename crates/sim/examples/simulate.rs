//! Generate a simulated fleet into a directory, like `forewarn simulate`
//! (whose flags it mirrors), for use before the CLI is wired and for the
//! scale measurement:
//!
//! ```text
//! cargo run --release -p forewarn-sim --example simulate -- \
//!     --services 1000 --duration 7d --interval 10s --seed 1 --format parquet --out /tmp/fleet
//! ```
//!
//! Prints a human summary to stderr and the JSON summary to stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use forewarn_core::HumanDuration;
use forewarn_sim::{Compression, OutputFormat, SimConfig};

/// Simulate a fleet into DIR (see `forewarn simulate --help`).
#[derive(Debug, Parser)]
struct Args {
    /// Output directory.
    #[arg(long)]
    out: PathBuf,
    /// Number of services.
    #[arg(long, default_value_t = 6)]
    services: usize,
    /// Simulated time span.
    #[arg(long, default_value = "1d")]
    duration: HumanDuration,
    /// Sampling interval.
    #[arg(long, default_value = "10s")]
    interval: HumanDuration,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// parquet, csv or both.
    #[arg(long, default_value = "both")]
    format: OutputFormat,
    /// Instances per service.
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// Log lines per instance per minute.
    #[arg(long, default_value_t = 1.0)]
    log_rate: f64,
    /// No logs.
    #[arg(long)]
    no_logs: bool,
    /// Generator threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Parquet compression: lz4, zstd, snappy or uncompressed.
    #[arg(long, default_value = "lz4")]
    compression: Compression,
}

fn main() -> anyhow::Result<ExitCode> {
    let a = Args::parse();
    let mut cfg = SimConfig {
        services: a.services,
        instances_per_service: a.instances,
        duration: a.duration,
        interval: a.interval,
        seed: a.seed,
        ..SimConfig::default()
    };
    cfg.output.format = a.format;
    cfg.output.threads = a.threads;
    cfg.output.compression = a.compression;
    cfg.logs.lines_per_minute = a.log_rate;
    cfg.logs.enabled = !a.no_logs;
    let s = forewarn_sim::simulate(&cfg, &a.out, true)
        .with_context(|| format!("while simulating into {}", a.out.display()))?;
    eprintln!(
        "Simulated {} services over {} steps: {} metric rows, {} log lines, {} incidents, {} traps in {:.1}s.",
        s.services, s.steps, s.metric_rows, s.log_lines, s.incidents, s.traps, s.elapsed_s
    );
    println!("{}", serde_json::to_string(&s)?);
    Ok(ExitCode::SUCCESS)
}
