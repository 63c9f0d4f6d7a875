//! [`Worker`]: what the consumer loop does with a record. One [`Scorer`]
//! per partition number: the metrics and logs topics are keyed by service
//! and co-partitioned, so partition `p` of both carries the same services
//! and one scorer sees all of them.
//!
//! Record → size and label bounds ([`crate::RecordLimits`]) → decode (a
//! bad record goes to the dead-letter topic with its bytes, source and
//! reason) → event time bounded by the partition's
//! [`Clock`] (one stamped too far ahead goes there too) → the partition's
//! scorer → events to their topics, keyed by service. Nothing is committed here: taking partitions
//! on and giving them up, checkpoints and commits are in
//! [`crate::rebalance`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use forewarn_config::PipelineConfig;
use forewarn_core::contracts::MetricSample;
use forewarn_formats::Format;
use forewarn_kafka::{ReadTopic, Record, Sink, TopicPartition, Watermark, dead_letter_headers};
use forewarn_models::artifact::Model;
use forewarn_scorer::{Events, Input, Scorer};

use crate::clock::Clock;
use crate::copartition::Homes;
use crate::error::Error;
use crate::internal_events::{
    EventsPublished, InternalEvent, LagMeasured, LogDecoded, OffsetGapAccepted, OffsetGapRepaired,
    RecordConsumed, RecordDisowned, RecordRejected, RecordReplayed, RecordScored, RecordsSkipped,
    SampleRefused, SamplesDecoded, SeriesSwept, ServiceSplit,
};
use crate::metrics::{Stats, now_ms};
use crate::options::{ScoreOptions, Topics};
use crate::publish::Publisher;
use forewarn_kafka::order::{self, Gap, Order, Repair};

/// One owned partition.
pub(crate) struct Partition {
    pub(crate) scorer: Scorer,
    /// Next offset to read, per source topic.
    pub(crate) next: BTreeMap<String, i64>,
    /// Gaps being repaired, per source topic.
    pub(crate) repair: BTreeMap<String, Repair>,
    /// Read anything since the last checkpoint.
    pub(crate) dirty: bool,
    /// Per input (metrics, logs): when it last read a record of it (wall
    /// clock), and its scorer's clock of that input then. An idle input's
    /// event time moves on with the wall clock from there, so a service
    /// that stopped is found silent even when nothing else arrives.
    pub(crate) read_at: [Option<(Instant, i64)>; 2],
    /// Newest event time admitted, bounding the next record's.
    pub(crate) clock: Clock,
    /// Since when the partition counts as quiet for [`crate::stall`]
    /// (taken on, or last sent back), besides its last read.
    pub(crate) quiet_since: Instant,
    /// When this process took the partition on.
    pub(crate) taken_at: Instant,
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
    /// Shared by every partition's scorer (not a copy each).
    pub(crate) pipeline: Arc<PipelineConfig>,
    pub(crate) model: Arc<Model>,
    pub(crate) opts: ScoreOptions,
    pub(crate) topics: Topics,
    format: Format,
    pub(crate) fingerprint: String,
    pub(crate) parts: BTreeMap<i32, Partition>,
    pub(crate) publisher: Publisher,
    /// Where checkpoints are read back from.
    pub(crate) checkpoints: Box<dyn ReadTopic>,
    pub(crate) stats: Arc<Stats>,
    buf: Vec<MetricSample>,
    pub(crate) out: Events,
    /// Records read from the metrics topic (the family's counter, kept:
    /// counted once per record without a lookup).
    consumed_metrics: prometheus_client::metrics::counter::Counter,
    /// The partition each service arrives on.
    pub(crate) homes: Homes,
    pub(crate) epoch: u64,
    pub(crate) failed_at_last_checkpoint: u64,
    /// A checkpoint written in the background, not yet all acknowledged.
    pub(crate) pending: Option<Pending>,
    /// A failure inside a rebalance, for the loop to stop on.
    pub(crate) error: Option<Error>,
}

