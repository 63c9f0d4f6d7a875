//! `forewarn validate FILE`: check a pipeline file without touching Kafka.

use std::path::PathBuf;
use std::process::ExitCode;

/// Check a pipeline file: YAML syntax, unknown keys, types, impossible
/// windows, negative limits, dangling service references and dependency
/// cycles. Prints every problem as `dotted.path: message` (all of them at
/// once) and exits with status 1 when there is any, 0 when the file is valid.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The pipeline file (YAML), e.g. `pipelines/default.yaml`.
    file: PathBuf,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match forewarn_config::load(&args.file) {
        Ok(p) => {
            super::print(&format!(
                "{}: valid ({} windows, {} features per series, {} services)",
                args.file.display(),
                p.features.windows.len(),
                p.features.windows.len() * p.features.features.len(),
                p.services.len()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for p in &problems.0 {
                super::print(&p.to_string())?;
            }
            note!(
                "{}: {} problem{}",
                args.file.display(),
                problems.0.len(),
                if problems.0.len() == 1 { "" } else { "s" }
            );
            Ok(ExitCode::from(1))
        }
    }
}
