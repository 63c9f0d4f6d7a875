//! `forewarn logs`: log template mining tools.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Log template mining: measure grouping accuracy on Loghub, with each
/// system's settings or leave-systems-out.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Grouping accuracy of the template miner on the Loghub 2k samples,
    /// per system and averaged, with each system's documented settings.
    Accuracy(AccuracyArgs),
    /// Leave-systems-out evaluation of the miner's system-independent
    /// defaults: for every split of the systems into two halves, both ways,
    /// the defaults (masks, word rule, similarity threshold, depth) are
    /// chosen on one half by a fixed grid and scored on the other; only
    /// each system's log format is used. Prints per system the held-out
    /// accuracy (mean and worst fold), the shipped defaults, its own
    /// settings and Drain's published figure.
    Cv(AccuracyArgs),
}

#[derive(Debug, clap::Args)]
struct AccuracyArgs {
    /// Loghub directory with one folder per system
    /// (`<DIR>/<System>/<System>_2k.log` and `_structured.csv`).
    #[arg(long)]
    loghub: PathBuf,
    /// Per-system settings (log format, masks, depth, similarity), e.g.
    /// `<DIR>/settings.json`.
    #[arg(long)]
    settings: PathBuf,
    /// Also print the full report as JSON on stdout, before the summary
    /// line (as every `--json` does); the table goes to stderr either way.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Accuracy(a) => {
            let report = forewarn_logs::accuracy::evaluate(&a.loghub, &a.settings)
                .with_context(|| format!("while evaluating {}", a.loghub.display()))?;
            for (system, acc) in &report.systems {
                note!("{system:<12} {acc:.4}");
            }
            note!("{:<12} {:.4}", "average", report.average);
            let line = serde_json::to_string(&report)?;
            if a.json {
                // The report is its own summary: the same object twice.
                super::print(&line)?;
            }
            super::print(&line)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Cv(a) => {
            let grid = forewarn_logs::accuracy::default_grid();
            let report = forewarn_logs::accuracy::cross_validate(&a.loghub, &a.settings, &grid)
                .with_context(|| format!("while cross-validating on {}", a.loghub.display()))?;
            {
                note!(
                    "{:<12} {:>9} {:>9} {:>8} {:>8} {:>7}",
                    "system",
                    "held-out",
                    "worst",
                    "shipped",
                    "own",
                    "Drain"
                );
                for (system, s) in &report.systems {
                    let drain = s
                        .drain
                        .map_or_else(|| "-".to_owned(), |d| format!("{d:.4}"));
                    note!(
                        "{system:<12} {:>9.4} {:>9.4} {:>8.4} {:>8.4} {drain:>7}",
                        s.held_out,
                        s.held_out_min,
                        s.shipped,
                        s.own_settings
                    );
                }
                note!(
                    "{:<12} {:>9.4} {:>9} {:>8.4} {:>8.4}",
                    "mean",
                    report.held_out_mean,
                    "",
                    report.shipped_mean,
                    report.own_settings_mean
                );
                note!(
                    "{} folds over {} candidates; chosen on all systems: {}",
                    report.folds.len(),
                    report.candidates,
                    report.chosen_on_all
                );
            }
            if a.json {
                super::print(&serde_json::to_string(&report)?)?;
            }
            let summary = serde_json::json!({
                "systems": report.systems,
                "held_out_mean": report.held_out_mean,
                "shipped_mean": report.shipped_mean,
                "own_settings_mean": report.own_settings_mean,
                "chosen_on_all": report.chosen_on_all,
            });
            super::print(&summary.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
