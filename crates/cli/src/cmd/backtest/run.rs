//! `forewarn backtest run`: replay labelled fleet history (the simulator's
//! layout) through the production scorer and measure it against the
//! labels, beside a static-threshold and a z-score baseline.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use forewarn_backtest::incidents::baselines::{self, BaselineOptions};
use forewarn_backtest::incidents::{self, Matching, ReplayOptions, Summary, report};
use forewarn_core::HumanDuration;
use forewarn_scorer::ScorerOptions;

/// Replay history through the scorer in event time (no broker), collect
/// every predicted-issue event and score the incidents it announced against
/// `labels.json`: precision, recall and F1 per incident, lead times, error
/// of the predicted failure time, false alarms per service-day, root-cause
/// hit rate. Writes `report.md`, `report.html` (plots), `results.parquet`,
/// `events.jsonl`, `optimizations.jsonl`, `episodes.jsonl` and `summary.json` into `--out`; the last line on stdout
/// is a JSON object with the scores. The events also go through the fleet
/// correlator (`forewarn correlate`'s grouping): its `correlation` object
/// gives the pages before and after grouping and the root-cause hit rate
/// of the episodes.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The pipeline file, e.g. the `pipeline.yaml` `forewarn simulate` wrote.
    #[arg(long, value_name = "FILE")]
    pipeline: PathBuf,
    /// The model: `models/NAME` (latest version) or `models/NAME/N`.
    #[arg(long, value_name = "DIR")]
    model: PathBuf,
    /// Metric history: files or directories (CSV or Parquet, long layout).
    #[arg(long, value_name = "PATH", num_args = 1.., required = true)]
    data: Vec<PathBuf>,
    /// The labels [default: `labels.json` in the first `--data` directory].
    #[arg(long, value_name = "FILE")]
    labels: Option<PathBuf>,
    /// Log records, one JSON log-record per line, replayed with the
    /// metrics when the pipeline reads logs [default: `logs.jsonl` in the
    /// first `--data` directory, when there is one].
    #[arg(long, value_name = "FILE")]
    logs: Option<PathBuf>,
    /// Where to write the reports.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// How long before a labelled onset an alert still counts for it.
    #[arg(long, default_value = "30m")]
    early_tolerance: HumanDuration,
    /// How often (event time) each series' models are evaluated.
    #[arg(long, default_value = "30s")]
    eval_every: HumanDuration,
    /// Fleet correlation: how long after an episode's first onset a
    /// related incident still joins it (as `forewarn correlate --window`).
    #[arg(long, default_value = "30m")]
    correlate_window: HumanDuration,
    /// Also print the full evaluation (every incident and alert) as JSON
    /// before the summary line.
    #[arg(long)]
    json: bool,
    /// Never draw the progress bar.
    #[arg(long)]
    no_progress: bool,
}

fn scores(s: &Summary) -> serde_json::Value {
    serde_json::json!({
        "precision": s.precision,
        "recall": s.recall,
        "f1": s.f1,
        "incidents": s.incidents,
        "predicted": s.predicted,
        "late": s.late,
        "missed": s.missed,
        "alerts": s.alerts,
        "false_alarms": s.false_alarms,
        "trap_false_alarms": s.trap_false_alarms,
        "lead_time_mean_s": s.lead_time_mean_s,
        "lead_time_median_s": s.lead_time_median_s,
        "failure_time_error_median_s": s.failure_time_error_median_s,
        "false_alarms_per_service_day": s.false_alarms_per_service_day,
        "root_cause_hit_rate": s.root_cause_hit_rate,
    })
}

/// Log records of a JSONL file, in event-time order (stable). A line that
/// is not a log record is an error naming the line.
fn read_logs(path: &std::path::Path) -> anyhow::Result<Vec<forewarn_core::contracts::LogRecord>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("while reading {}", path.display()))?;
    let mut logs = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            forewarn_core::decode::decode_log(l.as_bytes())
                .with_context(|| format!("{}:{}: not a log record", path.display(), i + 1))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    logs.sort_by_key(|l| l.ts);
    Ok(logs)
}

