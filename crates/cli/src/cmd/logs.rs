//! `forewarn logs`: log template mining tools.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

/// Log template mining: measure grouping accuracy on Loghub.
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
    /// Print only the JSON summary (the last line is always JSON).
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Accuracy(a) => {
            let report = forewarn_logs::accuracy::evaluate(&a.loghub, &a.settings)
                .with_context(|| format!("while evaluating {}", a.loghub.display()))?;
            if !a.json {
                for (system, acc) in &report.systems {
                    eprintln!("{system:<12} {acc:.4}");
                }
                eprintln!("{:<12} {:.4}", "average", report.average);
            }
            super::print(&serde_json::to_string(&report)?)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
