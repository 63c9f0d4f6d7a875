//! `forewarn watch -- CMD ARGS...`: run a service as a child process,
//! unchanged; sample it, capture its logs, check its health, restart it on
//! failure or on the remediator's command, and report each observed event
//! (see `forewarn_watch`). Exits with the child's status.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use forewarn_config::HealthProbe;
use forewarn_control::LiveSwitch;
use forewarn_control::follow::{self, ControlTopic};
use forewarn_core::HumanDuration;
use forewarn_watch::backoff::Backoff;
use forewarn_watch::commands::{CommandSource, spawn_consumer};
use forewarn_watch::health::HealthSchedule;
use forewarn_watch::{HealthOptions, Publisher, RestartPolicy, Supervisor, Topics, WatchOptions};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Service name stamped on every sample, log record and event; with
    /// `--pipeline`, also the `services.<name>` entry read.
    #[arg(long)]
    service: String,
    /// Instance name (default: this host's name).
    #[arg(long)]
    instance: Option<String>,
    /// Pipeline file: the service's health check, recovery and limits, and
    /// the topics.
    #[arg(long)]
    pipeline: Option<PathBuf>,
    /// Kafka brokers: publish there and take restart commands. Without
    /// them, everything is written as JSON lines to `--out` or stderr.
    #[arg(long)]
    brokers: Option<String>,
    /// JSON-lines file for samples, log records and events (without
    /// `--brokers`; default stderr).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Topic of the remediator's command messages (its Kafka executor's).
    #[arg(long, default_value = "forewarn.commands")]
    commands_topic: String,
    /// The kill switch's control topic (`forewarn control`), followed
    /// live with `--brokers` [default: the pipeline's `sinks.control`,
    /// else forewarn.control].
    #[arg(long)]
    control_topic: Option<String>,
    /// Create the topics written and read with this many partitions unless
    /// they exist.
    #[arg(long)]
    create_topics: Option<i32>,
    /// How often the process tree is sampled.
    #[arg(long, default_value = "10s")]
    sample_every: HumanDuration,
    /// When to restart: `never`, `on-failure` or `always` (default: from
    /// the pipeline's recovery_strategy/auto_retry, else on-failure).
    #[arg(long, value_parser = ["never", "on-failure", "always"])]
    restart: Option<String>,
    /// First delay before a restart (doubling per consecutive failure).
    #[arg(long, default_value = "1s")]
    backoff_initial: HumanDuration,
    /// Longest delay before a restart.
    #[arg(long, default_value = "30s")]
    backoff_max: HumanDuration,
    /// Share of each delay taken off at random, in [0, 1).
    #[arg(long, default_value_t = 0.2)]
    backoff_jitter: f64,
    /// Start limit: at most this many starts...
    #[arg(long, default_value_t = 5)]
    start_limit_burst: u32,
    /// ...within this interval; then `watch` gives up.
    #[arg(long, default_value = "60s")]
    start_limit_interval: HumanDuration,
    /// A run this long resets the backoff.
    #[arg(long, default_value = "30s")]
    reset_after: HumanDuration,
    /// SIGTERM to SIGKILL when stopping the child.
    #[arg(long, default_value = "10s")]
    stop_timeout: HumanDuration,
    /// Health check URL (overrides the pipeline's), e.g.
    /// `http://127.0.0.1:8080/health`.
    #[arg(long, conflicts_with = "health_tcp")]
    health_http: Option<String>,
    /// Health check `host:port` (TCP connect; overrides the pipeline's).
    #[arg(long)]
    health_tcp: Option<String>,
    /// Interval of `--health-http`/`--health-tcp`.
    #[arg(long, default_value = "10s")]
    health_interval: HumanDuration,
    /// Timeout of `--health-http`/`--health-tcp`.
    #[arg(long, default_value = "2s")]
    health_timeout: HumanDuration,
    /// Failed checks in a row that make a hang (with `--health-*`).
    #[arg(long, default_value_t = 3)]
    failures_before_hung: u32,
    /// No output and no CPU time for this long is a hang (off by default).
    #[arg(long)]
    silent_hang: Option<HumanDuration>,
    /// An extra Kafka client property; repeatable.
    #[arg(long = "kafka-option", value_name = "KEY=VALUE")]
    kafka_options: Vec<String>,
    /// The command to run, after `--`.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// How long a start waits for the control topic to be read before going
