//! The subcommands, one file each. Each exposes `Args` and
//! `run(Args) -> anyhow::Result<ExitCode>`.

pub(crate) mod backtest;
pub(crate) mod logs;
pub(crate) mod schema;
pub(crate) mod simulate;
pub(crate) mod train;
pub(crate) mod validate;

use std::io::Write;
use std::path::Path;

/// Load a pipeline file, or fail with every problem, one per line.
pub(crate) fn load_pipeline(path: &Path) -> anyhow::Result<forewarn_config::PipelineConfig> {
    forewarn_config::load(path).map_err(|problems| {
        anyhow::anyhow!(
            "{}: invalid pipeline:\n{}",
            path.display(),
            problems
                .0
                .iter()
                .map(|p| format!("  {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Print `text` and a newline to stdout. A closed pipe (`forewarn … | head`)
/// is not an error worth a panic: it surfaces as an `io::Error` that
/// [`is_broken_pipe`] recognises and `main` exits quietly on.
pub(crate) fn print(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Whether an error is stdout's reader going away.
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
