//! [`run`]: `forewarn remediate` on Kafka; [`run_on`]: the same loop over
//! any [`Source`] and [`Sink`] (in-memory ones in tests). Consumes predicted-issue events (one
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
use forewarn_kafka::{
    AcceptAll, ConsumerBuilder, Outgoing, Producer, Sink, Source, dead_letter_headers,
};

use crate::audit::{AuditError, AuditLog, Phase};
use crate::engine::{Counts, Planned, Remediator, Step};
use crate::executor::{self, CommandSink, Execution, PublishError};
use crate::policy::Policy;

/// Errors of the remediator runtime, by stage.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Kafka clients could not be created.
    #[error("could not set up the Kafka clients: {0}")]
    Connect(#[source] forewarn_kafka::Error),
    /// Subscribing or polling failed (other than transiently).
    #[error("consume: {0}")]
    Consume(#[source] forewarn_kafka::Error),
    /// A malformed event could not be sent to the dead-letter topic.
    #[error("could not publish a dead letter to {topic}: {source}")]
    DeadLetter {
        /// The dead-letter topic.
        topic: String,
        /// Why.
        #[source]
        source: forewarn_kafka::Error,
    },
    /// The offset of an event done with could not be stored.
    #[error("could not store the offset of a handled event: {0}")]
    Commit(#[source] forewarn_kafka::Error),
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
    /// Kafka client properties passed through (TLS, SASL).
    pub client: Vec<(String, String)>,
    /// Predicted-issue events in.
    pub predictions: String,
    /// Optimization events in (acted on under the policy's
    /// `optimizations:`), when given.
    pub optimizations: Option<String>,
    /// Remediation outcomes out.
    pub outcomes: String,
    /// Dead letters out.
    pub dead_letter: String,
    /// The audit log.
    pub audit: PathBuf,
    /// `RELIABILITY_ENGINE_ENABLED`: false disables every action.
    pub enabled: bool,
}

/// Command messages through the runtime's producer.
struct Commands(Arc<dyn Sink>);

impl CommandSink for Commands {
    fn publish(
        &self,
        topic: &str,
        key: &str,
        payload: &str,
        timeout: Duration,
    ) -> Result<(), PublishError> {
        self.0
            .send(Outgoing::new(topic, key.as_bytes(), payload.as_bytes()))
            .map_err(|source| PublishError::Send {
                topic: topic.to_string(),
                source,
            })?;
        let before = self.0.deliveries().failed;
        let d = self.0.flush(timeout).map_err(PublishError::Flush)?;
        if d.failed > before {
            return Err(PublishError::Refused(topic.to_string()));
        }
        Ok(())
    }
}

struct Runtime {
    engine: Remediator,
    gate: crate::episode::Gate,
    policy: Policy,
    audit: AuditLog,
    producer: Arc<dyn Sink>,
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
                    self.publish(&outcome);
                }
                Step::Execute(p) => self.queue.push_back(*p),
            }
        }
        self.dispatch()
    }

    fn publish(&self, outcome: &forewarn_core::contracts::RemediationOutcome) {
        let v = serde_json::to_vec(outcome).unwrap_or_default();
        let m = Outgoing::new(&self.opts.outcomes, outcome.service.as_bytes(), &v);
        if let Err(e) = self.producer.send(m) {
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
            let retry = self.policy.retry_for(&p.issue.service);
            let sink = Commands(Arc::clone(&self.producer));
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

/// Run on Kafka until `stop` is set; returns the counts.
pub fn run(policy: Policy, opts: Options, stop: Arc<AtomicBool>) -> Result<Counts, Error> {
    let producer = Producer::new(&opts.brokers, &opts.client).map_err(Error::Connect)?;
    let consumer = ConsumerBuilder::new(&opts.brokers, &opts.group)
        .auto_commit_stored(Duration::from_secs(1))
        .client(&opts.client)
        .build()
        .map_err(Error::Connect)?;
    run_on(Box::new(consumer), Arc::new(producer), policy, opts, stop)
}

/// Run over `source` and `sink` until `stop` is set; returns the counts.
pub fn run_on(
    mut source: Box<dyn Source>,
    producer: Arc<dyn Sink>,
    policy: Policy,
    opts: Options,
    stop: Arc<AtomicBool>,
) -> Result<Counts, Error> {
    let (audit, past) = AuditLog::open(&opts.audit)?;
    let mut engine = Remediator::new(policy.clone(), opts.enabled);
    let interrupted = engine.restore(&past);
    if !opts.enabled {
        tracing::warn!("RELIABILITY_ENGINE_ENABLED=false: no action will be executed");
    }
    let mut topics = vec![opts.predictions.as_str()];
    topics.extend(opts.optimizations.as_deref());
    source.subscribe(&topics).map_err(Error::Consume)?;
    let (tx, rx) = mpsc::channel();
    let mut rt = Runtime {
        engine,
        gate: crate::episode::Gate::new(&policy),
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
        if !stop.load(Ordering::Relaxed) {
            let m = match source.poll(Duration::from_millis(50), &mut AcceptAll) {
                Ok(m) => m,
                Err(e) if e.is_transient() => {
                    tracing::warn!("consumer: {e}");
                    None
                }
                Err(e) => return Err(Error::Consume(e)),
            };
            if let Some(m) = m {
                let opt = rt.opts.optimizations.as_deref();
                match crate::optimization::decode(opt, &m.topic, &m.payload) {
                    Ok(issue) => {
                        let steps = rt.gate.on_event(&mut rt.engine, &issue, Utc::now());
                        rt.apply(steps)?;
                    }
                    Err(e) => {
                        tracing::warn!("malformed predicted-issue event: {e}");
                        let h = dead_letter_headers(
                            &m.topic,
                            m.partition,
                            m.offset,
                            &format!("not a predicted-issue event: {e}"),
                        );
                        let topic = &rt.opts.dead_letter;
                        let dead = Outgoing {
                            headers: &h,
                            ..Outgoing::new(topic, &m.key, &m.payload)
                        };
                        rt.producer.send(dead).map_err(|source| Error::DeadLetter {
                            topic: topic.clone(),
                            source,
                        })?;
                    }
                }
                // Audit lines are synced: the event is done with.
                source
                    .store_offset(&m.topic, m.partition, m.offset + 1)
                    .map_err(Error::Commit)?;
            }
        } else {
            std::thread::sleep(Duration::from_millis(20));
        }
        while let Ok((p, ex)) = rx.try_recv() {
            rt.running -= 1;
            let steps = rt.engine.on_result(&p, &ex, Utc::now());
            rt.apply(steps)?;
        }
        if Instant::now() >= next_tick {
            let mut steps = rt.engine.tick(Utc::now());
            steps.extend(rt.gate.tick(&mut rt.engine, Utc::now()));
            rt.apply(steps)?;
            rt.dispatch()?;
            next_tick = Instant::now() + Duration::from_millis(200);
        }
        rt.producer.poll();
    }
    let _ = rt.producer.flush(Duration::from_secs(10));
    if let Err(e) = source.commit_stored() {
        tracing::warn!("final commit: {e}");
    }
    Ok(rt.engine.counts())
}
