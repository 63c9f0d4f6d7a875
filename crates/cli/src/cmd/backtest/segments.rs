//! `forewarn backtest segments`: Forewarn on labelled machine data (the
//! smd-dev layout), trained on each machine's train half, scored on its test
//! half beside the z-score and random references.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use forewarn_backtest::segments::{
    self, DetectorScores, ForewarnOptions, Layout, Machine, MachineReport, Report, Score,
};
use forewarn_core::HumanDuration;

/// Per machine: `forewarn train` on `train/M.txt`, then the last
/// `--warm-rows` train rows and `test/M.txt` through the production
/// scorer; every opened incident is an alert. Scored per labelled segment
/// of `test_label/M.txt` (no point-adjust), beside the z-score and random
/// references. Prints a Markdown table on stderr; the last line on stdout
/// is a JSON summary. One setting for every machine; nothing is read from
/// the test labels but the score.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The dataset directory (`train/`, `test/`, `test_label/`).
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// The pipeline [default: pipelines/default.yaml under the working
    /// directory, else the built-in copy of it, without the windows
    /// shorter than `--step`]. Its `features.expected_interval` is set to
    /// `--step`.
    #[arg(long, value_name = "FILE")]
    pipeline: Option<PathBuf>,
    /// Only these machines (file stems), comma-separated.
    #[arg(long, value_delimiter = ',')]
    machines: Vec<String>,
    /// Time between two rows.
    #[arg(long, default_value = "1m")]
    step: HumanDuration,
    /// Rows before a segment's start an alert still counts for it.
    #[arg(long, default_value_t = 10)]
    early_rows: usize,
    /// Train rows replayed before the test half to fill the windows and
    /// run the anomaly warm-up [default: the pipeline's longest window
    /// plus its `models.anomaly.warmup`, plus an hour, in rows].
    #[arg(long)]
    warm_rows: Option<usize>,
    /// Anomaly-model setting to train with instead of the default, for
    /// cross-validation: share of features whose largest deviations make
    /// the score.
    #[arg(long)]
    top_share: Option<f64>,
    /// Anomaly-model setting: score by the RANK-th largest deviation (0:
    /// the mean of the largest `--top-share`).
    #[arg(long, value_name = "RANK")]
    rank: Option<usize>,
    /// Anomaly-model setting: half-life of the online baseline.
    #[arg(long)]
    half_life: Option<HumanDuration>,
    /// Anomaly-model setting: half-life with which the online spread
    /// widens (it narrows with `--half-life`).
    #[arg(long)]
    growth_half_life: Option<HumanDuration>,
    /// Anomaly-model setting: per-metric features (`window.feature`, or
    /// `feature` alone for the pipeline's shortest window; comma-separated).
    #[arg(long, value_delimiter = ',')]
    anomaly_features: Vec<String>,
    /// Write `report.md` and `report.json` here.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the full report as JSON before the summary line.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(a: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut pipeline = super::super::pipeline_or_default(a.pipeline.as_deref())?;
    if a.pipeline.is_some() {
        pipeline.features.expected_interval = a.step;
    } else {
        // The default pipeline's windows are for minute data: rows further
        // apart keep only the windows they fill (as `forewarn simulate
        // --interval` does).
        let dropped = pipeline.features.at_interval(a.step);
        if !dropped.is_empty() {
            note!(
                "note: rows every {}: the default pipeline's {} window(s) would hold at most one row, so they are left out (pass --pipeline FILE to choose the windows)",
                a.step,
                dropped.join(", ")
            );
        }
    }
    let layout = Layout {
        step_ms: a.step.as_millis(),
        ..Layout::default()
    };
    let mut names = Machine::names(&a.data)
        .with_context(|| format!("while listing machines in {}", a.data.display()))?;
    if !a.machines.is_empty() {
        if let Some(missing) = a.machines.iter().find(|m| !names.contains(m)) {
            anyhow::bail!(
                "no machine {missing:?} in {} (it has {})",
                a.data.display(),
                names.join(", ")
            );
        }
        names.retain(|n| a.machines.contains(n));
    }
    anyhow::ensure!(!names.is_empty(), "no machine in {}", a.data.display());
    let mut opts = ForewarnOptions {
        warm_rows: a.warm_rows,
        ..ForewarnOptions::default()
    };
    if let Some(v) = a.top_share {
        opts.fit.anomaly.top_share = v;
    }
    if let Some(v) = a.rank {
        opts.fit.anomaly.rank = v;
    }
    if let Some(v) = a.half_life {
        opts.fit.anomaly.half_life_s = v.as_millis() as f64 / 1000.0;
    }
    if let Some(v) = a.growth_half_life {
        opts.fit.anomaly.growth_half_life_s = v.as_millis() as f64 / 1000.0;
    }
    if !a.anomaly_features.is_empty() {
        opts.fit.anomaly.features = a.anomaly_features.clone();
    }
    let mut machines = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let m = Machine::load(&a.data, name)?;
        let segs = segments::segments(&m.labels);
        let run = segments::run_forewarn(&pipeline, &m, layout, &opts)?;
        let forewarn = Score::of(&run.alerts, &segs, a.early_rows);
        let zscore = Score::of(&segments::references::zscore(&m), &segs, a.early_rows);
        let random = segments::references::random(
            run.alerts.len(),
            m.test.len(),
            &segs,
            a.early_rows,
            100,
            7,
        );
        note!(
            "[{}/{}] {name}: forewarn F1 {:.3} ({} alerts), zscore F1 {:.3}, random F1 {:.3} (train {:.1} s, replay {:.1} s)",
            i + 1,
            names.len(),
            forewarn.f1,
            forewarn.alerts,
            zscore.f1,
            random.f1,
            run.train_s,
            run.replay_s
        );
        machines.push(MachineReport {
            machine: name.clone(),
            rows: m.test.len(),
            scores: DetectorScores {
                forewarn,
                zscore,
                random,
            },
            forewarn: run,
        });
    }
    let report = Report::new(a.early_rows, machines);
    let md = report.markdown();
    note!("\n{md}");
    if let Some(out) = &a.out {
        std::fs::create_dir_all(out)
            .with_context(|| format!("while creating {}", out.display()))?;
        std::fs::write(out.join("report.md"), &md)?;
        std::fs::write(
            out.join("report.json"),
            serde_json::to_string_pretty(&report)?,
        )?;
        note!("report in {}", out.display());
    }
    note!("{:.1} s", started.elapsed().as_secs_f64());
    if a.json {
        super::super::print(&serde_json::to_string(&report)?)?;
    }
    super::super::print(
        &serde_json::json!({
            "machines": report.machines.len(),
            "forewarn_f1": report.mean.forewarn.f1,
            "forewarn_precision": report.mean.forewarn.precision,
            "forewarn_recall": report.mean.forewarn.recall,
            "zscore_f1": report.mean.zscore.f1,
            "random_f1": report.mean.random.f1,
            "above_zscore": report.above_zscore,
        })
        .to_string(),
    )?;
    Ok(ExitCode::SUCCESS)
}
