//! `forewarn remediate`: act on predicted issues under a policy file, in
//! shadow mode unless the policy says `mode: live` and the service is
//! enabled. The kill switch: `RELIABILITY_ENGINE_ENABLED=false` at start
//! (a value that is not a recognised spelling refuses the start), and the
//! control topic live (`forewarn control disable|enable`), every change
//! written to the audit log. With `FOREWARN_AUDIT_KEY` set, the audit
//! chain is keyed (HMAC-SHA256). SIGTERM or Ctrl-C stops consuming, lets
//! running actions finish, and exits.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use forewarn_control::LiveSwitch;
use forewarn_control::follow::{self, ControlTopic};
use forewarn_remediate::Policy;
use forewarn_remediate::audit::AuditKey;
use forewarn_remediate::runtime::{self, Options};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Kafka bootstrap brokers, `host:port[,host:port]`.
    #[arg(long, env = "FOREWARN_BROKERS")]
    brokers: String,
    /// The policy file (YAML): `pipelines/remediation.yaml` is a commented
    /// example; the README, section "Remediation", describes every key.
    /// Check one with `forewarn validate --policy FILE`.
    #[arg(long)]
    policy: PathBuf,
    /// Pipeline file whose topics to use (predictions in, outcomes and
    /// dead letters out) [default: pipelines/default.yaml under the
    /// working directory, else the built-in copy of it].
    #[arg(long, value_name = "FILE")]
    pipeline: Option<PathBuf>,
    /// Append-only audit log (hash-chained JSONL); read back at start so
    /// that no action is repeated after a restart.
    #[arg(long, default_value = "remediation-audit.jsonl")]
    audit: PathBuf,
    /// Consumer group.
    #[arg(long, default_value = "forewarn-remediator")]
    group: String,
    /// Create the pipeline's topics first (N partitions), unless they exist.
    #[arg(long, value_name = "N")]
    create_topics: Option<i32>,
    /// An extra Kafka client property (TLS, SASL, tuning); repeatable.
    #[arg(long = "kafka-option", value_name = "KEY=VALUE")]
    kafka_options: Vec<String>,
}

/// How long a start waits for the control topic to be read before going
/// on with actions disabled (until it is).
const CONTROL_WAIT: std::time::Duration = std::time::Duration::from_secs(15);

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let enabled = forewarn_control::from_env()?;
    let audit_key = AuditKey::from_env()?;
    let policy = Policy::load(&args.policy).map_err(|p| {
        anyhow::anyhow!(
            "{}: invalid policy:\n{}",
            args.policy.display(),
            p.0.iter()
                .map(|x| format!("  {x}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let pipeline = super::pipeline_or_default(args.pipeline.as_deref())?;
    // What the policy leaves open per service, the pipeline's
    // `recovery_strategy` and `auto_retry` fill in.
    let mut policy = policy;
    policy.adopt_pipeline(&pipeline.services);
    let client = super::kafka_options(&args.kafka_options)?;
    if let Some(n) = args.create_topics {
        forewarn_stream::ensure_topics(
            &pipeline,
            &args.brokers,
            &client,
            n,
            std::time::Duration::from_secs(30),
        )?;
    }
    let switch = LiveSwitch::following(enabled);
    let control = pipeline.sinks.control.clone();
    follow::spawn(
        ControlTopic {
            brokers: args.brokers.clone(),
            client: client.clone(),
            topic: control.clone(),
        },
        switch.clone(),
    )?;
    if !switch.wait_ready(CONTROL_WAIT) {
        note!(
            "forewarn remediate: the control topic {control} could not be read within {CONTROL_WAIT:?}: no action until it is"
        );
    }
    note!(
        "forewarn remediate: {} mode, kill switch {} (control topic {control}), audit log {}{}",
        super::wire_name(&policy.mode),
        match switch.why_disabled() {
            None => "off: actions allowed".to_string(),
            Some(why) => format!("ON ({why})"),
        },
        args.audit.display(),
        if audit_key.is_some() { " (keyed)" } else { "" }
    );
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("while installing the signal handler")?;
    }
    let opts = Options {
        brokers: args.brokers,
        group: args.group,
        client,
        predictions: pipeline.sinks.predictions.clone(),
        // Optimization advice only when the policy has chains for it.
        optimizations: (!policy.optimizations.is_empty())
            .then(|| pipeline.sinks.optimizations.clone()),
        outcomes: pipeline.sinks.outcomes.clone(),
        dead_letter: pipeline.sinks.dead_letter.clone(),
        audit: args.audit,
        enabled,
        switch: Some(switch),
        audit_key,
    };
    let c = runtime::run(policy, opts, stop).map_err(|e| match e {
        e @ runtime::Error::Audit(forewarn_remediate::audit::AuditError::Io { .. }) => {
            anyhow::Error::new(e).context(
                "the audit log could not be written: no action is taken without its audit line, so the remediator stopped (the event is read again at the next start)",
            )
        }
        e => e.into(),
    })?;
    super::print(
        &serde_json::json!({
            "events": c.events,
            "duplicates": c.duplicates,
            "executed": c.executed,
            "skipped": c.skipped,
        })
        .to_string(),
    )?;
    Ok(ExitCode::SUCCESS)
}
