//! [`simulate`]: plan a fleet, then stream it to `metrics.parquet`,
//! `metrics.csv`, `logs.jsonl` and `labels.json`. The generator fills one
//! block of steps at a time (services split across threads); each output
//! has its own writer thread fed through a bounded channel, so memory
//! stays at a few blocks whatever the run's length.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use super::csv::CsvSink;
use super::jsonl::JsonlSink;
use super::parquet::{ParquetEncoder, ParquetFile};
use super::pipeline::{self, Outputs};
use crate::config::{OutputFormat, SimConfig};
use crate::engine::Generator;
use crate::plan::Plan;
use crate::{Error, Result};

/// File names inside the output directory.
pub const METRICS_PARQUET: &str = "metrics.parquet";
/// See [`METRICS_PARQUET`].
pub const METRICS_CSV: &str = "metrics.csv";
/// See [`METRICS_PARQUET`].
pub const LOGS_JSONL: &str = "logs.jsonl";
/// See [`METRICS_PARQUET`].
pub const LABELS_JSON: &str = "labels.json";

/// One written file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputFile {
    /// File name within the output directory.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// What [`simulate`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimSummary {
    /// The output directory.
    pub out_dir: PathBuf,
    /// The seed.
    pub seed: u64,
    /// Services in the fleet.
    pub services: usize,
    /// Instances in the fleet.
    pub instances: usize,
    /// Time steps.
    pub steps: u64,
    /// Sampling interval, seconds.
    pub interval_s: f64,
    /// First timestamp.
    pub start: DateTime<Utc>,
    /// Timestamp after the last step.
    pub end: DateTime<Utc>,
    /// Metric rows (per metric file).
    pub metric_rows: u64,
    /// Log lines.
    pub log_lines: u64,
    /// Labelled incidents (one per affected service).
    pub incidents: usize,
    /// Labelled traps.
    pub traps: usize,
    /// Scenarios planned but dropped for lack of a free window.
    pub unplaced_scenarios: usize,
    /// Which metric files were written.
    pub format: OutputFormat,
    /// The files written, with sizes.
    pub files: Vec<OutputFile>,
    /// Wall-clock seconds.
    pub elapsed_s: f64,
}

fn progress_bar(steps: u64, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    // Hidden automatically when stderr is not a terminal.
    let pb = ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {percent:>3}% {human_pos}/{human_len} steps, ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    pb.set_style(style);
    pb
}

/// Simulate the fleet of `cfg` into `out_dir` (created if missing):
/// `metrics.parquet` and/or `metrics.csv` (per `cfg.output.format`),
/// `logs.jsonl` (when logs are enabled) and `labels.json`. Same config and
/// seed, same bytes. `progress` draws a bar on stderr when it is a terminal.
pub fn simulate(cfg: &SimConfig, out_dir: &Path, progress: bool) -> Result<SimSummary> {
    let started = Instant::now();
    cfg.validate().map_err(Error::Config)?;
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let plan = Arc::new(Plan::build(cfg));
    plan.labels.write(&out_dir.join(LABELS_JSON))?;
    let threads = match cfg.output.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let mut generator = Generator::new(Arc::clone(&plan), threads);
    let rows_per_step = generator.rows_per_step();
    let block_steps = (cfg.output.rows_per_group / rows_per_step.max(1)).max(1);
    let fmt = cfg.output.format;
    let topo = &plan.topology;
    let (start_ms, dt_ms) = (plan.start_ms, plan.dt_ms);
    let parquet = if fmt.parquet() {
        let path = out_dir.join(METRICS_PARQUET);
        let encoder = ParquetEncoder::new(
            &path,
            topo,
            block_steps,
            start_ms,
            dt_ms,
            cfg.output.compression,
        )?;
        let file = ParquetFile::create(&path, &encoder)?;
        Some((encoder, file))
    } else {
        None
    };
    let csv = fmt
        .csv()
        .then(|| CsvSink::create(&out_dir.join(METRICS_CSV), topo, start_ms, dt_ms))
        .transpose()?;
    let jsonl = plan
        .log_rate
        .is_some()
        .then(|| JsonlSink::create(&out_dir.join(LOGS_JSONL), Arc::clone(&plan)))
        .transpose()?;
    let pb = progress_bar(plan.steps, progress);
    let outputs = Outputs {
        parquet,
        csv,
        jsonl,
        encoders: threads,
    };
    let (pq_bytes, csv_bytes, logs_out) = pipeline::run(&mut generator, block_steps, outputs, &pb)?;
    pb.finish_and_clear();

    let labels_bytes = std::fs::metadata(out_dir.join(LABELS_JSON))
        .map_err(|e| Error::io(out_dir.join(LABELS_JSON), e))?
        .len();
    let mut files = Vec::new();
    let mut add = |name: &str, bytes: Option<u64>| {
        if let Some(bytes) = bytes {
            files.push(OutputFile {
                name: name.to_string(),
                bytes,
            });
        }
    };
    add(METRICS_PARQUET, pq_bytes);
    add(METRICS_CSV, csv_bytes);
    add(LOGS_JSONL, logs_out.map(|(b, _)| b));
    add(LABELS_JSON, Some(labels_bytes));
    Ok(SimSummary {
        out_dir: out_dir.to_path_buf(),
        seed: cfg.seed,
        services: topo.services.len(),
        instances: topo.instance_count(),
        steps: plan.steps,
        interval_s: cfg.interval.as_secs_f64(),
        start: plan.labels.start,
        end: plan.labels.end,
        metric_rows: plan.steps * rows_per_step as u64,
        log_lines: logs_out.map_or(0, |(_, n)| n),
        incidents: plan.labels.incidents.len(),
        traps: plan.labels.traps.len(),
        unplaced_scenarios: plan.unplaced,
        format: fmt,
        files,
        elapsed_s: started.elapsed().as_secs_f64(),
    })
}
