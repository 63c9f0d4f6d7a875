//! `forewarn backtest`: how good would Forewarn have been? Scores detectors
//! on the NAB corpus with NAB's own rules, and replays labelled
//! incident history through the production scoring path (`run`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use forewarn_backtest::nab;

mod run;
mod segments;

/// Replay labelled history and measure prediction accuracy.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Score a detector's results folder (NAB's results layout) with NAB's
    /// scoring: probation, windows, scaled sigmoid, profiles, normalisation.
    NabScore(NabScoreArgs),
    /// Run Forewarn's own online detector over every NAB file (one pass, no
    /// look-ahead, one parameter set), write its results in NAB's layout,
    /// optimise the thresholds as NAB does, and score.
    Nab(NabArgs),
    /// Replay labelled fleet history (the simulator's layout) through the
    /// production scorer and measure incidents predicted, lead times and
    /// false alarms, beside static-threshold and z-score baselines.
    Run(run::Args),
    /// Train on each machine's train half of labelled multivariate data
    /// (the layout of `../shared/datasets/smd-dev`), score its test half
    /// online, and report incident-level precision, recall and F1 per
    /// machine and averaged, beside z-score and random references.
    Segments(segments::Args),
}

/// Which thresholds to score with.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Thresholds {
    /// The published thresholds in `<nab>/config/thresholds.json`.
    Published,
    /// Sweep for the corpus-wide best threshold per profile.
    Optimize,
}

#[derive(Debug, clap::Args)]
struct NabScoreArgs {
    /// The NAB corpus directory (with `data/`, `labels/`, `config/`).
    #[arg(long)]
    nab: PathBuf,
    /// The detector's results folder, e.g. `<nab>/results/numenta`; its last
    /// path component is the detector name.
    #[arg(long)]
    results: PathBuf,
    /// Published thresholds, or optimise them.
    #[arg(long, value_enum, default_value = "published")]
    thresholds: Thresholds,
    /// Print the full report as JSON (the last line is always the summary).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct NabArgs {
    /// The NAB corpus directory.
    #[arg(long)]
    nab: PathBuf,
    /// Where to write the per-file results (NAB's results layout) and the report.
    #[arg(long)]
    out: PathBuf,
    /// Print the full report as JSON before the summary line.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::NabScore(a) => nab_score(a),
        Command::Nab(a) => nab_run(a),
        Command::Run(a) => run::run(a),
        Command::Segments(a) => segments::run(a),
    }
}

fn summary(report: &nab::NabReport) -> String {
    serde_json::json!({
        "standard": report.standard,
        "reward_low_FP_rate": report.reward_low_fp_rate,
        "reward_low_FN_rate": report.reward_low_fn_rate,
    })
    .to_string()
}

fn print_table(report: &nab::NabReport) {
    note!(
        "{:<22} {:>10} {:>12} {:>10}",
        "profile",
        "score",
        "threshold",
        "raw"
    );
    for p in &report.profiles {
        note!(
            "{:<22} {:>10.3} {:>12.6} {:>10.3}",
            p.profile.key(),
            p.normalized,
            p.threshold,
            p.raw_score
        );
    }
}

fn nab_score(a: NabScoreArgs) -> anyhow::Result<ExitCode> {
    let corpus = nab::Corpus::load(&a.nab)
        .with_context(|| format!("while loading the NAB corpus at {}", a.nab.display()))?;
    let results = nab::DetectorResults::load(&corpus, &a.results)
        .with_context(|| format!("while reading results from {}", a.results.display()))?;
    let mode = match a.thresholds {
        Thresholds::Published => {
            nab::ThresholdMode::published_from_file(&a.nab.join("config/thresholds.json"))
                .context("while reading the published thresholds")?
        }
        Thresholds::Optimize => nab::ThresholdMode::Optimize,
    };
    let report = nab::score(&corpus, &results, &mode).context("while scoring")?;
    note!("detector {}", results.detector());
    print_table(&report);
    if a.json {
        super::print(&serde_json::to_string(&report)?)?;
    }
    super::print(&summary(&report))?;
    Ok(ExitCode::SUCCESS)
}

fn nab_run(a: NabArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let corpus = nab::Corpus::load(&a.nab)
        .with_context(|| format!("while loading the NAB corpus at {}", a.nab.display()))?;
    let cfg = forewarn_models::univariate::DetectorConfig::default();
    note!(
        "running the detector over {} files ({} rows)",
        corpus.files().len(),
        corpus.row_count()
    );
    let scores = nab::run_detector(&corpus, &cfg).context("while running the detector")?;
    let results_dir = a.out.join("forewarn");
    nab::write_results(&corpus, "forewarn", &scores, &results_dir)
        .with_context(|| format!("while writing results to {}", results_dir.display()))?;
    let results = nab::DetectorResults::from_scores(&corpus, "forewarn", scores)?;
    let report =
        nab::score(&corpus, &results, &nab::ThresholdMode::Optimize).context("while scoring")?;
    let report_path = a.out.join("forewarn_nab_report.json");
    std::fs::write(&report_path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("while writing {}", report_path.display()))?;
    print_table(&report);
    note!(
        "results in {}, report in {}, {:.1} s",
        results_dir.display(),
        report_path.display(),
        started.elapsed().as_secs_f64()
    );
    if a.json {
        super::print(&serde_json::to_string(&report)?)?;
    }
    super::print(&summary(&report))?;
    Ok(ExitCode::SUCCESS)
}
