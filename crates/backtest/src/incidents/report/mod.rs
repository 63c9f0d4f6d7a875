//! What `forewarn backtest run --out DIR` writes:
//!
//! - `report.md`: the summary table (Forewarn beside the baselines) and
//!   one line per incident;
//! - `report.html`: the same, with a plot per labelled incident and trap:
//!   the series behind it, the labelled window (onset → failure, shaded),
//!   the failure time, every detector's alerts, Forewarn's predicted
//!   failure times and, below, the probability of Forewarn's events;
//! - `results.parquet`: one row per (detector, incident) and per alert,
//!   for notebooks (`notebooks/backtest.ipynb` reads it);
//! - `events.jsonl`: every predicted-issue event the scorer published;
//! - `optimizations.jsonl`: every optimization event it published;
//! - `summary.json`: the summaries.
//!
//! Layout: this file writes the files; `markdown` and `html` render the
//! reports (their shared table and formatting in `table`); `parquet` writes
//! the per-row results.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use forewarn_core::contracts::{OptimizationEvent, PredictedIssue};
use forewarn_sim::Labels;
use forewarn_train::History;

use super::Evaluation;

mod html;
mod markdown;
mod parquet;
mod table;

pub use html::html;
pub use markdown::markdown;
pub use parquet::write_parquet;
pub use table::human_secs;

/// Write every report file into `dir` (created if missing).
pub fn write_all(
    dir: &Path,
    eval: &Evaluation,
    labels: &Labels,
    history: &History,
    events: &[PredictedIssue],
    optimizations: &[OptimizationEvent],
    title: &str,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut opt = BufWriter::new(File::create(dir.join("optimizations.jsonl"))?);
    for e in optimizations {
        serde_json::to_writer(&mut opt, e).map_err(std::io::Error::other)?;
        opt.write_all(b"\n")?;
    }
    opt.flush()?;
    std::fs::write(dir.join("report.md"), markdown(eval, title))?;
    std::fs::write(
        dir.join("report.html"),
        html(eval, labels, history, events, title),
    )?;
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&eval.summaries).map_err(std::io::Error::other)?,
    )?;
    let mut out = BufWriter::new(File::create(dir.join("events.jsonl"))?);
    for e in events {
        serde_json::to_writer(&mut out, e).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    write_parquet(&dir.join("results.parquet"), eval).map_err(std::io::Error::other)
}
