//! [`run`]: `forewarn remediate`. Consumes predicted-issue events (one
//! consumer group), hands them to the [`Remediator`], and carries out its
//! steps: every decision is appended to the audit log (synced) before
//! anything else happens, then published as a remediation-outcome event;
//! actions run on worker threads, at most `concurrency` at once, and their
//! results come back to the remediator. An event's offset is stored only
//! after its audit lines are on disk, so a restart re-reads at most what
//! was not recorded, and the audit log (read back at start) keeps it from
//! acting twice. Malformed events go to the dead-letter topic.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use chrono::Utc;
use forewarn_core::contracts::PredictedIssue;
use forewarn_kafka::{Producer, dead_letter_headers};
use rdkafka::Message;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::audit::{AuditError, AuditLog, Phase};
use crate::engine::{Counts, Planned, Remediator, Step};
use crate::executor::{self, CommandSink, Execution};
use crate::policy::Policy;

/// Errors of the remediator runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Kafka.
    #[error("kafka: {0}")]
    Kafka(String),
    /// The audit log.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// Where and how to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Bootstrap brokers.
    pub brokers: String,
    /// Consumer group.
    pub group: String,
    /// librdkafka properties passed through (TLS, SASL).
    pub client: Vec<(String, String)>,
    /// Predicted-issue events in.
    pub predictions: String,
    /// Remediation outcomes out.
    pub outcomes: String,
    /// Dead letters out.
    pub dead_letter: String,
    /// The audit log.
    pub audit: PathBuf,
    /// `RELIABILITY_ENGINE_ENABLED`: false disables every action.
    pub enabled: bool,
}

struct KafkaSink(Arc<Producer>);

impl CommandSink for KafkaSink {
    fn publish(
        &self,
        topic: &str,
        key: &str,
        payload: &str,
        timeout: Duration,
    ) -> Result<(), String> {
        self.0
            .send(topic, key.as_bytes(), payload.as_bytes())
            .map_err(|e| e.to_string())?;
        let before = self.0.deliveries().failed;
        let d = self.0.flush(timeout).map_err(|e| e.to_string())?;
        if d.failed > before {
            return Err(format!("the broker refused the command message on {topic}"));
        }
        Ok(())
    }
}

struct Runtime {
    engine: Remediator,
    policy: Policy,
    audit: AuditLog,
    producer: Arc<Producer>,
    opts: Options,
    queue: VecDeque<Planned>,
    running: usize,
    tx: mpsc::Sender<(Planned, Execution)>,
}

impl Runtime {
    fn apply(&mut self, steps: Vec<Step>) -> Result<(), Error> {
        for s in steps {
            match s {
                Step::Record {
                    phase,
                    kind,
                    step,
                    outcome,
                } => {
                    self.audit.append(phase, kind, step, &outcome)?;
                    tracing::info!(
                        issue = %outcome.issue_id,
                        service = %outcome.service,
                        action = ?outcome.action,
                        ?phase,
                        result = ?outcome.result,
                        verified = ?outcome.verified,
                        "{}",
                        outcome.detail
                    );
                    let v = serde_json::to_vec(&outcome).unwrap_or_default();
                    if let Err(e) =
                        self.producer
                            .send(&self.opts.outcomes, outcome.service.as_bytes(), &v)
                    {
                        tracing::warn!("outcome not published: {e}");
                    }
                }
                Step::Execute(p) => self.queue.push_back(*p),
            }
        }
        self.dispatch()
    }

    fn publish(&self, outcome: &forewarn_core::contracts::RemediationOutcome) {
        let v = serde_json::to_vec(outcome).unwrap_or_default();
        if let Err(e) = self
            .producer
            .send(&self.opts.outcomes, outcome.service.as_bytes(), &v)
        {
            tracing::warn!("outcome not published: {e}");
        }
    }

    /// Start queued actions while there is room.
    fn dispatch(&mut self) -> Result<(), Error> {
        while self.running < self.policy.concurrency {
            let Some(p) = self.queue.pop_front() else {
                break;
            };
            let started = self.engine.started(&p);
            self.apply(vec![started])?;
            let Some(spec) = self.policy.actions.get(&p.action).cloned() else {
                continue;
            };
            let retry = self.policy.retry.clone();
            let sink = KafkaSink(Arc::clone(&self.producer));
            let tx = self.tx.clone();
            self.running += 1;
            std::thread::spawn(move || {
                let ex = executor::execute(&spec, &p.context, &retry, Some(&sink));
                let _ = tx.send((p, ex));
            });
        }
        Ok(())
    }
}

