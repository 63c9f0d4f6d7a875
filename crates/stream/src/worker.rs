//! [`Worker`]: what the consumer loop does with a record, and with the
//! partitions it owns. One [`Scorer`] per partition number: the metrics
//! and logs topics are keyed by service and co-partitioned, so partition
//! `p` of both carries the same services and one scorer sees all of them.
//!
//! Record → decode (a bad record goes to the dead-letter topic with its
//! bytes, source and reason) → the partition's scorer → events to their
//! topics, keyed by service. Nothing is committed here: [`Worker::checkpoint`]
//! first waits until every event produced so far is acknowledged, then
//! writes each dirty partition's state, waits for that too, and only then
//! commits the offsets the state corresponds to. A crash between two
//! checkpoints replays from the last one, with the state of that moment, so
//! the replay raises the same events with the same ids (at-least-once,
//! duplicates only at id level).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use forewarn_config::PipelineConfig;
use forewarn_core::contracts::MetricSample;
use forewarn_formats::Format;
use forewarn_models::artifact::Model;
use forewarn_scorer::{Events, Scorer, ScorerOptions};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

use crate::checkpoint::{self, PartitionCheckpoint};
use crate::metrics::{PartitionLabel, ReasonLabel, Stats, TopicLabel, now_ms};
use crate::order::{self, Gap, Order, Repair};
use crate::publish::{Kind, Publisher};
use crate::{Error, ScoreOptions, Topics};
use forewarn_kafka::dead_letter_headers;

/// Reasons a record goes to the dead-letter topic.
pub(crate) const REJECT_REASONS: [&str; 3] = ["malformed_metric", "malformed_log", "empty"];

/// One owned partition.
struct Partition {
    scorer: Scorer,
    /// Next offset to read, per source topic.
    next: BTreeMap<String, i64>,
    /// Gaps being repaired, per source topic.
    repair: BTreeMap<String, Repair>,
    /// Read anything since the last checkpoint.
    dirty: bool,
}

/// Where a consumer must seek to before the next poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seek {
    pub(crate) topic: String,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
}

