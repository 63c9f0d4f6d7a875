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
        sli_metrics: vec![
            pipeline.roles.latency_p99.clone(),
            pipeline.roles.error_rate.clone(),
        ],
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

/// The dashboard of `forewarn demo --dashboard`: served from the start,
/// fed from the embedded broker while it runs (event clock: the demo's
/// time is simulated), then with the run's predictions and the shadow
/// remediator's outcomes, and
/// kept serving after the summary until SIGTERM or Ctrl-C.
#[derive(Debug)]
pub(crate) struct Live {
    hub: Arc<Hub>,
    server: Server,
    topics: FeedTopics,
    feed: Option<forewarn_dashboard::Feed>,
}

impl Live {
    /// Serve the dashboard of `pipeline` on `listen`.
    pub(crate) fn start(pipeline: &PipelineConfig, listen: SocketAddr) -> anyhow::Result<Self> {
        let (hub, server) = serve(pipeline, listen, Clock::Event, Duration::from_secs(300))?;
        Ok(Self {
            hub,
            server,
            topics: feed_topics(pipeline, true),
            feed: None,
        })
    }

    /// Follow the embedded broker at `brokers` from its beginning.
    pub(crate) fn follow(&mut self, brokers: &str) {
        let opts = forewarn_dashboard::FeedOptions {
            brokers: brokers.to_string(),
            client: Vec::new(),
            topics: self.topics.clone(),
            start: Start::Beginning,
        };
        match forewarn_dashboard::Feed::start(Arc::clone(&self.hub), opts) {
            Ok(f) => self.feed = Some(f),
            Err(e) => tracing::warn!(error = %e, "Dashboard not fed from the broker."),
        }
    }

    /// Stop following the broker (it is about to stop).
    pub(crate) fn unfollow(&mut self) {
        if let Some(f) = self.feed.take() {
            f.stop();
        }
    }

    /// Every observed service event and prediction of the run (the feed
    /// stops with the broker, perhaps behind; the ledger drops what it
    /// already delivered), then the shadow outcomes, then serve until
    /// SIGTERM or Ctrl-C.
    pub(crate) fn serve_until_stopped(
        mut self,
        observed: &[forewarn_core::contracts::ServiceEvent],
        events: &[forewarn_core::contracts::PredictedIssue],
        outcomes: &[forewarn_core::contracts::RemediationOutcome],
    ) -> anyhow::Result<()> {
        self.unfollow();
        use forewarn_ledger::Entry;
        let entries = observed
            .iter()
            .map(|e| Entry::Service(e.clone()))
            .chain(events.iter().map(|e| Entry::Prediction(e.clone())))
            .chain(outcomes.iter().cloned().map(Entry::Outcome));
        self.hub
            .apply(entries.map(|e| forewarn_dashboard::Input::Entry(Box::new(e))));
        let stop = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            signal_hook::flag::register(signal, Arc::clone(&stop))
                .context("while installing the signal handler")?;
        }
        note!(
            "Dashboard still serving at {} (the fleet as of the demo's last event); Ctrl-C to stop.",
            self.server.url()
        );
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(())
    }
}
