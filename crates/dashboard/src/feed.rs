//! [`Feed`]: the dashboard's Kafka consumer, on a thread of its own. It
//! follows the pipeline's event topics (predictions, outcomes, service
//! events) from the chosen [`Start`], and the metrics topic from its end
//! (keys only), outside any consumer group: every dashboard sees every
//! record. Records are applied in batches, each batch pushed to live
//! pages at once, so an event reaches a page about as fast as the broker
//! hands it out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use forewarn_kafka::{Start, Tail, Throttle, throttle::left_out};

use crate::error::{Error, Result};
use crate::hub::Hub;
use crate::input::FeedTopics;
use crate::view::FeedStatus;

/// Where and what to read.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// Bootstrap brokers.
    pub brokers: String,
    /// Kafka client properties passed through (TLS, SASL).
    pub client: Vec<(String, String)>,
    /// The topics, by role.
    pub topics: FeedTopics,
    /// Where the event topics are read from (the metrics topic is always
    /// read from its end).
    pub start: Start,
}

/// Records applied per batch, at most.
const BATCH: usize = 1000;
/// How often new topics and partitions are looked for.
const REFRESH: Duration = Duration::from_secs(2);

/// The running feed; stops when dropped.
#[derive(Debug)]
pub struct Feed {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Feed {
    /// Start reading into `hub`.
    pub fn start(hub: Arc<Hub>, opts: FeedOptions) -> Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("dashboard-feed".into())
            .spawn(move || run(&hub, &opts, &flag))
            .map_err(Error::Feed)?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Stop reading and wait for the thread.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.halt();
    }
}

fn connect(opts: &FeedOptions, stop: &AtomicBool) -> Option<Tail> {
    let mut topics: Vec<(&str, Start)> = vec![
        (&opts.topics.predictions, opts.start),
        (&opts.topics.outcomes, opts.start),
        (&opts.topics.service_events, opts.start),
    ];
    if let Some(m) = &opts.topics.metrics {
        topics.push((m, Start::End));
    }
    let errors = Throttle::new(Duration::from_secs(30));
    while !stop.load(Ordering::Relaxed) {
        match Tail::new(&opts.brokers, &opts.client, &topics) {
            Ok(t) => return Some(t),
            Err(e) => {
                if let Some(n) = errors.admit() {
                    tracing::warn!(error = %e, "Dashboard feed cannot read the topics yet{}.", left_out(n));
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
    None
}

fn run(hub: &Hub, opts: &FeedOptions, stop: &AtomicBool) {
    let Some(mut tail) = connect(opts, stop) else {
        return;
    };
    let mut status = FeedStatus {
        connected: true,
        partitions: tail.partitions(),
        ..FeedStatus::default()
    };
    hub.set_feed(status.clone());
    tracing::info!(partitions = status.partitions, "Dashboard feed started.");
    let bad = Throttle::new(Duration::from_secs(30));
    let (mut refreshed, mut reported) = (Instant::now(), Instant::now());
    while !stop.load(Ordering::Relaxed) {
        let mut batch = Vec::new();
        let mut wait = Duration::from_millis(100);
        while batch.len() < BATCH {
            let Some(r) = tail.next(wait) else {
                break;
            };
            wait = Duration::ZERO;
            status.records += 1;
            match opts.topics.decode(&r) {
                Ok(i) => batch.push(i),
                Err(e) => {
                    status.undecodable += 1;
                    if let Some(n) = bad.admit() {
                        tracing::warn!(error = %e, "Dashboard skipped a record{}.", left_out(n));
                    }
                }
            }
        }
        if !batch.is_empty() {
            hub.apply(batch);
        }
        if refreshed.elapsed() >= REFRESH {
            refreshed = Instant::now();
            match tail.refresh(Duration::from_secs(5)) {
                Ok(0) => {}
                Ok(n) => tracing::info!(added = n, "Dashboard feed follows new partitions."),
                Err(e) => tracing::debug!(error = %e, "Dashboard feed refresh failed."),
            }
            status.partitions = tail.partitions();
        }
        if reported.elapsed() >= Duration::from_secs(1) {
            reported = Instant::now();
            hub.set_feed(status.clone());
        }
    }
}