/// Every episode, one JSON object per line, into `DIR/episodes.jsonl`.
fn write_episodes(
    dir: &std::path::Path,
    episodes: &[forewarn_correlate::Episode],
) -> anyhow::Result<()> {
    let path = dir.join("episodes.jsonl");
    let mut text = String::new();
    for e in episodes {
        text.push_str(&serde_json::to_string(e)?);
        text.push('\n');
    }
    std::fs::write(&path, text).with_context(|| format!("while writing {}", path.display()))
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let pipeline = super::super::load_pipeline(&args.pipeline)?;
    let (model, model_ref) = super::super::load_model(&args.model, &pipeline)?;
    let labels_path = match &args.labels {
        Some(p) => p.clone(),
        None => args
            .data
            .first()
            .filter(|d| d.is_dir())
            .map(|d| d.join("labels.json"))
            .context("--labels is required when the first --data is not a directory")?,
    };
    let labels = forewarn_sim::Labels::read(&labels_path)
        .with_context(|| format!("while reading {}", labels_path.display()))?;
    let files = forewarn_train::history::expand(&args.data)?;
    let history = forewarn_train::history::read(&files).context("while reading the history")?;
    let opts = ReplayOptions {
        scorer: ScorerOptions {
            eval_every: args.eval_every.into(),
            model_ref: model_ref.clone(),
            ..ScorerOptions::default()
        },
        progress: !args.no_progress,
    };
    let logs_path = args.logs.clone().or_else(|| {
        args.data
            .first()
            .map(|d| d.join("logs.jsonl"))
            .filter(|p| p.is_file())
    });
    let logs = match (&logs_path, &pipeline.sources.logs) {
        (Some(p), Some(_)) => read_logs(p)?,
        _ => Vec::new(),
    };
    let replay = incidents::replay(&pipeline, model, &history, &logs, &opts)
        .context("the pipeline and model cannot be scored")?;
    let b = BaselineOptions::default();
    let stat = baselines::static_threshold(&pipeline, &history, &b);
    let z = baselines::zscore(&pipeline, &history, &b);
    let matching = Matching {
        early_tolerance_s: args.early_tolerance.as_secs_f64(),
    };
    let eval = incidents::evaluate(
        &labels,
        &[
            ("forewarn", &replay.alerts),
            ("static_threshold", &stat),
            ("zscore", &z),
        ],
        &matching,
    );
    let grouping = incidents::episodes::group(
        &pipeline,
        &replay.events,
        &replay.alerts,
        forewarn_correlate::Options {
            window_ms: args.correlate_window.as_millis(),
        },
    );
    let grouped = incidents::evaluate(
        &labels,
        &[("forewarn", &grouping.grouped_alerts)],
        &matching,
    );
    let title = format!(
        "{} with model {}/{}",
        args.data
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        model_ref.name,
        model_ref.version
    );
    report::write_all(
        &args.out,
        &eval,
        &labels,
        &history,
        &replay.events,
        &replay.optimizations,
        &title,
    )
    .with_context(|| format!("while writing the report into {}", args.out.display()))?;
    write_episodes(&args.out, &grouping.episodes)?;
    let f = &eval.summaries[0];
    note!(
        "Replayed {} samples in {:.1}s ({:.0}/s): {} events, {} incidents announced, {} optimization events.",
        replay.samples,
        replay.elapsed_s,
        replay.samples as f64 / replay.elapsed_s.max(1e-9),
        replay.events.len(),
        replay.alerts.len(),
        replay.optimizations.len()
    );
    for s in &eval.summaries {
        note!(
            "  {:<17} precision {:.3}  recall {:.3}  F1 {:.3}  lead median {:>8}  false alarms/service-day {:.2}",
            s.detector,
            s.precision,
            s.recall,
            s.f1,
            s.lead_time_median_s.map_or("-".into(), report::human_secs),
            s.false_alarms_per_service_day
        );
    }
    let rate = |r: Option<f64>| r.map_or("-".into(), |r| format!("{r:.3}"));
    note!(
        "  correlation: {} pages before grouping, {} after ({} cascades of {} incidents); root-cause hit rate {} before, {} after",
        grouping.pages_before,
        grouping.pages_after,
        grouping.cascades,
        grouping.cascade_members,
        rate(f.root_cause_hit_rate),
        rate(grouped.summaries[0].root_cause_hit_rate)
    );
    note!("  report: {}", args.out.join("report.html").display());
    if args.json {
        super::super::print(&serde_json::to_string(&eval)?)?;
    }
    let mut line = scores(f);
    line["detector"] = "forewarn".into();
    line["samples"] = replay.samples.into();
    line["events"] = replay.events.len().into();
    line["optimizations"] = replay.optimizations.len().into();
    line["elapsed_s"] = started.elapsed().as_secs_f64().into();
    line["correlation"] = serde_json::json!({
        "window_s": args.correlate_window.as_secs_f64(),
        "episodes": grouping.episodes.len(),
        "cascades": grouping.cascades,
        "cascade_members": grouping.cascade_members,
        "pages_before": grouping.pages_before,
        "pages_after": grouping.pages_after,
        "root_cause_hit_rate_before": f.root_cause_hit_rate,
        "root_cause_hit_rate_after": grouped.summaries[0].root_cause_hit_rate,
    });
    line["baselines"] = serde_json::json!({
        "static_threshold": scores(&eval.summaries[1]),
        "zscore": scores(&eval.summaries[2]),
    });
    super::super::print(&line.to_string())?;
    Ok(ExitCode::SUCCESS)
}