/// Run until `stop` is set; returns the counts.
pub fn run(policy: Policy, opts: Options, stop: Arc<AtomicBool>) -> Result<Counts, Error> {
    let (audit, past) = AuditLog::open(&opts.audit)?;
    let mut engine = Remediator::new(policy.clone(), opts.enabled);
    let interrupted = engine.restore(&past);
    if !opts.enabled {
        tracing::warn!("RELIABILITY_ENGINE_ENABLED=false: no action will be executed");
    }
    let producer = Arc::new(
        Producer::new(&opts.brokers, &opts.client).map_err(|e| Error::Kafka(e.to_string()))?,
    );
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", &opts.brokers)
        .set("group.id", &opts.group)
        .set("enable.auto.commit", "true")
        .set("enable.auto.offset.store", "false")
        .set("auto.commit.interval.ms", "1000")
        .set("auto.offset.reset", "earliest")
        .set("fetch.wait.max.ms", "10")
        .set("session.timeout.ms", "10000");
    for (k, v) in &opts.client {
        cfg.set(k, v);
    }
    let consumer: BaseConsumer = cfg
        .create()
        .map_err(|e| Error::Kafka(format!("consumer: {e}")))?;
    consumer
        .subscribe(&[&opts.predictions])
        .map_err(|e| Error::Kafka(format!("subscribe: {e}")))?;
    let (tx, rx) = mpsc::channel();
    let mut rt = Runtime {
        engine,
        policy,
        audit,
        producer,
        opts,
        queue: VecDeque::new(),
        running: 0,
        tx,
    };
    // Outcomes are published after their audit line is synced; a crash in
    // between would lose the event but not the line. So the outcomes of
    // the last window are published again at start (same ids: consumers
    // de-duplicate), making the outcomes topic at-least-once too.
    let since = Utc::now() - chrono::TimeDelta::milliseconds(rt.policy.window.as_millis());
    for e in past
        .iter()
        .filter(|e| e.phase != Phase::Started && e.outcome.ts >= since)
    {
        rt.publish(&e.outcome);
    }
    for step in &interrupted {
        if let Step::Record { outcome, .. } = step {
            tracing::warn!(issue = %outcome.issue_id, service = %outcome.service, action = ?outcome.action, "an action was interrupted by the last stop: recorded, not repeated");
        }
    }
    rt.apply(interrupted)?;
    let mut next_tick = Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) && rt.running == 0 {
            break;
        }
        if !stop.load(Ordering::Relaxed)
            && let Some(m) = consumer.poll(Duration::from_millis(50))
        {
            match m {
                Ok(m) => {
                    let payload = m.payload().unwrap_or_default();
                    match serde_json::from_slice::<PredictedIssue>(payload) {
                        Ok(issue) => {
                            let steps = rt.engine.on_event(&issue, Utc::now());
                            rt.apply(steps)?;
                        }
                        Err(e) => {
                            tracing::warn!("malformed predicted-issue event: {e}");
                            let h = dead_letter_headers(
                                m.topic(),
                                m.partition(),
                                m.offset(),
                                &format!("not a predicted-issue event: {e}"),
                            );
                            rt.producer
                                .send_with(
                                    &rt.opts.dead_letter,
                                    m.key().unwrap_or_default(),
                                    payload,
                                    Some(h),
                                )
                                .map_err(|e| Error::Kafka(e.to_string()))?;
                        }
                    }
                    // Audit lines are synced: the event is done with.
                    consumer
                        .store_offset_from_message(&m)
                        .map_err(|e| Error::Kafka(format!("store offset: {e}")))?;
                }
                Err(e) => tracing::warn!("consumer: {e}"),
            }
        } else if stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20));
        }
        while let Ok((p, ex)) = rx.try_recv() {
            rt.running -= 1;
            let steps = rt.engine.on_result(&p, &ex, Utc::now());
            rt.apply(steps)?;
        }
        if Instant::now() >= next_tick {
            let steps = rt.engine.tick(Utc::now());
            rt.apply(steps)?;
            rt.dispatch()?;
            next_tick = Instant::now() + Duration::from_millis(200);
        }
        rt.producer.poll();
    }
    let _ = rt.producer.flush(Duration::from_secs(10));
    let _ = consumer.commit_consumer_state(rdkafka::consumer::CommitMode::Sync);
    Ok(rt.engine.counts())
}