/// on with restarts disabled (until it is).
const CONTROL_WAIT: Duration = Duration::from_secs(15);

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let enabled = forewarn_control::from_env()?;
    let instance = args.instance.clone().unwrap_or_else(hostname);
    let mut opts = WatchOptions::new(&args.service, &instance, args.command.clone());
    let mut topics = Topics::default();
    let mut control = "forewarn.control".to_string();
    if let Some(path) = &args.pipeline {
        let p = super::load_pipeline(path)?;
        match p.services.get(&args.service) {
            Some(s) => opts.apply_service(s),
            None => tracing::warn!(
                service = %args.service,
                "The pipeline has no entry for this service; the defaults apply."
            ),
        }
        if p.sources.metrics.format != forewarn_core::Format::Json {
            anyhow::bail!(
                "watch publishes JSON metric samples; the pipeline's sources.metrics.format is {}",
                p.sources.metrics.format.name()
            );
        }
        topics = Topics {
            metrics: p.sources.metrics.topic.clone(),
            logs: p.sources.logs.as_ref().map(|l| l.topic.clone()),
            events: p.sinks.service_events.clone(),
        };
        control = p.sinks.control.clone();
    }
    if let Some(t) = &args.control_topic {
        control = t.clone();
    }
    opts.sample_every = args.sample_every.into();
    opts.backoff = Backoff {
        initial: args.backoff_initial.into(),
        max: args.backoff_max.into(),
        factor: 2.0,
        jitter: args.backoff_jitter,
    };
    opts.start_limit_burst = args.start_limit_burst;
    opts.start_limit_interval = args.start_limit_interval.into();
    opts.reset_after = args.reset_after.into();
    opts.stop_timeout = args.stop_timeout.into();
    opts.silent_hang = args.silent_hang.map(Into::into);
    opts.kill_switch = match &args.brokers {
        Some(_) => LiveSwitch::following(enabled),
        None => LiveSwitch::fixed(enabled),
    };
    if let Some(r) = &args.restart {
        opts.restart = match r.as_str() {
            "never" => RestartPolicy::Never,
            "always" => RestartPolicy::Always,
            _ => RestartPolicy::OnFailure,
        };
    }
    let probe = match (&args.health_http, &args.health_tcp) {
        (Some(u), _) => Some(HealthProbe::Http(u.clone())),
        (None, Some(t)) => Some(HealthProbe::Tcp(t.clone())),
        _ => None,
    };
    if let Some(probe) = probe {
        opts.health = Some(HealthOptions {
            schedule: HealthSchedule {
                probe,
                interval: args.health_interval.into(),
                timeout: args.health_timeout.into(),
                startup_interval: Duration::from_secs(1),
            },
            failures_before_hung: args.failures_before_hung.max(1),
        });
    }
    if let Some(brokers) = &args.brokers {
        let client = super::kafka_options(&args.kafka_options)?;
        if args.create_topics.is_some() {
            let spec = forewarn_kafka::TopicSpec {
                name: &control,
                partitions: 1,
                config: vec![("cleanup.policy", "compact")],
            };
            forewarn_kafka::ensure(brokers, &client, &[spec], Duration::from_secs(30))
                .context("while creating the control topic")?;
        }
        follow::spawn(
            ControlTopic {
                brokers: brokers.clone(),
                client,
                topic: control.clone(),
            },
            opts.kill_switch.clone(),
        )?;
        if !opts.kill_switch.wait_ready(CONTROL_WAIT) {
            tracing::warn!(topic = %control, "The control topic could not be read yet: no restart until it is.");
        }
    }
    if let Some(why) = opts.kill_switch.why_disabled() {
        tracing::warn!("{why}: watching and reporting, not restarting (for now).");
    }

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("while starting the async runtime")?;
    let code = rt.block_on(async {
        let (publisher, commands) = match &args.brokers {
            Some(brokers) => {
                let client = super::kafka_options(&args.kafka_options)?;
                if let Some(n) = args.create_topics {
                    let mut names = vec![
                        topics.metrics.as_str(),
                        topics.events.as_str(),
                        args.commands_topic.as_str(),
                    ];
                    names.extend(topics.logs.as_deref());
                    forewarn_kafka::ensure_topics(
                        brokers,
                        &client,
                        &names,
                        n,
                        Duration::from_secs(30),
                    )
                    .context("while creating the topics")?;
                }
                let producer = forewarn_kafka::ProducerBuilder::new(brokers)
                    .set("linger.ms", "5")
                    .client(&client)
                    .build()?;
                let (tx, rx) = tokio::sync::mpsc::channel(16);
                spawn_consumer(
                    CommandSource {
                        brokers: brokers.clone(),
                        client,
                        topic: args.commands_topic.clone(),
                        group: format!(
                            "forewarn-watch.{}.{}.{}",
                            args.service,
                            instance,
                            std::process::id()
                        ),
                        since_ms: chrono::Utc::now().timestamp_millis() - 1000,
                    },
                    tx,
                )?;
                (Publisher::kafka(producer, topics), Some(rx))
            }
            None => {
                let out: Box<dyn std::io::Write + Send> = match &args.out {
                    Some(path) => Box::new(std::io::BufWriter::new(
                        std::fs::File::create(path)
                            .with_context(|| format!("while creating {}", path.display()))?,
                    )),
                    None => Box::new(std::io::stderr()),
                };
                (Publisher::lines(out, topics), None)
            }
        };
        let publisher = Arc::new(publisher);
        let code = Supervisor::new(opts, Arc::clone(&publisher), commands)
            .run()
            .await?;
        publisher.flush(Duration::from_secs(10));
        anyhow::Ok(code)
    })?;
    Ok(ExitCode::from((code & 0xff) as u8))
}
