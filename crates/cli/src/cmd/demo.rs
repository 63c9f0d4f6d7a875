//! `forewarn demo`: the whole streaming path on one machine with nothing
//! installed. Starts a Kafka-protocol broker inside the process (forewarn-kafka's
//! embedded mock cluster, on 127.0.0.1), simulates a labelled fleet into its metrics
//! and logs topics as fast as it takes them, runs the same scorer runtime
//! as `forewarn score` against it, and prints each prediction as it is
//! published, with what the remediator (in shadow mode, on event time)
//! would do about it. When the scorer has read everything, it stops gracefully and
//! the predictions are scored against the simulator's labels: incidents
//! predicted, lead times, false alarms. The last stdout line is a JSON
//! object with at least `incidents`, `predicted`, `lead_time_median_s`,
//! `false_alarms`.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use forewarn_backtest::incidents::{self, Alert, Matching};
use forewarn_core::HumanDuration;
use forewarn_core::contracts::{IssueStatus, PredictedIssue};
use forewarn_kafka::{EmbeddedBroker, Producer, TopicReader};
use forewarn_scorer::ScorerOptions;
use forewarn_sim::SimConfig;
use forewarn_stream::{ScoreOptions, Stats, Topics};

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
    /// what it would do; nothing is executed).
    #[arg(long, default_value = "pipelines/remediation.yaml")]
    policy: PathBuf,
    /// Do not print predictions as they arrive.
    #[arg(long)]
    quiet: bool,
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
        "[{}] {:?} on {target} (p={:.2}){when}{cause}{template}",
        e.detected_at.format("%m-%d %H:%M"),
        e.kind,
        e.probability
    )
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let cfg = {
        let mut c = SimConfig {
            services: args.services,
            duration: args.duration,
            interval: args.interval,
            seed: args.seed,
            ..SimConfig::default()
        };
        c.scenarios.incidents_per_service_day = args.incident_rate;
        c
    };
    let fleet = forewarn_sim::Fleet::new(&cfg).context("while setting up the fleet")?;
    let labels = fleet.labels().clone();
    let pipeline = super::simulate::fleet_pipeline(&labels)?;
    let (model, model_ref) = super::load_model(&args.model, &pipeline).with_context(
        || "the demo needs a trained model; run it from the repository root, or pass --model",
    )?;
    let topics = Topics::of(&pipeline);
    let p = args.partitions.max(1);
    let mut create: Vec<(&str, i32)> = vec![
        (&topics.metrics, p),
        (&topics.predictions, p),
        (&topics.optimizations, p),
        (&topics.dead_letter, p),
        (&topics.checkpoints, 1),
    ];
    if let Some(l) = &topics.logs {
        create.push((l, p));
    }
    let broker = EmbeddedBroker::start(&create)?;
    let brokers = broker.bootstrap();
    eprintln!(
        "Embedded Kafka broker on {brokers}; streaming {} of a {}-service fleet ({} incidents, {} traps labelled) through the scorer...",
        args.duration,
        args.services,
        labels.incidents.len(),
        labels.traps.len()
    );
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)
            .with_context(|| format!("while creating {}", out.display()))?;
        labels.write(&out.join("labels.json"))?;
        std::fs::write(
            out.join("pipeline.yaml"),
            serde_norway::to_string(&pipeline)?,
        )?;
    }

    // The fleet, into the broker.
    let producer = Producer::new(&brokers, &[])?;
    let interval_s = cfg.interval.as_secs_f64();
    let (metrics_topic, logs_topic) = (topics.metrics.clone(), topics.logs.clone());
    let steps = fleet.steps();
    let simulated = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sim_progress = Arc::clone(&simulated);
    let mut feeder = Some(std::thread::spawn(move || -> anyhow::Result<(u64, u64)> {
        let n = super::simulate::produce_fleet(
            fleet,
            &producer,
            &metrics_topic,
            logs_topic.as_deref(),
            interval_s,
            0.0,
            |step| sim_progress.store(step + 1, Ordering::Relaxed),
        )?;
        let d = producer.flush(Duration::from_secs(60))?;
        anyhow::ensure!(
            d.failed == 0 && d.acked == n.0 + n.1,
            "the embedded broker acknowledged {} of {} records",
            d.acked,
            n.0 + n.1
        );
        Ok(n)
    }));

    // The scorer, as `forewarn score` runs it.
    let stats = Arc::new(Stats::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut opts = ScoreOptions::new(&brokers);
    opts.checkpoint_every = Duration::from_secs(2);
    opts.scorer = ScorerOptions {
        model_ref,
        ..ScorerOptions::default()
    };
    let scorer = {
        let (stats, stop, pipeline) = (Arc::clone(&stats), Arc::clone(&stop), pipeline.clone());
        std::thread::spawn(move || forewarn_stream::run(pipeline, model, opts, stats, stop))
    };

    // The remediator, in shadow mode whatever the policy file says: it
    // decides and records, and nothing is executed.
    let mut policy = forewarn_remediate::Policy::load(&args.policy).map_err(|p| {
        anyhow::anyhow!(
            "{}: invalid policy:\n  {}",
            args.policy.display(),
            p.0.join("\n  ")
        )
    })?;
    policy.mode = forewarn_remediate::Mode::Shadow;
    let mut remediator = forewarn_remediate::Remediator::new(policy, true);
    let mut shadow_actions = 0u64;

    // Predictions, live.
    let reader = TopicReader::new(&brokers, &[], &topics.predictions)?;
    let mut events: Vec<PredictedIssue> = Vec::new();
    let mut seen = HashSet::new();
    let mut take = |payload: &[u8], events: &mut Vec<PredictedIssue>| {
        match serde_json::from_slice::<PredictedIssue>(payload) {
            // At-least-once: the same revision of an event may arrive twice.
            Ok(e) if seen.insert((e.id.clone(), e.revision)) => {
                // A closed stdout (`forewarn demo | head`) just stops the
                // live lines; the run and its summary go on.
                if !args.quiet && e.status == IssueStatus::Open {
                    let _ = super::print(&live_line(&e));
                }
                for step in remediator.on_event(&e, e.detected_at) {
                    if let forewarn_remediate::Step::Record { outcome, .. } = step {
                        shadow_actions += 1;
                        if !args.quiet {
                            let _ = super::print(&format!(
                                "    remediator (shadow): {}",
                                outcome.detail
                            ));
                        }
                    }
                }
                events.push(e);
            }
            Ok(_) => {}
            Err(e) => eprintln!("warning: unreadable prediction: {e}"),
        }
    };
    let mut produced: Option<(u64, u64)> = None;
    let mut last_progress = Instant::now();
    let logs_topic = topics.logs.clone();
    loop {
        if let Some(r) = reader.next(Duration::from_millis(100)) {
            take(&r.payload, &mut events);
        }
        if let Some(f) = feeder.take_if(|f| f.is_finished()) {
            let n = f
                .join()
                .map_err(|_| anyhow::anyhow!("the fleet feeder panicked"))??;
            produced = Some(n);
        }
        if scorer.is_finished() {
            break;
        }
        let consumed = stats.consumed_of(&topics.metrics)
            + logs_topic.as_deref().map_or(0, |l| stats.consumed_of(l));
        if let Some((m, l)) = produced
            && consumed >= m + l
        {
            stop.store(true, Ordering::Relaxed);
            break;
        }
        if last_progress.elapsed() > Duration::from_secs(2) && !args.quiet {
            last_progress = Instant::now();
            eprintln!(
                "  ... {} of {steps} steps produced, {} samples scored, {} predictions",
                simulated.load(Ordering::Relaxed),
                stats.decoded.get(),
                events.len()
            );
        }
    }
    let summary = scorer
        .join()
        .map_err(|_| anyhow::anyhow!("the scorer panicked"))??;
    for r in reader.read_to_end(Duration::from_secs(30))? {
        take(&r.payload, &mut events);
    }
    drop(broker);
    std::io::stdout().flush()?;

    let alerts: Vec<Alert> = events.iter().filter_map(Alert::from_event).collect();
    let eval = incidents::evaluate(&labels, &[("forewarn", &alerts)], &Matching::default());
    let s = eval
        .summaries
        .first()
        .context("the evaluation produced no summary")?;
    if let Some(out) = &args.out {
        let mut f = std::fs::File::create(out.join("predictions.jsonl"))?;
        for e in &events {
            writeln!(f, "{}", serde_json::to_string(e)?)?;
        }
    }
    eprintln!();
    eprintln!(
        "Scored {} samples ({} records, {} dead letters) into {} events in {:.1}s.",
        summary.decoded,
        summary.consumed,
        summary.rejected,
        summary.events,
        started.elapsed().as_secs_f64()
    );
    eprintln!("Incidents in the simulated fleet: {}", s.incidents);
    for row in eval.incidents.iter() {
        let lead = row.lead_s.map_or(String::new(), |l| {
            format!(", {:.0} min before the failure", l / 60.0)
        });
        eprintln!(
            "  {:<28} {:<16} {:?}{lead}",
            format!("{:?}", row.issue_kind),
            row.service,
            row.outcome
        );
    }
    eprintln!(
        "Predicted {} of {} ahead of the failure ({} late, {} missed); median lead {}; {} false alarms ({:.2} per service-day).",
        s.predicted,
        s.incidents,
        s.late,
        s.missed,
        s.lead_time_median_s
            .map_or("-".to_string(), |l| format!("{:.0} min", l / 60.0)),
        s.false_alarms,
        s.false_alarms_per_service_day
    );
    super::print(
        &serde_json::json!({
            "incidents": s.incidents,
            "predicted": s.predicted,
            "late": s.late,
            "missed": s.missed,
            "lead_time_median_s": s.lead_time_median_s,
            "false_alarms": s.false_alarms,
            "false_alarms_per_service_day": s.false_alarms_per_service_day,
            "precision": s.precision,
            "recall": s.recall,
            "samples": summary.decoded,
            "events": summary.events,
            "dead_letters": summary.rejected,
            "shadow_remediations": shadow_actions,
            "elapsed_s": started.elapsed().as_secs_f64(),
        })
        .to_string(),
    )?;
    Ok(ExitCode::SUCCESS)
}
