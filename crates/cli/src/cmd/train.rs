//! `forewarn train`: fit the trend and cluster models on metric history and
//! save them as the next version of a model artifact.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use forewarn_train::{TrainSummary, Trainer};

/// Train models on metric history and save them as the next version under
/// `--out` (`models/NAME` writes `models/NAME/<N>/model.json` and
/// `metadata.toml`, N one more than the highest version there).
///
/// History is read with polars from CSV or Parquet files: the simulator's
/// long layout (`ts,service,instance,metric,value`) or NAB's
/// `timestamp,value` (one series named after the file). A directory stands
/// for its `metrics.parquet` (else `metrics.csv`, else every CSV/Parquet
/// file in it). Every feature is computed by the pipeline's own feature
/// engine, and the artifact records the feature-spec hash, so a pipeline
/// with other features refuses it. The same data, pipeline and seed give
/// the same `model.json`.
///
/// Prints a summary to stderr and one JSON line to stdout. History that
/// yields no anomaly model (no service with enough feature vectors, nor
/// all of them pooled) is an error: nothing is saved, and the exit code is
/// non-zero.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The pipeline file (YAML) whose features and limits the models are
    /// trained for, e.g. `pipelines/default.yaml`.
    #[arg(long, value_name = "FILE")]
    pipeline: PathBuf,
    /// History files or directories (CSV or Parquet); may be repeated.
    #[arg(long, value_name = "PATH", num_args = 1.., required = true)]
    data: Vec<PathBuf>,
    /// Where to save: `models/NAME` (models directory, then model name).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Seed of every random choice in training.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Never draw the progress bar (it is hidden anyway when stderr is not a terminal).
    #[arg(long)]
    no_progress: bool,
}

/// Split `models/NAME` into the models directory and the name.
fn split_out(out: &Path) -> anyhow::Result<(PathBuf, String)> {
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .with_context(|| {
            format!(
                "--out {} must end in a model name, e.g. models/default",
                out.display()
            )
        })?;
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, name.to_string()))
}

fn print_summary(s: &TrainSummary, dir: &Path) {
    note!(
        "Trained {} on {} rows in {} series ({} folded, {} samples applied, {} skipped) from {} to {}.",
        s.name,
        s.rows,
        s.series,
        s.series_folded,
        s.samples_applied,
        s.samples_skipped,
        s.from,
        s.to
    );
    for t in &s.trend {
        note!(
            "  trend {:<22} alpha {:<5} beta {:<5} phi {:<6} z {:>7.3}  mae {:.4} (naive {:.4})  coverage {:.1}%  line z {}  [{} series, {} forecasts]",
            t.metric,
            t.alpha,
            t.beta,
            t.phi,
            t.z,
            t.mae,
            t.naive_mae,
            100.0 * t.coverage,
            t.line_z.map_or("-".to_string(), |z| format!(
                "{z:.3} ({:.1}%)",
                100.0 * t.line_coverage
            )),
            t.series,
            t.evals
        );
    }
    for c in s.services.iter().chain(s.fallback.iter()) {
        let clustering = match c.eps {
            Some(eps) => format!(
                "{} clusters on {} of {} vectors (DBSCAN eps {eps:.3}{})",
                c.clusters,
                c.clean_rows,
                c.rows,
                if c.dbscan_ignored { ", ignored" } else { "" }
            ),
            None => format!("baseline on {} vectors", c.rows),
        };
        note!(
            "  anomaly {:<20} {clustering}, {} features",
            c.service,
            c.features
        );
        if !c.dropped.is_empty() {
            note!(
                "  anomaly {:<20} left out, constant in training: {}",
                c.service,
                c.dropped.join(", ")
            );
        }
    }
    let served = if s.fallback.is_some() {
        "served by the fallback"
    } else {
        "no fallback either: not scored for anomalies"
    };
    for (svc, rows) in &s.skipped_services {
        note!("  anomaly {svc:<20} skipped: only {rows} vectors ({served})");
    }
    note!(
        "  read {:.1}s, fold {:.1}s, fit {:.1}s; saved to {}",
        s.read_s,
        s.fold_s,
        s.fit_s,
        dir.display()
    );
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (models_dir, name) = split_out(&args.out)?;
    let pipeline = super::load_pipeline(&args.pipeline)?;
    let trained = Trainer::new(&pipeline)
        .seed(args.seed)
        .progress(!args.no_progress)
        .train_files(&args.data, &name)
        .context("while training")?;
    let mut artifact = trained.artifact;
    let dir = artifact
        .save_next(&models_dir)
        .with_context(|| format!("while saving the model under {}", models_dir.display()))?;
    print_summary(&trained.summary, &dir);
    let line = serde_json::json!({
        "artifact": dir.display().to_string(),
        "version": artifact.metadata.version,
        "feature_spec_hash": artifact.metadata.feature_spec_hash,
        "summary": serde_json::to_value(&trained.summary)?,
    });
    super::print(&line.to_string())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_splits_into_models_dir_and_name() {
        let (d, n) = split_out(Path::new("models/default")).unwrap();
        assert_eq!((d, n.as_str()), (PathBuf::from("models"), "default"));
        let (d, n) = split_out(Path::new("nab")).unwrap();
        assert_eq!((d, n.as_str()), (PathBuf::from("."), "nab"));
        assert!(split_out(Path::new("models/..")).is_err());
    }
}
