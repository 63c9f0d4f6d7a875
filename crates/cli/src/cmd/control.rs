//! `forewarn control disable|enable|status`: the fleet's kill switch on
//! the control topic (the pipeline's `sinks.control`, default
//! `forewarn.control`; created compacted, one partition, on first use).
//! Every `forewarn remediate` and `forewarn watch` on those brokers
//! follows it within a second; the remediators write each flip to their
//! audit logs. A process started with `RELIABILITY_ENGINE_ENABLED=false`
//! stays disabled whatever the topic says.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use forewarn_control::follow::ControlTopic;
use forewarn_control::publish;
use forewarn_core::contracts::SwitchState;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    what: What,
    /// Kafka bootstrap brokers, `host:port[,host:port]`.
    #[arg(long, env = "FOREWARN_BROKERS", global = true)]
    brokers: Option<String>,
    /// Pipeline file whose `sinks.control` topic to use [default:
    /// pipelines/default.yaml under the working directory, else the
    /// built-in copy of it].
    #[arg(long, value_name = "FILE", global = true)]
    pipeline: Option<PathBuf>,
    /// The control topic (overrides the pipeline's).
    #[arg(long, global = true)]
    topic: Option<String>,
    /// An extra Kafka client property (TLS, SASL); repeatable.
    #[arg(long = "kafka-option", value_name = "KEY=VALUE", global = true)]
    kafka_options: Vec<String>,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Stop every action of every remediator and watch on these brokers
    /// (within a second), until `enable`.
    Disable(Flip),
    /// Allow actions again (processes started with
    /// RELIABILITY_ENGINE_ENABLED=false stay disabled).
    Enable(Flip),
    /// Print the switch's state as the control topic holds it.
    Status,
}

#[derive(Debug, clap::Args)]
struct Flip {
    /// Why (recorded on the topic and in every remediator's audit log).
    #[arg(long, default_value = "")]
    reason: String,
    /// Who [default: $USER@host].
    #[arg(long)]
    by: Option<String>,
}

fn who() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    format!("{user}@{host}")
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(brokers) = args.brokers.clone() else {
        anyhow::bail!("--brokers (or FOREWARN_BROKERS) is required");
    };
    let topic = match &args.topic {
        Some(t) => t.clone(),
        None => super::pipeline_or_default(args.pipeline.as_deref())?
            .sinks
            .control
            .clone(),
    };
    let t = ControlTopic {
        brokers,
        client: super::kafka_options(&args.kafka_options)?,
        topic,
    };
    let timeout = Duration::from_secs(30);
    let (state, flip) = match args.what {
        What::Status => {
            let latest = publish::status(&t, timeout)?;
            let text = match &latest {
                None => serde_json::json!({
                    "topic": t.topic,
                    "state": "enabled",
                    "detail": "never flipped (no message on the control topic)",
                }),
                Some(m) => serde_json::json!({
                    "topic": t.topic,
                    "state": m.state.name(),
                    "by": m.by,
                    "at": m.ts,
                    "reason": m.reason,
                }),
            };
            super::print(&text.to_string())?;
            return Ok(ExitCode::SUCCESS);
        }
        What::Disable(f) => (SwitchState::Disabled, f),
        What::Enable(f) => (SwitchState::Enabled, f),
    };
    let by = flip.by.unwrap_or_else(who);
    let m = publish::flip(&t, state, &by, &flip.reason, timeout)?;
    note!(
        "forewarn control: {} on {} by {} (was {})",
        m.state.name(),
        t.topic,
        m.by,
        m.previous.map_or("never flipped: enabled", |p| p.name())
    );
    super::print(&serde_json::to_string(&m)?)?;
    Ok(ExitCode::SUCCESS)
}
