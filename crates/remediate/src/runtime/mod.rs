//! [`run`]: `forewarn remediate` on Kafka; [`run_on`]: the same loop over
//! any [`Source`] and [`Sink`] (in-memory ones in tests). Consumes predicted-issue events (one
//! consumer group), hands them to the [`Remediator`], and carries out its
//! steps ([`steps`]); actions run on worker threads and their results come
//! back to the remediator. An event's offset is stored only after its
//! audit lines are on disk, so a restart re-reads at most what was not
//! recorded, and the audit log (read back at start) keeps it from acting
//! twice. Malformed events go to the dead-letter topic.
//!
//! Records of a partition are taken in offset order, each once, as the
//! scorer takes them ([`forewarn_kafka::order`], through a
//! [`Tracker`]): a broker that answers a fetch from a later batch (tansu)
//! is sent back for what it skipped, and a partition that stays silent
//! behind its high watermark is too.
//!
//! The kill switch is live ([`Options::switch`]): checked before every
//! decision and every start, its changes written to the audit log.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use chrono::Utc;
use forewarn_control::LiveSwitch;
use forewarn_kafka::order::{Gap, Order};
use forewarn_kafka::{
    Commit, ConsumerBuilder, Outgoing, Producer, Rebalance, Sink, Source, TopicPartition, Tracker,
    dead_letter_headers,
};

use crate::audit::{AuditError, AuditKey, AuditLog};
use crate::engine::{Counts, Remediator};
use crate::policy::Policy;

mod steps;

use steps::{Runtime, is_outcome};

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
    /// The live kill switch (see `forewarn_control`); `None`: `enabled`
    /// for the whole run.
    pub switch: Option<LiveSwitch>,
    /// The key of the audit chain (`FOREWARN_AUDIT_KEY`); `None`: unkeyed.
    pub audit_key: Option<AuditKey>,
}

/// Assignments noted during a poll, for the offset tracker.
#[derive(Debug, Default)]
struct Assignments {
    assigned: Vec<TopicPartition>,
    revoked: Vec<TopicPartition>,
}

impl Rebalance for Assignments {
    fn assigned(&mut self, parts: &[TopicPartition]) -> Option<Vec<(TopicPartition, i64)>> {
        self.assigned.extend_from_slice(parts);
        Some(Vec::new())
    }

    fn revoked(&mut self, parts: &[TopicPartition], _: &mut dyn Commit) {
        self.revoked.extend_from_slice(parts);
    }
}

/// The broker out of reach: one line when it starts, one every 30 s while
/// it lasts, one when records flow again.
#[derive(Debug, Default)]
struct Outage {
    since: Option<Instant>,
    last_line: Option<Instant>,
    errors: u64,
}

impl Outage {
    fn failed(&mut self, e: &forewarn_kafka::Error) {
        let now = Instant::now();
        self.errors += 1;
        match (self.since, self.last_line) {
            (None, _) => {
                self.since = Some(now);
                self.last_line = Some(now);
                tracing::warn!(error = %e, "The broker cannot be reached; retrying. Nothing is lost: an event's offset is stored only once it is handled.");
            }
            (Some(since), Some(last)) if now - last >= Duration::from_secs(30) => {
                self.last_line = Some(now);
                tracing::warn!(error = %e, errors = self.errors, "The broker has been out of reach for {:?}; retrying.", now - since);
            }
            _ => {}
        }
    }

    fn over(&mut self) {
        if let Some(since) = self.since.take() {
            tracing::warn!(
                errors = self.errors,
                "The broker is reachable again: records flow after {:?} out of reach.",
                since.elapsed()
            );
            self.errors = 0;
            self.last_line = None;
        }
    }
}

/// How long a partition behind its high watermark may read nothing
/// before it is sent back to read what the broker skipped.
const STALL: Duration = Duration::from_secs(1);

