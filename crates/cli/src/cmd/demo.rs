//! `forewarn demo`: the whole streaming path on one machine with nothing
//! installed. Starts a Kafka-protocol broker inside the process (forewarn-kafka's
//! embedded mock cluster, on 127.0.0.1), simulates a labelled fleet into its metrics
//! and logs topics as fast as it takes them, runs the same scorer runtime
//! as `forewarn score` against it, with a progress line updated in place
//! (on a terminal only). When the scorer has read everything, it stops
//! gracefully; each prediction is printed in event-time order, named as on
//! the wire (`latency_degradation`), with what the remediator (in shadow
//! mode, on event time) would do about it, and the predictions are scored
//! against the simulator's labels: incidents predicted, lead times, false
//! alarms. It ends by writing the run's reliability report (`--report
//! DIR`, see `forewarn report`). The last stdout line is a JSON object
//! with at least `incidents`, `predicted`, `lead_time_median_s`,
//! `false_alarms`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use forewarn_core::HumanDuration;
use forewarn_core::contracts::PredictedIssue;
use forewarn_harness::demo::{Demo, DemoOptions, Watch, summarise};
use forewarn_sim::Labels;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where `--policy` is looked for when not given.
const DEFAULT_POLICY: &str = "pipelines/remediation.yaml";

/// `pipelines/remediation.yaml`, built in.
const BUILT_IN_POLICY: &str = include_str!("../../../../pipelines/remediation.yaml");

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Simulated time to stream (run accelerated), e.g. `6h`, `2d`.
    #[arg(long, default_value = "6h")]
    duration: HumanDuration,
    /// Services in the simulated fleet.
    #[arg(long, default_value_t = 7)]
    services: usize,
    /// Sampling interval of the fleet (the default model was trained at 60 s).
    #[arg(long, default_value = "60s")]
    interval: HumanDuration,
    /// Simulator seed (the default model was trained on seed 42; 7 is unseen).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Incidents per service per day (at least one of each kind is placed).
    #[arg(long, default_value_t = 0.5)]
    incident_rate: f64,
    /// Trained model artifact directory.
    #[arg(long, default_value = "models/default")]
    model: PathBuf,
    /// Partitions of each topic (the scorer keeps one state per partition).
    #[arg(long, default_value_t = 3)]
    partitions: i32,
    /// Write `labels.json`, `pipeline.yaml` and `predictions.jsonl` here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// The remediation policy the shadow remediator follows (it records
    /// what it would do; nothing is executed) [default:
    /// pipelines/remediation.yaml under the working directory, else the
    /// built-in copy of it].
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Do not print predictions as they arrive.
    #[arg(long)]
    quiet: bool,
    /// Serve the live dashboard on ADDR [default: 127.0.0.1:8080] during
    /// the demo, fed from the embedded broker, and keep serving it after
    /// the summary until Ctrl-C.
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = super::dashboard::DEFAULT_LISTEN)]
    dashboard: Option<std::net::SocketAddr>,
    /// Write the run's reliability report (report.html, .md, .json) here
    /// [default: OUT/report with --out, else forewarn-demo-report in the
    /// system's temporary directory].
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
}