/// A checkpoint queued, its chunks not all acknowledged yet.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) epoch: u64,
    /// The offsets to commit once it is all acknowledged.
    pub(crate) offsets: Vec<(TopicPartition, i64)>,
    /// Per partition: bytes written, and the offsets the state stops at.
    pub(crate) written: Vec<(i32, usize, BTreeMap<String, i64>)>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("partitions", &self.parts.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Worker {
    pub(crate) fn new(
        pipeline: PipelineConfig,
        model: Model,
        opts: ScoreOptions,
        sink: Arc<dyn Sink>,
        checkpoints: Box<dyn ReadTopic>,
        stats: Arc<Stats>,
    ) -> Result<Self, Error> {
        let (pipeline, model) = (Arc::new(pipeline), Arc::new(model));
        // Fail now, not at the first assignment, on a pipeline the scorer refuses.
        Scorer::new(
            Arc::clone(&pipeline),
            Arc::clone(&model),
            opts.scorer.clone(),
        )?;
        let topics = Topics::of(&pipeline);
        let format = pipeline.sources.metrics.format;
        let fingerprint = format!(
            "{}/{}/{}",
            pipeline.features.hash(),
            opts.scorer.model_ref.name,
            opts.scorer.model_ref.version
        );
        let consumed_metrics = stats.consumed_counter(&topics.metrics);
        Ok(Self {
            pipeline,
            model,
            opts,
            topics,
            format,
            fingerprint,
            parts: BTreeMap::new(),
            publisher: Publisher::new(sink, Arc::clone(&stats)),
            consumed_metrics,
            checkpoints,
            stats,
            buf: Vec::new(),
            out: Events::default(),
            homes: Homes::default(),
            epoch: now_ms() as u64,
            failed_at_last_checkpoint: 0,
            pending: None,
            error: None,
        })
    }

    /// A failure met inside a rebalance, once.
    pub(crate) fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }

    /// Place a record against its partition's next offset (see
    /// [`forewarn_kafka::order`]), counting replays and gaps.
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
        let partition = p;
        match (order, gap) {
            (Order::Replay, _) => RecordReplayed.emit(&self.stats),
            (Order::SeekTo(_), _) if repair.is_some_and(|r| r.back == 1) => RecordsSkipped {
                topic,
                partition,
                next,
                offset,
            }
            .emit(&self.stats),
            (_, Some(Gap::Repaired)) => OffsetGapRepaired {
                topic,
                partition,
                next,
            }
            .emit(&self.stats),
            (_, Some(Gap::Accepted)) => OffsetGapAccepted {
                topic,
                partition,
                next,
                offset,
            }
            .emit(&self.stats),
            _ => {}
        }
        order
    }

    /// Handle one record; `Some` when the consumer must seek first (a gap).
    pub(crate) fn handle(&mut self, m: &Record) -> Result<Option<Seek>, Error> {
        let (topic, p, offset) = (m.topic.as_str(), m.partition, m.offset);
        let source_ms = m.timestamp_ms.unwrap_or(0);
        let payload = m.payload.as_slice();
        let is_metrics = topic == self.topics.metrics;
        if !self.parts.contains_key(&p) {
            // A record of a partition this process does not own (one
            // fetched before a revocation and handed out after it): its
            // owner reads it from the owner's own offset. Scoring it here,
            // in a cold scorer, would publish events nobody should see.
            RecordDisowned {
                topic,
                partition: p,
                offset,
            }
            .emit(&self.stats);
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
        if is_metrics {
            self.consumed_metrics.inc();
        } else {
            RecordConsumed { topic }.emit(&self.stats);
        }
        let max_future = i64::try_from(self.opts.max_future.as_millis()).unwrap_or(i64::MAX);
        let limits = self.opts.limits;
        if payload.is_empty() {
            self.dead_letter(m, "empty", "empty record")?;
        } else if let Some(reason) = limits.record(payload.len()) {
            self.dead_letter(m, "oversize_record", &reason)?;
        } else if is_metrics {
            self.buf.clear();
            match forewarn_formats::decode(self.format, payload, &mut self.buf) {
                Ok(n) => {
                    SamplesDecoded { count: n }.emit(&self.stats);
                    let part = self.parts.get_mut(&p).expect("checked above");
                    let bound = part.clock.bound(now_ms(), max_future);
                    let mut ahead = (0, i64::MIN);
                    let mut oversize: (usize, Option<String>) = (0, None);
                    for s in &self.buf {
                        if let Some(why) = limits.sample(s) {
                            oversize = (oversize.0 + 1, oversize.1.or(Some(why)));
                            continue;
                        }
                        let ts = s.ts.timestamp_millis();
                        if ts > bound.limit {
                            ahead = (ahead.0 + 1, ahead.1.max(ts));
                            continue;
                        }
                        part.clock.admit(ts);
                        if let Some(first) = self.homes.see(&s.service, p) {
                            ServiceSplit {
                                service: &s.service,
                                first,
                                second: p,
                            }
                            .emit(&self.stats);
                        }
                        if let Err(e) = part.scorer.on_metric(s, &mut self.out) {
                            SampleRefused { reason: e.reason() }.emit(&self.stats);
                        }
                    }
                    if let (k, Some(why)) = oversize {
                        let reason = format!("{k} of {n} samples refused: {why}");
                        self.dead_letter(m, "oversize_labels", &reason)?;
                    }
                    if ahead.0 > 0 {
                        let reason = bound.reason(ahead.1, ahead.0, n);
                        self.dead_letter(m, "future_timestamp", &reason)?;
                    }
                }
                Err(e) => self.dead_letter(m, "malformed_metric", &e.to_string())?,
            }
        } else {
            match forewarn_core::decode::decode_log(payload) {
                Ok(record) => {
                    LogDecoded.emit(&self.stats);
                    let part = self.parts.get_mut(&p).expect("checked above");
                    let bound = part.clock.bound(now_ms(), max_future);
                    let ts = record.ts.timestamp_millis();
                    if let Some(why) = limits.log(&record) {
                        self.dead_letter(m, "oversize_labels", &why)?;
                    } else if ts > bound.limit {
                        self.dead_letter(m, "future_timestamp", &bound.reason(ts, 1, 1))?;
                    } else {
                        part.clock.admit(ts);
                        if let Some(first) = self.homes.see(&record.service, p) {
                            ServiceSplit {
                                service: &record.service,
                                first,
                                second: p,
                            }
                            .emit(&self.stats);
                        }
                        part.scorer.on_log(&record, &mut self.out);
                    }
                }
                Err(e) => self.dead_letter(m, "malformed_log", &e.to_string())?,
            }
        }
        self.publish(source_ms)?;
        if let Some(part) = self.parts.get_mut(&p) {
            match part.next.get_mut(topic) {
                Some(next) => *next = offset + 1,
                None => {
                    part.next.insert(topic.to_string(), offset + 1);
                }
            }
            part.dirty = true;
            let input = if is_metrics {
                Input::Metrics
            } else {
                Input::Logs
            };
            part.read_at[input as usize] = part.scorer.clock_ms(input).map(|n| (Instant::now(), n));
        }
        RecordScored { source_ms }.emit(&self.stats);
        Ok(None)
    }

    /// Send `m`'s bytes to the dead-letter topic, with where it came from
    /// and why.
    fn dead_letter(&self, m: &Record, label: &str, reason: &str) -> Result<(), Error> {
        let (topic, partition, offset) = (m.topic.as_str(), m.partition, m.offset);
        RecordRejected {
            topic,
            partition,
            offset,
            label,
            reason,
        }
        .emit(&self.stats);
        self.publisher.send(
            &self.topics.dead_letter,
            format!("{topic}/{partition}/{offset}").as_bytes(),
            &m.payload,
            &dead_letter_headers(topic, partition, offset, reason),
            0,
        )
    }

    fn publish(&mut self, source_ms: i64) -> Result<(), Error> {
        if self.out.is_empty() {
            return Ok(());
        }
        let mut out = std::mem::take(&mut self.out);
        for i in &out.issues {
            let v = serde_json::to_vec(i)?;
            self.publisher.send(
                &self.topics.predictions,
                i.service.as_bytes(),
                &v,
                &[],
                source_ms,
            )?;
        }
        for o in &out.optimizations {
            let v = serde_json::to_vec(o)?;
            self.publisher.send(
                &self.topics.optimizations,
                o.service.as_bytes(),
                &v,
                &[],
                source_ms,
            )?;
        }
        EventsPublished {
            topic: &self.topics.predictions,
            count: out.issues.len(),
        }
        .emit(&self.stats);
        EventsPublished {
            topic: &self.topics.optimizations,
            count: out.optimizations.len(),
        }
        .emit(&self.stats);
        out.clear();
        self.out = out;
        Ok(())
    }

    /// Serve delivery reports.
    pub(crate) fn poll_producer(&self) {
        self.publisher.poll();
    }

    /// Housekeeping between records: evict idle series and log state
    /// (event time), keep the total under the cap (checked here, once a
    /// second), refresh the gauges and the lag of each owned partition
    /// from the consumer's `watermarks`. (Incidents silent as long are
    /// resolved by the scorer on the input's own clock.)
    pub(crate) fn housekeeping(&mut self, watermarks: &[Watermark]) -> Result<(), Error> {
        self.advance_idle_inputs();
        self.publish(now_ms())?;
        let idle_ms = self.opts.scorer.idle_after.as_millis() as i64;
        let (mut total, mut evicted) = (0usize, 0usize);
        for part in self.parts.values_mut() {
            if let Some(newest) = part.scorer.newest_ms() {
                evicted += part.scorer.evict_idle(newest - idle_ms);
            }
            total += part.scorer.series_count();
        }
        // One cap for the process. Over it (partitions restored from
        // checkpoints that held more), each partition keeps its share of
        // the cap, in proportion to what it holds, its idlest series going.
        let cap = self.opts.scorer.max_series;
        if total > cap {
            for part in self.parts.values_mut() {
                let n = part.scorer.series_count();
                part.scorer
                    .set_max_series((n as u128 * cap as u128 / total as u128) as usize);
                evicted += part.scorer.trim_to_cap();
            }
            total = self.parts.values().map(|p| p.scorer.series_count()).sum();
        }
        // Each partition may grow by what is left.
        let left = cap.saturating_sub(total);
        for part in self.parts.values_mut() {
            let n = part.scorer.series_count();
            part.scorer.set_max_series(n + left);
        }
        SeriesSwept {
            evicted,
            tracked: total,
        }
        .emit(&self.stats);
        self.lag(watermarks);
        Ok(())
    }

    /// Update the lag gauges: for each owned partition of each source
    /// topic, the high watermark minus the next offset to score (from the
    /// state; before the first record, the committed offset or else the
    /// low watermark).
    fn lag(&self, watermarks: &[Watermark]) {
        for w in watermarks {
            let Some(part) = self.parts.get(&w.tp.partition) else {
                continue;
            };
            if w.high < 0 || !self.topics.sources().contains(&w.tp.topic.as_str()) {
                continue;
            }
            let next = match part.next.get(&w.tp.topic) {
                Some(n) => *n,
                None if w.committed >= 0 => w.committed,
                None => w.low.max(0),
            };
            LagMeasured {
                topic: &w.tp.topic,
                partition: w.tp.partition,
                lag: w.high - next,
            }
            .emit(&self.stats);
        }
    }

    /// Partitions owned now.
    pub(crate) fn partitions(&self) -> Vec<i32> {
        self.parts.keys().copied().collect()
    }
}
