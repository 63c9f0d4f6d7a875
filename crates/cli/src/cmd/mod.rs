//! The subcommands, one file each. Each exposes `Args` and
//! `run(Args) -> anyhow::Result<ExitCode>`.

pub(crate) mod audit;
pub(crate) mod backtest;
pub(crate) mod bench;
pub(crate) mod bench_watch;
pub(crate) mod demo;
pub(crate) mod logs;
pub(crate) mod remediate;
pub(crate) mod schema;
pub(crate) mod score;
pub(crate) mod simulate;
pub(crate) mod train;
pub(crate) mod validate;
pub(crate) mod watch;

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

/// `--kafka-option key=value` flags as Kafka client properties.
pub(crate) fn kafka_options(flags: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    use anyhow::Context as _;
    flags
        .iter()
        .map(|o| {
            o.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .with_context(|| format!("--kafka-option {o:?} is not key=value"))
        })
        .collect()
}

/// Load the model artifact in `dir` for `pipeline` (its feature spec must
/// match), with the name and version stamped on events.
pub(crate) fn load_model(
    dir: &Path,
    pipeline: &forewarn_config::PipelineConfig,
) -> anyhow::Result<(
    forewarn_models::artifact::Model,
    forewarn_core::contracts::ModelRef,
)> {
    use anyhow::Context as _;
    let artifact = forewarn_models::artifact::Artifact::load_for(dir, &pipeline.features.hash())
        .with_context(|| format!("while loading the model {}", dir.display()))?;
    let model_ref = forewarn_core::contracts::ModelRef {
        name: artifact.metadata.name.clone(),
        version: artifact.metadata.version.to_string(),
    };
    Ok((artifact.model, model_ref))
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

/// The name `value` has on the wire (its serde name, e.g.
/// `latency_degradation`): what a user sees printed is what they will
/// find in the events.
pub(crate) fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unknown".to_string(),
    }
}

/// Whether an error is stdout's reader going away.
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