/// The run's reliability report: its predictions and the shadow
/// remediator's outcomes, the fleet's latency and error-rate samples, and
/// as observed failures the simulator's labelled ones (failure to
/// recovery of each incident), standing in for `forewarn watch`'s
/// service events; over the simulated time.
fn write_report(
    dir: &std::path::Path,
    pipeline: &forewarn_config::PipelineConfig,
    labels: &Labels,
    run: &forewarn_harness::demo::DemoRun,
) -> anyhow::Result<()> {
    use forewarn_ledger::Entry;
    let started = std::time::Instant::now();
    // The labelled failures, as the demo published them on the
    // service-events topic while it streamed.
    let mut entries: Vec<Entry> = forewarn_harness::observed_events(labels)
        .into_iter()
        .map(Entry::Service)
        .collect();
    entries.extend(run.events.iter().cloned().map(Entry::Prediction));
    entries.extend(run.outcomes.iter().cloned().map(Entry::Outcome));
    // The fleet's latency and error-rate samples, for their SLIs.
    entries.extend(run.sli_samples.iter().cloned().map(Entry::Sample));
    let report = super::report::build(pipeline, entries, labels.start, labels.end, &[]);
    use super::report::OutFormat;
    let written = super::report::write_report(
        &report,
        &[OutFormat::Html, OutFormat::Md, OutFormat::Json],
        dir,
    )?;
    tracing::debug!(
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "Reliability report written."
    );
    let f = &report.fleet;
    note!(
        "Reliability report (observed failures: the simulator's labelled ones): uptime {}, MTTR {}, {} of {} incidents predicted ahead: {}",
        f.uptime
            .map_or("-".into(), |u| format!("{:.2} %", u * 100.0)),
        f.time_to_recover_s
            .mean
            .map_or("-".into(), forewarn_ledger::human_duration),
        f.predicted_ahead,
        f.incidents,
        written
            .first()
            .map_or(String::new(), |p| p.display().to_string())
    );
    Ok(())
}

/// One line per opened prediction.
fn live_line(e: &PredictedIssue) -> String {
    let when = match e.predicted_failure_at {
        Some(t) => {
            let mins = (t - e.detected_at).num_seconds() as f64 / 60.0;
            format!(
                ", failure expected in {mins:.0} min ({})",
                t.format("%H:%M")
            )
        }
        None => String::new(),
    };
    let cause = match &e.root_cause_service {
        Some(r) if *r != e.service => format!(", root cause {r}"),
        _ => String::new(),
    };
    let target = if e.instance.is_empty() {
        e.service.clone()
    } else {
        format!("{}/{}", e.service, e.instance)
    };
    let template = match &e.log {
        Some(l) => format!(
            ": {:?} ({} line{} that minute)",
            l.template,
            l.count,
            if l.count == 1 { "" } else { "s" }
        ),
        None => String::new(),
    };
    format!(
        "[{}] {} on {target} (p={:.2}){when}{cause}{template}",
        e.detected_at.format("%m-%d %H:%M"),
        super::wire_name(&e.kind),
        e.probability
    )
}

/// How long before its failure an incident was announced, e.g. `25 min`,
/// `40 s` (never "0 min").
fn lead(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{:.0} min", seconds / 60.0)
    }
}

/// What the demo shows while it runs.
struct Live {
    quiet: bool,
    duration: HumanDuration,
    services: usize,
    /// The progress line, redrawn in place; hidden unless stderr is a
    /// terminal (and with `--quiet`).
    bar: ProgressBar,
    /// With `--dashboard`: its hub, the pipeline's topics, and the feed
    /// from the embedded broker while it runs.
    dashboard: Option<super::dashboard::Live>,
}

impl Live {
    fn new(quiet: bool, duration: HumanDuration, services: usize) -> Self {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>3} {msg}") {
                bar.set_style(style);
            }
            bar
        };
        Self {
            quiet,
            duration,
            services,
            bar,
            dashboard: None,
        }
    }
}

impl Watch for Live {
    fn started(&mut self, brokers: &str, labels: &Labels) {
        note!(
            "Embedded Kafka broker on {brokers}; streaming {} of a {}-service fleet ({} incidents, {} traps labelled) through the scorer...",
            self.duration,
            self.services,
            labels.incidents.len(),
            labels.traps.len()
        );
        if let Some(d) = &mut self.dashboard {
            d.follow(brokers);
        }
    }

    fn stopping(&mut self) {
        if let Some(d) = &mut self.dashboard {
            d.unfollow();
        }
    }

    fn prediction(&mut self, e: &PredictedIssue) {
        self.bar.finish_and_clear();
        // A closed stdout (`forewarn demo | head`) just stops these lines;
        // the summary goes on.
        if !self.quiet {
            let _ = super::print(&live_line(e));
        }
    }

    fn shadow_action(&mut self, detail: &str) {
        if !self.quiet {
            let _ = super::print(&format!("    remediator (shadow): {detail}"));
        }
    }