/// Run on Kafka until `stop` is set; returns the counts.
pub fn run(policy: Policy, opts: Options, stop: Arc<AtomicBool>) -> Result<Counts, Error> {
    let producer = Producer::new(&opts.brokers, &opts.client).map_err(Error::Connect)?;
    let consumer = ConsumerBuilder::new(&opts.brokers, &opts.group)
        .auto_commit_stored(Duration::from_secs(1))
        .set("statistics.interval.ms", "1000")
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
    let (audit, past) = AuditLog::open_keyed(&opts.audit, opts.audit_key.clone())?;
    let switch = opts
        .switch
        .clone()
        .unwrap_or_else(|| LiveSwitch::fixed(opts.enabled));
    let mut engine = Remediator::new(policy.clone(), opts.enabled);
    engine.set_disabled(switch.why_disabled());
    let mut interrupted = engine.restore(&past);
    // Issues held for their episode when the remediator stopped: held
    // again, or decided now when their hold ended meanwhile.
    let mut gate = crate::episode::Gate::new(&policy);
    let released = gate.restore(&mut engine, &past, Utc::now());
    if gate.held() > 0 || !released.is_empty() {
        tracing::info!(
            held = gate.held(),
            decided = released.len(),
            "Issues held for their episode before the last stop: held again, or decided now that their hold is over."
        );
    }
    if let Some(why) = engine.disabled() {
        tracing::warn!("No action will be executed for now: {why}.");
    }
    let mut topics = vec![opts.predictions.as_str()];
    topics.extend(opts.optimizations.as_deref());
    source.subscribe(&topics).map_err(Error::Consume)?;
    let (tx, rx) = mpsc::channel();
    let mut rt = Runtime {
        engine,
        gate,
        policy,
        audit,
        producer,
        opts,
        switch,
        queue: VecDeque::new(),
        running: 0,
        tx,
    };
    // Outcomes are published after their audit line is synced; a crash in
    // between would lose the event but not the line. So the outcomes of
    // the last window are published again at start (same ids: consumers
    // de-duplicate), making the outcomes topic at-least-once too.
    let since = Utc::now() - chrono::TimeDelta::milliseconds(rt.policy.window.as_millis());
    for e in past.iter().filter(|e| {
        is_outcome(e.phase) && e.phase != crate::audit::Phase::Started && e.outcome.ts >= since
    }) {
        rt.publish(&e.outcome);
    }
    for step in &interrupted {
        if let crate::engine::Step::Record { outcome, .. } = step {
            tracing::warn!(issue = %outcome.issue_id, service = %outcome.service, action = ?outcome.action, "{}", outcome.detail);
        }
    }
    rt.sync_switch()?;
    interrupted.extend(released);
    rt.apply(interrupted)?;
    let mut next_tick = Instant::now();
    let mut tracker = Tracker::default();
    let mut rebalance = Assignments::default();
    let mut outage = Outage::default();
    loop {
        if stop.load(Ordering::Relaxed) && rt.running == 0 {
            break;
        }
        rt.sync_switch()?;
        if !stop.load(Ordering::Relaxed) {
            let m = match source.poll(Duration::from_millis(50), &mut rebalance) {
                Ok(m) => {
                    if m.is_some() {
                        outage.over();
                    }
                    m
                }
                Err(e) if e.is_transient() => {
                    outage.failed(&e);
                    None
                }
                Err(e) => return Err(Error::Consume(e)),
            };
            track_assignments(source.as_mut(), &mut rebalance, &mut tracker);
            if let Some(m) = m {
                let placed = tracker.place(&m.topic, m.partition, m.offset);
                match (placed.order, placed.gap) {
                    (Order::Replay, _) => continue,
                    (Order::SeekTo(o), _) => {
                        tracing::warn!(topic = %m.topic, partition = m.partition, next = ?placed.next, offset = m.offset, seek = o, "Records skipped by the broker; reading them again.");
                        source
                            .seek(&m.topic, m.partition, o)
                            .map_err(Error::Consume)?;
                        continue;
                    }
                    (Order::Next, Some(Gap::Repaired)) => {
                        tracing::info!(topic = %m.topic, partition = m.partition, offset = m.offset, "Skipped records read again: offset order restored.");
                    }
                    (Order::Next, Some(Gap::Accepted)) => {
                        tracing::warn!(topic = %m.topic, partition = m.partition, next = ?placed.next, offset = m.offset, "The broker holds no records between the next offset and this one; going on.");
                    }
                    (Order::Next, None) => {}
                }
                handle(&mut rt, &m)?;
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
            for (tp, o) in tracker.stalled(&source.watermarks(), STALL) {
                tracing::warn!(topic = %tp.topic, partition = tp.partition, seek = o, "Nothing read although the broker holds more; reading again from before the next offset.");
                source
                    .seek(&tp.topic, tp.partition, o)
                    .map_err(Error::Consume)?;
            }
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

/// Tell the tracker of the partitions assigned and revoked in the last
/// poll (an assigned one starts at the group's committed offset).
fn track_assignments(source: &mut dyn Source, rebalance: &mut Assignments, tracker: &mut Tracker) {
    for tp in rebalance.revoked.drain(..) {
        tracker.revoked(&tp);
    }
    if rebalance.assigned.is_empty() {
        return;
    }
    let parts = std::mem::take(&mut rebalance.assigned);
    let committed = source
        .committed(&parts, Duration::from_secs(10))
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "Could not read the committed offsets: offset order checked from each partition's first record.");
            Vec::new()
        });
    for tp in parts {
        let next = committed.iter().find(|(c, _)| *c == tp).map(|(_, o)| *o);
        tracing::info!(topic = %tp.topic, partition = tp.partition, next = ?next, "Partition assigned.");
        tracker.assigned(tp, next);
    }
}

/// One predicted-issue event: decided on, or dead-lettered.
fn handle(rt: &mut Runtime, m: &forewarn_kafka::Record) -> Result<(), Error> {
    let optimizations = rt.opts.optimizations.as_deref();
    match crate::optimization::decode(optimizations, &m.topic, &m.payload) {
        Ok(issue) => {
            let steps = rt.gate.on_event(&mut rt.engine, &issue, Utc::now());
            rt.apply(steps)
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
            })
        }
    }
}
