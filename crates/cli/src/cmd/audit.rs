//! `forewarn audit verify FILE`: check the remediator's audit log's hash
//! chain and its length against the head file beside it (`FILE.head`),
//! and with `FOREWARN_AUDIT_KEY` set, every line's HMAC; exits 1 naming
//! the first bad line (an edited line re-hashed without the key among
//! them), or a truncation, or when an empty log has no head to say it
//! should be empty.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Verify the hash chain of an audit log, and its length against the
    /// head file beside it (`FILE.head`, rewritten on every append), so a
    /// log cut short or emptied fails. With FOREWARN_AUDIT_KEY set, every
    /// line's (and the head's) HMAC is checked too, so a line edited and
    /// re-hashed without the key fails, and so does a log written without
    /// the key. Exits 1 on a broken chain, a bad MAC, a truncation, or an
    /// empty log without a head.
    Verify {
        /// The audit log (JSONL).
        file: PathBuf,
    },
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let key = forewarn_remediate::audit::AuditKey::from_env()?;
    match args.what {
        What::Verify { file } => {
            match forewarn_remediate::audit::verify_with(&file, key.as_ref()) {
                Ok(v) => {
                    let head = forewarn_remediate::audit::head_path(&file);
                    let (text, ok) = match (v.entries, v.head) {
                        (0, false) => (
                            format!(
                                "{}: empty, and no head file ({}): nothing to verify",
                                file.display(),
                                head.display()
                            ),
                            false,
                        ),
                        (0, true) => (
                            format!(
                                "{}: 0 entries, as its head records (no action yet)",
                                file.display()
                            ),
                            true,
                        ),
                        (n, true) => (
                            format!(
                                "{}: {n} entries, chain intact, length as its head records",
                                file.display()
                            ),
                            true,
                        ),
                        (n, false) => (
                            format!(
                                "{}: {n} entries, chain intact; no head file ({}), so a truncation would not be detected",
                                file.display(),
                                head.display()
                            ),
                            true,
                        ),
                    };
                    let keying = match (v.keyed, v.authenticated) {
                        (true, true) => {
                            "; keyed: every MAC valid under FOREWARN_AUDIT_KEY".to_string()
                        }
                        (true, false) => {
                            "; keyed: MACs NOT checked (set FOREWARN_AUDIT_KEY to check them)"
                                .to_string()
                        }
                        (false, _) if v.entries > 0 => {
                            "; not keyed (plain SHA-256 chain)".to_string()
                        }
                        (false, _) => String::new(),
                    };
                    super::print(&format!("{text}{keying}"))?;
                    Ok(if ok {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    })
                }
                Err(e @ forewarn_remediate::audit::AuditError::Broken { .. }) => {
                    super::print(&format!("{e}"))?;
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}