    fn progress(&mut self, produced: u64, steps: u64, scored: u64, predictions: usize) {
        let joining = if scored == 0 {
            " (the scorer is joining its consumer group)"
        } else {
            ""
        };
        self.bar.set_message(format!(
            "{produced} of {steps} steps produced, {scored} samples scored{joining}, {predictions} prediction events"
        ));
        self.bar.tick();
    }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let demo = Demo::new(&DemoOptions {
        duration: args.duration,
        services: args.services,
        interval: args.interval,
        seed: args.seed,
        incident_rate: args.incident_rate,
        partitions: args.partitions,
    })?;
    let (model, model_ref) = super::load_model(&args.model, demo.pipeline()).with_context(
        || "the demo needs a trained model; run it from the repository root, or pass --model",
    )?;
    // The policy, like `--pipeline` elsewhere: the file given, else the
    // checkout's, else the copy built into the binary.
    let policy = match &args.policy {
        Some(path) => forewarn_remediate::Policy::load(path),
        None if std::path::Path::new(DEFAULT_POLICY).is_file() => {
            forewarn_remediate::Policy::load(std::path::Path::new(DEFAULT_POLICY))
        }
        None => forewarn_remediate::Policy::parse(BUILT_IN_POLICY),
    }
    .map_err(|p| {
        anyhow::anyhow!(
            "{}: invalid policy:\n  {}",
            args.policy
                .as_deref()
                .unwrap_or(std::path::Path::new(DEFAULT_POLICY))
                .display(),
            p.0.join("\n  ")
        )
    })?;
    if let Some(out) = &args.out {
        demo.write_inputs(out)?;
    }
    let labels = demo.labels().clone();
    let pipeline = demo.pipeline().clone();
    let mut live = Live::new(args.quiet, args.duration, args.services);
    if let Some(addr) = args.dashboard {
        live.dashboard = Some(super::dashboard::Live::start(demo.pipeline(), addr)?);
    }
    let run = demo.run(model, model_ref, policy, &mut live);
    live.bar.finish_and_clear();
    let run = run?;
    std::io::stdout().flush()?;
    let summary = summarise(&labels, &run)?;
    if let Some(out) = &args.out {
        let mut f = std::fs::File::create(out.join("predictions.jsonl"))?;
        for e in &run.events {
            writeln!(f, "{}", serde_json::to_string(e)?)?;
        }
    }
    note!();
    note!(
        "Scored {} samples ({} records, {} dead letters) into {} events in {:.1}s.",
        run.scorer.decoded,
        run.scorer.consumed,
        run.scorer.rejected,
        run.scorer.events,
        run.elapsed.as_secs_f64()
    );
    let s = &summary.forewarn;
    note!("Incidents in the simulated fleet: {}", s.incidents);
    for row in &summary.evaluation.incidents {
        let lead = row.lead_s.map_or(String::new(), |l| {
            format!(", {} before the failure", lead(l))
        });
        note!(
            "  {:<28} {:<16} {}{lead}",
            super::wire_name(&row.issue_kind),
            row.service,
            row.outcome.as_str()
        );
    }
    note!(
        "Predicted {} of {} ahead of the failure ({} late, {} missed); median lead {}; {} false alarms ({:.2} per service-day).",
        s.predicted,
        s.incidents,
        s.late,
        s.missed,
        s.lead_time_median_s.map_or("-".to_string(), lead),
        s.false_alarms,
        s.false_alarms_per_service_day
    );
    let report_dir = args.report.clone().unwrap_or_else(|| match &args.out {
        Some(out) => out.join("report"),
        None => std::env::temp_dir().join("forewarn-demo-report"),
    });
    write_report(&report_dir, &pipeline, &labels, &run)?;
    super::print(&summary.json_line(&run).to_string())?;
    if let Some(d) = live.dashboard.take() {
        let observed = forewarn_harness::observed_events(&labels);
        d.serve_until_stopped(&observed, &run.events, &run.outcomes)?;
    }
    Ok(ExitCode::SUCCESS)
}
