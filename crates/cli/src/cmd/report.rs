//! `forewarn report`: the reliability report over a time range, for the
//! fleet and per service: uptime, incidents, lead times, MTTD, MTTR and
//! the recovery-time distribution, automatic recoveries, actions taken,
//! skipped and failed, outages prevented (with their evidence), false
//! alarms, and per SLO the error budget left and its burn rates. Reads
//! the pipeline's topics on a broker (`--brokers`) and/or JSON-lines
//! files (`--events`, `--audit`), folds them into the reliability ledger
//! (forewarn-ledger), and writes `report.html` (self-contained, inline
//! SVG plots), `report.md` and `report.json` into `--out`; the last
//! stdout line is a JSON summary (uptime, incidents, MTTD, MTTR, ...,
//! and the files written).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::HumanDuration;
use forewarn_ledger::{Entry, Ledger, LedgerOptions, Report};

mod compact;
mod read;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutFormat {
    /// One self-contained page with plots (`report.html`).
    Html,
    /// Markdown tables (`report.md`).
    Md,
    /// Every figure, machine-readable (`report.json`).
    Json,
}

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Kafka bootstrap brokers, `host:port[,host:port]`: read the
    /// pipeline's predictions, outcomes and service-events topics and the
    /// health, latency and error-rate roles' samples of its metrics topic,
    /// each from its beginning.
    #[arg(long, env = "FOREWARN_BROKERS")]
    brokers: Option<String>,
    /// Pipeline file: topics, services, SLOs (`services.<name>.slo`) and
    /// the role metrics (`roles.health`, `.latency_p99`, `.error_rate`) [default: pipelines/default.yaml
    /// under the working directory, else the built-in copy of it].
    #[arg(long, value_name = "FILE")]
    pipeline: Option<PathBuf>,
    /// A JSON-lines file of events (predicted issues, remediation
    /// outcomes, service events, metric samples, audit lines, mixed);
    /// repeatable.
    #[arg(long, value_name = "FILE")]
    events: Vec<PathBuf>,
    /// The remediator's audit log (its hash chain is verified first);
    /// repeatable.
    #[arg(long, value_name = "FILE")]
    audit: Vec<PathBuf>,
    /// Start of the range: RFC 3339 (`2026-11-01T00:00:00Z`), `now`, or a
    /// duration before `--to` (`7d`) [default: the first event read].
    #[arg(long)]
    from: Option<String>,
    /// End of the range (exclusive): RFC 3339, `now`, or a duration before
    /// now (`1h`) [default: just after the last event read].
    #[arg(long)]
    to: Option<String>,
    /// Only this service; repeatable [default: every service].
    #[arg(long)]
    service: Vec<String>,
    /// Formats to write, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "html,md,json"
    )]
    format: Vec<OutFormat>,
    /// Directory to write the report into (created if needed).
    #[arg(long, default_value = "forewarn-report")]
    out: PathBuf,
    /// No progress line.
    #[arg(long)]
    quiet: bool,
    /// An extra Kafka client property (TLS, SASL, tuning); repeatable.
    #[arg(long = "kafka-option", value_name = "KEY=VALUE")]
    kafka_options: Vec<String>,
}

