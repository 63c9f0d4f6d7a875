//! The subcommands, one file each. Each exposes `Args` and
//! `run(Args) -> anyhow::Result<ExitCode>`.

pub(crate) mod audit;
pub(crate) mod backtest;
pub(crate) mod bench;
pub(crate) mod bench_logs;
pub(crate) mod bench_watch;
pub(crate) mod control;
pub(crate) mod correlate;
pub(crate) mod dashboard;
pub(crate) mod demo;
pub(crate) mod logs;
pub(crate) mod remediate;
pub(crate) mod report;
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
    forewarn_config::load(path).map_err(|problems| invalid(&path.display(), &problems))
}

fn invalid(what: &dyn std::fmt::Display, problems: &forewarn_config::Problems) -> anyhow::Error {
    anyhow::anyhow!(
        "{what}: invalid pipeline:\n{}",
        problems
            .0
            .iter()
            .map(|p| format!("  {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// Where `--pipeline` is looked for when not given: relative to the
/// working directory, as in a checkout.
pub(crate) const DEFAULT_PIPELINE: &str = "pipelines/default.yaml";

/// Load `--pipeline`: the file given; without one, `pipelines/default.yaml`
/// when the working directory has it (a checkout), else the copy of that
/// file built into the binary (the one `demo` runs), said in a note. Every
/// command whose `--pipeline` is optional loads it this way.
pub(crate) fn pipeline_or_default(
    path: Option<&Path>,
) -> anyhow::Result<forewarn_config::PipelineConfig> {
    match path {
        Some(p) => load_pipeline(p),
        None if Path::new(DEFAULT_PIPELINE).is_file() => load_pipeline(Path::new(DEFAULT_PIPELINE)),
        None => {
            note!(
                "note: no {DEFAULT_PIPELINE} under the working directory: using the built-in default pipeline (pass --pipeline FILE for another)"
            );
            forewarn_config::load_str(forewarn_harness::fleet::DEFAULT_PIPELINE)
                .map_err(|p| invalid(&"the built-in default pipeline", &p))
        }
    }
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
    if !dir.exists() {
        anyhow::bail!(
            "no model at {}: pass --model DIR (a directory `forewarn train` wrote), or run from the repository root, where models/default is",
            dir.display()
        );
    }
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
