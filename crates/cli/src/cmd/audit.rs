//! `forewarn audit verify FILE`: check the remediator's audit log's hash
//! chain; exits 1 naming the first bad line.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Verify the hash chain of an audit log.
    Verify {
        /// The audit log (JSONL).
        file: PathBuf,
    },
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.what {
        What::Verify { file } => match forewarn_remediate::audit::verify(&file) {
            Ok(n) => {
                super::print(&format!("{}: {n} entries, chain intact", file.display()))?;
                Ok(ExitCode::SUCCESS)
            }
            Err(e @ forewarn_remediate::audit::AuditError::Broken { .. }) => {
                super::print(&format!("{e}"))?;
                Ok(ExitCode::from(1))
            }
            Err(e) => Err(e.into()),
        },
    }
}
