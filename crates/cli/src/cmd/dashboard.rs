//! `forewarn dashboard`: the live dashboard over a broker. Follows the
//! pipeline's predictions, remediation outcomes and service events (and
//! the metrics topic's keys, for services whose data stops) into the
//! reliability ledger, and serves the operator view (`/`) and the
//! customer status view (`/status`), pushed live, until SIGTERM or
//! Ctrl-C. [`serve`] is also what `forewarn demo --dashboard` starts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use anyhow::Context;
use forewarn_config::PipelineConfig;
use forewarn_core::HumanDuration;
use forewarn_dashboard::{BoardOptions, Clock, FeedTopics, Hub, LedgerOptions, Server, Start};

/// Where the dashboard listens unless told.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Kafka bootstrap brokers, `host:port[,host:port]`.
    #[arg(long, env = "FOREWARN_BROKERS")]
    brokers: String,
    /// Pipeline file whose topics, services and SLOs to use [default:
    /// pipelines/default.yaml under the working directory, else the
    /// built-in copy of it].
    #[arg(long, value_name = "FILE")]
    pipeline: Option<PathBuf>,
    /// Address to serve on.
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Read the event topics from their beginning.
    #[arg(long, conflicts_with = "since")]
    from_beginning: bool,
    /// Read the event topics from this long ago [default: the longest SLO
    /// period of the pipeline's services, so error budgets are whole].
    #[arg(long, value_name = "DUR")]
    since: Option<HumanDuration>,
    /// Where "now" comes from: `wall` (a live system) or `event` (the
    /// newest event's time: replays of past data).
    #[arg(long, default_value = "wall", value_parser = ["wall", "event"])]
    clock: String,
    /// A service whose metric samples stop for this long turns grey.
    #[arg(long, default_value = "5m")]
    stale: HumanDuration,
    /// Do not read the metrics topic (no staleness, no health samples).
    #[arg(long)]
    no_metrics: bool,
    /// An extra Kafka client property (TLS, SASL, tuning); repeatable.
    #[arg(long = "kafka-option", value_name = "KEY=VALUE")]
    kafka_options: Vec<String>,
}

/// The topics of `pipeline` the dashboard follows.
pub(crate) fn feed_topics(pipeline: &PipelineConfig, metrics: bool) -> FeedTopics {
    FeedTopics {
        predictions: pipeline.sinks.predictions.clone(),
        outcomes: pipeline.sinks.outcomes.clone(),
        service_events: pipeline.sinks.service_events.clone(),
        metrics: metrics.then(|| pipeline.sources.metrics.topic.clone()),
        health_metric: pipeline.roles.health.clone(),
    }
}

/// A hub for `pipeline` (its services and SLOs) and its web server on
/// `listen`, with the URLs printed.
pub(crate) fn serve(
    pipeline: &PipelineConfig,
    listen: SocketAddr,
    clock: Clock,
    stale: Duration,
) -> anyhow::Result<(Arc<Hub>, Server)> {
    let hub = Hub::new(BoardOptions {
        clock,
        ledger: LedgerOptions::from_pipeline(pipeline),
        stale,
    });
    let server = Server::start(listen, Arc::clone(&hub)).context("while starting the dashboard")?;
    note!(
        "Dashboard on {} (status view for customers: {}status)",
        server.url(),
        server.url()
    );
    Ok((hub, server))
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let pipeline = super::pipeline_or_default(args.pipeline.as_deref())?;
    let client = super::kafka_options(&args.kafka_options)?;
    let ledger = LedgerOptions::from_pipeline(&pipeline);
    let start = if args.from_beginning {
        Start::Beginning
    } else {
        let back = match args.since {
            Some(d) => Duration::from(d),
            None => Duration::from_millis(ledger.slo("").period_ms.max(0) as u64).max(
                pipeline
                    .services
                    .keys()
                    .map(|s| Duration::from_millis(ledger.slo(s).period_ms.max(0) as u64))
                    .max()
                    .unwrap_or_default(),
            ),
        };
        Start::Since(SystemTime::now() - back)
    };
    let clock = if args.clock == "event" {
        Clock::Event
    } else {
        Clock::Wall
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("while installing the signal handler")?;
    }
    let (hub, server) = serve(&pipeline, args.listen, clock, args.stale.into())?;
    let feed = forewarn_dashboard::Feed::start(
        hub,
        forewarn_dashboard::FeedOptions {
            brokers: args.brokers,
            client,
            topics: feed_topics(&pipeline, !args.no_metrics),
            start,
        },
    )?;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(200));
    }
    feed.stop();
    drop(server);
    Ok(ExitCode::SUCCESS)
}