/// The consumer loop's state: owned partitions, the producer, the models.
pub(crate) struct Worker {
    pipeline: PipelineConfig,
    model: Model,
    scorer_opts: ScorerOptions,
    opts: ScoreOptions,
    topics: Topics,
    format: Format,
    fingerprint: String,
    parts: BTreeMap<i32, Partition>,
    publisher: Publisher,
    pub(crate) stats: Arc<Stats>,
    buf: Vec<MetricSample>,
    out: Events,
    epoch: u64,
    failed_at_last_checkpoint: u64,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("partitions", &self.parts.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn to_format(f: forewarn_config::Format) -> Format {
    match f {
        forewarn_config::Format::Json => Format::Json,
        forewarn_config::Format::Influx => Format::Influx,
        forewarn_config::Format::Prometheus => Format::Prometheus,
        forewarn_config::Format::Arrow => Format::Arrow,
    }
}

impl Worker {
    pub(crate) fn new(
        pipeline: PipelineConfig,
        model: Model,
        scorer_opts: ScorerOptions,
        opts: ScoreOptions,
        stats: Arc<Stats>,
    ) -> Result<Self, Error> {
        // Fail now, not at the first assignment, on a pipeline the scorer refuses.
        Scorer::new(pipeline.clone(), model.clone(), scorer_opts.clone())
            .map_err(|e| Error::Scorer(e.to_string()))?;
        let topics = Topics::of(&pipeline);
        let format = to_format(pipeline.sources.metrics.format);
        let fingerprint = format!(
            "{}/{}/{}",
            pipeline.features.hash(),
            scorer_opts.model_ref.name,
            scorer_opts.model_ref.version
        );
        let publisher = Publisher::new(&opts.brokers, &opts.client, Arc::clone(&stats))?;
        Ok(Self {
            pipeline,
            model,
            scorer_opts,
            opts,
            topics,
            format,
            fingerprint,
            parts: BTreeMap::new(),
            publisher,
            stats,
            buf: Vec::new(),
            out: Events::default(),
            epoch: now_ms() as u64,
            failed_at_last_checkpoint: 0,
        })
    }

    pub(crate) fn topics(&self) -> &Topics {
        &self.topics
    }

    fn fresh(&self) -> Result<Scorer, Error> {
        Scorer::new(
            self.pipeline.clone(),
            self.model.clone(),
            self.scorer_opts.clone(),
        )
        .map_err(|e| Error::Scorer(e.to_string()))
    }

    /// Take on the partitions of an assignment: state from the checkpoint
    /// topic, else cold. Sets the offsets of `tpl` to where each state
    /// stops. (Every assignment reads its state back, even of partitions
    /// this process just gave up: one path, the one a crash takes too.)
    pub(crate) fn assign(&mut self, tpl: &mut TopicPartitionList) -> Result<(), Error> {
        let mut numbers: Vec<i32> = tpl.elements().iter().map(|e| e.partition()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let mut loaded = checkpoint::load(
            &self.opts.brokers,
            &self.opts.client,
            &self.topics.checkpoints,
            &self.opts.group,
            &self.topics.metrics,
            &numbers,
            Duration::from_secs(60),
        )?;
        for p in numbers {
            let part = match loaded.remove(&p) {
                Some(cp) if cp.fingerprint == self.fingerprint => {
                    let (scorer, r) = Scorer::restore(
                        self.pipeline.clone(),
                        self.model.clone(),
                        self.scorer_opts.clone(),
                        cp.state,
                    )
                    .map_err(|e| Error::Scorer(e.to_string()))?;
                    tracing::info!(
                        partition = p,
                        series = r.series,
                        refused = r.refused,
                        "resumed warm from checkpoint"
                    );
                    self.count_restored("warm");
                    Partition {
                        scorer,
                        next: cp.offsets.into_iter().collect(),
                        repair: BTreeMap::new(),
                        dirty: false,
                    }
                }
                other => {
                    tracing::info!(partition = p, "no usable checkpoint; starting cold");
                    if other.is_some() {
                        tracing::warn!(
                            partition = p,
                            "checkpoint made with another feature spec or model; starting cold"
                        );
                    }
                    self.count_restored("cold");
                    Partition {
                        scorer: self.fresh()?,
                        next: BTreeMap::new(),
                        repair: BTreeMap::new(),
                        dirty: false,
                    }
                }
            };
            self.parts.insert(p, part);
        }
        // Start each topic-partition where its state stops.
        let starts: Vec<(String, i32, i64)> = tpl
            .elements()
            .iter()
            .filter_map(|e| {
                let (t, p) = (e.topic(), e.partition());
                let o = *self.parts.get(&p)?.next.get(t)?;
                Some((t.to_string(), p, o))
            })
            .collect();
        for (t, p, o) in starts {
            tpl.set_partition_offset(&t, p, Offset::Offset(o))
                .map_err(|e| Error::Kafka(e.to_string()))?;
        }
        self.stats.partitions.set(self.parts.len() as i64);
        Ok(())
    }

    fn count_restored(&self, how: &str) {
        self.stats
            .restored
            .get_or_create(&crate::metrics::HowLabel { how: how.into() })
            .inc();
    }

    /// Give up every partition (eager rebalance or shutdown): checkpoint
    /// and commit what is dirty, then drop the states.
    pub(crate) fn revoke<C: ConsumerContext>(
        &mut self,
        consumer: &BaseConsumer<C>,
    ) -> Result<(), Error> {
        let r = self.checkpoint(consumer);
        for (t, p) in self
            .parts
            .iter()
            .flat_map(|(p, part)| part.next.keys().map(move |t| (t, *p)))
        {
            self.stats
                .lag
                .get_or_create(&PartitionLabel {
                    topic: t.clone(),
                    partition: i64::from(p),
                })
                .set(0);
        }
        // On a failed checkpoint the runner stops; the states go either way,
        // since the partitions are no longer ours.
        self.parts.clear();
        self.stats.partitions.set(0);
        r
    }

    /// Place a record against its partition's next offset (see
    /// [`crate::order`]), counting replays and gaps.
    fn order(&mut self, topic: &str, p: i32, offset: i64) -> Order {
        let Some(part) = self.parts.get_mut(&p) else {
            return Order::Next;
        };
        let Some(&next) = part.next.get(topic) else {
            return Order::Next;
        };
        let (order, repair, gap) = order::place(next, part.repair.remove(topic), offset);
        if let Some(r) = repair {
            part.repair.insert(topic.to_string(), r);
        }
        match (order, gap) {
            (Order::Replay, _) => {
                self.stats.replayed.inc();
            }
            (Order::SeekTo(_), _) if repair.is_some_and(|r| r.back == 1) => {
                tracing::info!(
                    topic,
                    partition = p,
                    next,
                    offset,
                    "records skipped by the consumer; reading them again"
                );
            }
            (_, Some(Gap::Repaired)) => {
                tracing::info!(topic, partition = p, next, "offset gap repaired");
            }
            (_, Some(Gap::Accepted)) => tracing::warn!(
                topic,
                partition = p,
                next,
                offset,
                "offsets {next}..{offset} are not served by the broker; going on without them"
            ),
            _ => {}
        }
        if let Some(g) = gap {
            self.stats
                .offset_gaps
                .get_or_create(&crate::metrics::HowLabel {
                    how: g.label().into(),
                })
                .inc();
        }
        order
    }

    /// Handle one record; `Some` when the consumer must seek first (a gap).
    pub(crate) fn handle(&mut self, m: &BorrowedMessage<'_>) -> Result<Option<Seek>, Error> {
        let (topic, p, offset) = (m.topic(), m.partition(), m.offset());
        let source_ms = m.timestamp().to_millis().unwrap_or(0);
        let payload = m.payload().unwrap_or_default();
        let is_metrics = topic == self.topics.metrics;
        if !self.parts.contains_key(&p) {
            // A record of a partition this process does not own (one
            // fetched before a revocation and handed out after it): its
            // owner reads it from the owner's own offset. Scoring it here,
            // in a cold scorer, would publish events nobody should see.
            tracing::debug!(
                topic,
                partition = p,
                offset,
                "record of a partition not owned; left to its owner"
            );
            return Ok(None);
        }
        match self.order(topic, p, offset) {
            Order::Next => {}
            Order::Replay => return Ok(None),
            Order::SeekTo(o) => {
                return Ok(Some(Seek {
                    topic: topic.to_string(),
                    partition: p,
                    offset: o,
                }));
            }
        }
        self.stats.consumed(topic);
        if payload.is_empty() {
            self.dead_letter(topic, p, offset, payload, "empty", "empty record")?;
        } else if is_metrics {
            self.buf.clear();
            match forewarn_formats::decode(self.format, payload, &mut self.buf) {
                Ok(n) => {
                    self.stats.decoded.inc_by(n as u64);
                    let part = self.parts.get_mut(&p).expect("inserted above");
                    for s in &self.buf {
                        if let Err(e) = part.scorer.on_metric(s, &mut self.out) {
                            self.stats
                                .refused
                                .get_or_create(&ReasonLabel {
                                    reason: e.reason().to_string(),
                                })
                                .inc();
                        }
                    }
                }
                Err(e) => {
                    let reason = e.to_string();
                    self.dead_letter(topic, p, offset, payload, "malformed_metric", &reason)?;
                }
            }
        } else {
            match forewarn_core::decode::decode_log(payload) {
                Ok(record) => {
                    self.stats.logs_decoded.inc();
                    let part = self.parts.get_mut(&p).expect("inserted above");
                    part.scorer.on_log(&record, &mut self.out);
                }
                Err(e) => {
                    let reason = e.to_string();
                    self.dead_letter(topic, p, offset, payload, "malformed_log", &reason)?;
                }
            }
        }
        self.publish(source_ms)?;
        if let Some(part) = self.parts.get_mut(&p) {
            part.next.insert(topic.to_string(), offset + 1);
            part.dirty = true;
        }
        if source_ms > 0 {
            let s = (now_ms() - source_ms).max(0) as f64 / 1000.0;
            self.stats.record_latency.observe(s);
            self.stats.record_record_latency(s);
        }
        Ok(None)
    }

    fn dead_letter(
        &self,
        topic: &str,
        p: i32,
        offset: i64,
        payload: &[u8],
        reason_label: &str,
        reason: &str,
    ) -> Result<(), Error> {
        tracing::debug!(topic, partition = p, offset, "dead letter: {reason}");
        self.stats
            .rejected
            .get_or_create(&ReasonLabel {
                reason: reason_label.to_string(),
            })
            .inc();
        self.publisher.send(
            Kind::DeadLetter,
            &self.topics.dead_letter,
            format!("{topic}/{p}/{offset}").as_bytes(),
            payload,
            Some(dead_letter_headers(topic, p, offset, reason)),
            0,
        )
    }

    fn publish(&mut self, source_ms: i64) -> Result<(), Error> {
        if self.out.is_empty() {
            return Ok(());
        }
        let mut out = std::mem::take(&mut self.out);
        for i in &out.issues {
            let v = serde_json::to_vec(i).map_err(|e| Error::Kafka(e.to_string()))?;
            self.publisher.send(
                Kind::Event,
                &self.topics.predictions,
                i.service.as_bytes(),
                &v,
                None,
                source_ms,
            )?;
        }
        for o in &out.optimizations {
            let v = serde_json::to_vec(o).map_err(|e| Error::Kafka(e.to_string()))?;
            self.publisher.send(
                Kind::Event,
                &self.topics.optimizations,
                o.service.as_bytes(),
                &v,
                None,
                source_ms,
            )?;
        }
        let label = |t: &str| TopicLabel {
            topic: t.to_string(),
        };
        self.stats
            .published
            .get_or_create(&label(&self.topics.predictions))
            .inc_by(out.issues.len() as u64);
        self.stats
            .published
            .get_or_create(&label(&self.topics.optimizations))
            .inc_by(out.optimizations.len() as u64);
        out.clear();
        self.out = out;
        Ok(())
    }

    /// Serve delivery reports.
    pub(crate) fn poll_producer(&self) {
        self.publisher.poll();
    }

    /// Wait for every event, write each dirty partition's checkpoint, wait
    /// for those, then commit the offsets they stop at. Refuses to commit
    /// when any message since the last checkpoint failed: the next start
    /// replays those records instead.
    pub(crate) fn checkpoint<C: ConsumerContext>(
        &mut self,
        consumer: &BaseConsumer<C>,
    ) -> Result<(), Error> {
        if !self.parts.values().any(|p| p.dirty) {
            return Ok(());
        }
        let flush = Duration::from_secs(60);
        self.publisher.flush(flush)?;
        self.check_deliveries()?;
        self.epoch += 1;
        let mut tpl = TopicPartitionList::new();
        for (p, part) in self.parts.iter_mut().filter(|(_, x)| x.dirty) {
            let cp = PartitionCheckpoint {
                offsets: part.next.iter().map(|(t, o)| (t.clone(), *o)).collect(),
                fingerprint: self.fingerprint.clone(),
                state: part.scorer.snapshot(),
            };
            let n = checkpoint::write(
                &self.publisher,
                &self.topics.checkpoints,
                &self.opts.group,
                &self.topics.metrics,
                *p,
                self.epoch,
                &cp,
            )?;
            self.stats.checkpoints.inc();
            self.stats.checkpoint_bytes.inc_by(n as u64);
            tracing::debug!(partition = *p, epoch = self.epoch, bytes = n, offsets = ?part.next, "checkpoint queued");
            for (t, o) in &part.next {
                tpl.add_partition_offset(t, *p, Offset::Offset(*o))
                    .map_err(|e| Error::Kafka(e.to_string()))?;
            }
            part.dirty = false;
        }
        self.publisher.flush(flush)?;
        self.check_deliveries()?;
        if tpl.count() > 0 {
            consumer
                .commit(&tpl, CommitMode::Sync)
                .map_err(|e| Error::Kafka(format!("commit: {e}")))?;
        }
        Ok(())
    }

    fn check_deliveries(&mut self) -> Result<(), Error> {
        let failed = self.stats.delivery_failed.get();
        if failed != self.failed_at_last_checkpoint {
            self.failed_at_last_checkpoint = failed;
            return Err(Error::Delivery(failed));
        }
        Ok(())
    }

    /// Housekeeping between records: evict idle series and log state
    /// (event time), keep the total under the cap (checked here, once a
    /// second), refresh the gauges. (Incidents silent as long are resolved
    /// by the scorer on the input's own clock.)
    pub(crate) fn housekeeping(&mut self) {
        let idle_ms = self.opts.idle_after.as_millis() as i64;
        let mut total = 0usize;
        for part in self.parts.values_mut() {
            if let Some(newest) = part.scorer.newest_ms() {
                let n = part.scorer.evict_idle(newest - idle_ms);
                self.stats.evicted.inc_by(n as u64);
            }
            total += part.scorer.series_count();
        }
        // One cap for the process: each partition may grow by what is left.
        let left = self.opts.max_series.saturating_sub(total);
        for part in self.parts.values_mut() {
            let n = part.scorer.series_count();
            part.scorer.set_max_series(n + left);
        }
        self.stats.series.set(total as i64);
        self.stats.heartbeat_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Update the lag gauges from librdkafka's statistics: for each owned
    /// partition of each source topic, the high watermark minus the next
    /// offset to score (from the state; before the first record, the
    /// committed offset or else the low watermark).
    pub(crate) fn lag(&self, stats: &rdkafka::Statistics) {
        let topics = std::iter::once(&self.topics.metrics).chain(self.topics.logs.as_ref());
        for t in topics {
            let Some(ts) = stats.topics.get(t) else {
                continue;
            };
            for (p, part) in &self.parts {
                let Some(x) = ts.partitions.get(p) else {
                    continue;
                };
                if x.hi_offset < 0 {
                    continue;
                }
                let next = match part.next.get(t) {
                    Some(n) => *n,
                    None if x.committed_offset >= 0 => x.committed_offset,
                    None => x.lo_offset.max(0),
                };
                self.stats
                    .lag
                    .get_or_create(&PartitionLabel {
                        topic: t.clone(),
                        partition: i64::from(*p),
                    })
                    .set((x.hi_offset - next).max(0));
            }
        }
    }

    /// Partitions owned now.
    pub(crate) fn partitions(&self) -> Vec<i32> {
        self.parts.keys().copied().collect()
    }
}