/// A time flag: RFC 3339, `now`, or a duration before `anchor`.
fn parse_time(flag: &str, s: &str, anchor: DateTime<Utc>) -> anyhow::Result<DateTime<Utc>> {
    let s = s.trim();
    if s == "now" {
        return Ok(Utc::now());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    match s.trim_start_matches('-').parse::<HumanDuration>() {
        Ok(d) => Ok(anchor - TimeDelta::milliseconds(d.as_millis())),
        Err(_) => bail!(
            "{flag} {s:?} is not a time: expected RFC 3339 (2026-11-01T00:00:00Z), `now`, or a duration such as 7d or 90m"
        ),
    }
}

/// The range `[from, to)` from the flags, defaulting to the events'.
fn range(args: &Args, entries: &[Entry]) -> anyhow::Result<(DateTime<Utc>, DateTime<Utc>)> {
    let first = entries.iter().map(Entry::ts).min();
    let last = entries.iter().map(Entry::ts).max();
    let to = match &args.to {
        Some(s) => parse_time("--to", s, Utc::now())?,
        None => match last {
            Some(l) => l + TimeDelta::milliseconds(1),
            None => bail!("no events read, so no range to default to: pass --from and --to"),
        },
    };
    let from = match &args.from {
        Some(s) => parse_time("--from", s, to)?,
        None => first.unwrap_or(to),
    };
    if from >= to {
        bail!(
            "bad range: --from {} is not before --to {}",
            from.to_rfc3339(),
            to.to_rfc3339()
        );
    }
    Ok((from, to))
}

/// Write `report` in `formats` into `dir`; the paths written.
pub(crate) fn write_report(
    report: &Report,
    formats: &[OutFormat],
    dir: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for f in formats {
        let (name, text) = match f {
            OutFormat::Html => ("report.html", report.html()),
            OutFormat::Md => ("report.md", report.markdown()),
            OutFormat::Json => ("report.json", serde_json::to_string_pretty(report)? + "\n"),
        };
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

/// The report of `entries` over `[from, to)`.
pub(crate) fn build(
    pipeline: &forewarn_config::PipelineConfig,
    entries: Vec<Entry>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    services: &[String],
) -> Report {
    let opts = LedgerOptions {
        count_from: Some(from),
        until: Some(to),
        ..LedgerOptions::from_pipeline(pipeline)
    };
    // What precedes the range by more than the longest SLO period cannot
    // change any figure: left out before the sort.
    let keep_from = from - opts.retention();
    let entries = entries.into_iter().filter(|e| e.ts() >= keep_from);
    Ledger::replay(opts, entries).report(from, to, services)
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.brokers.is_none() && args.events.is_empty() && args.audit.is_empty() {
        bail!(
            "nothing to read: pass --brokers B (the pipeline's topics), --events FILE or --audit FILE"
        );
    }
    if args.format.is_empty() {
        bail!("--format: name at least one of html, md, json");
    }
    let pipeline = super::pipeline_or_default(args.pipeline.as_deref())?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut compactor = compact::Compactor::new(
        &pipeline.roles.health,
        &[&pipeline.roles.latency_p99, &pipeline.roles.error_rate],
    );
    for f in &args.events {
        read::events_file(f, &mut compactor, &mut entries)?;
    }
    for f in &args.audit {
        read::audit_file(f, &mut entries)?;
    }
    if let Some(brokers) = &args.brokers {
        let client = super::kafka_options(&args.kafka_options)?;
        let r = read::topics(
            brokers,
            &client,
            &pipeline,
            args.quiet,
            &mut compactor,
            &mut entries,
        )?;
        let counts: Vec<String> = r.records.iter().map(|(t, n)| format!("{t} {n}")).collect();
        note!("Read {} from {brokers}.", counts.join(", "));
        if r.unreadable > 0 {
            note!(
                "warning: {} records were not events of their topic and were skipped",
                r.unreadable
            );
        }
    }
    compactor.finish(&mut entries);
    if compactor.repeated + compactor.other > 0 {
        tracing::info!(
            repeated = compactor.repeated,
            other_metrics = compactor.other,
            "Health samples that repeat their series' reading, and other metrics, left out."
        );
    }
    let (from, to) = range(&args, &entries)?;
    for s in &args.service {
        if !entries.iter().any(|e| e.service() == s) && !pipeline.services.contains_key(s) {
            bail!("--service {s:?}: no event names it and the pipeline has no such service");
        }
    }
    let report = build(&pipeline, entries, from, to, &args.service);
    let written = write_report(&report, &args.format, &args.out)?;
    let f = &report.fleet;
    note!(
        "{} services, {} to {}: uptime {}, {} incidents ({} predicted ahead), MTTR {}, {} outages prevented, {} false alarms. Written: {}",
        report.services.len(),
        from.to_rfc3339(),
        to.to_rfc3339(),
        f.uptime
            .map_or("-".into(), |u| format!("{:.3} %", u * 100.0)),
        f.incidents,
        f.predicted_ahead,
        f.time_to_recover_s
            .mean
            .map_or("-".into(), forewarn_ledger::human_duration),
        f.outages_prevented,
        f.false_alarms,
        written
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // The last stdout line, as for every command with a summary: JSON.
    let summary = serde_json::json!({
        "from": from,
        "to": to,
        "services": report.services.len(),
        "uptime": f.uptime,
        "incidents": f.incidents,
        "predicted_ahead": f.predicted_ahead,
        "mttd_s": f.time_to_detect_s.mean,
        "mttr_s": f.time_to_recover_s.mean,
        "recovered_automatically_share": f.recovered_automatically_share,
        "outages_prevented": f.outages_prevented,
        "false_alarms": f.false_alarms,
        "files": written,
    });
    super::print(&summary.to_string())?;
    Ok(ExitCode::SUCCESS)
}
