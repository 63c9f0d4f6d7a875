//! `forewarn validate [FILE] [--policy POLICY]`: check a pipeline file, a
//! remediation policy, or both, without touching Kafka.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Check a pipeline file (YAML syntax, unknown keys, types, impossible
/// windows, negative limits, dangling service references, dependency
/// cycles) and/or a remediation policy (keys, types, durations, actions
/// that chains name but nothing defines). Prints every problem as
/// `dotted.path: message` (all of them at once) and exits with status 1
/// when there is any, 0 when every file is valid.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The pipeline file (YAML), e.g. `pipelines/default.yaml`.
    file: Option<PathBuf>,
    /// A remediation policy file (YAML), e.g. `pipelines/remediation.yaml`.
    #[arg(long)]
    policy: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.file.is_none() && args.policy.is_none() {
        anyhow::bail!("nothing to check: give a pipeline file, --policy FILE, or both");
    }
    let mut ok = true;
    if let Some(file) = &args.file {
        ok &= pipeline(file)?;
    }
    if let Some(file) = &args.policy {
        ok &= policy(file)?;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn pipeline(file: &Path) -> anyhow::Result<bool> {
    match forewarn_config::load(file) {
        Ok(p) => {
            super::print(&format!(
                "{}: valid ({} windows, {} features per series, {} services)",
                file.display(),
                p.features.windows.len(),
                p.features.windows.len() * p.features.features.len(),
                p.services.len()
            ))?;
            Ok(true)
        }
        Err(problems) => {
            let lines: Vec<String> = problems.0.iter().map(|p| p.to_string()).collect();
            report(file, &lines)
        }
    }
}

fn policy(file: &Path) -> anyhow::Result<bool> {
    match forewarn_remediate::Policy::load(file) {
        Ok(p) => {
            super::print(&format!(
                "{}: valid ({:?} mode, {} actions, {} service entries)",
                file.display(),
                p.mode,
                p.actions.len(),
                p.services.len()
            ))?;
            Ok(true)
        }
        Err(problems) => report(file, &problems.0),
    }
}

fn report(file: &Path, problems: &[String]) -> anyhow::Result<bool> {
    for p in problems {
        super::print(p)?;
    }
    note!(
        "{}: {} problem{}",
        file.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    Ok(false)
}
