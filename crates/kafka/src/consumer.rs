//! The one consumer set-up of the workspace: [`ConsumerBuilder`] (group
//! settings in one place) builds a [`KafkaSource`], a group member over
//! an rdkafka `BaseConsumer`, and reads whole topics ([`ReadTopic`]).
//!
//! Rebalances: librdkafka reports them from inside `poll`, through the
//! consumer context. The context only notes the change; the source then,
//! still inside [`Source::poll`] and before the next librdkafka call, hands
//! it to the caller's [`Rebalance`] handler and applies it (`assign` with
//! the handler's start offsets, or `unassign` after the handler committed).
//! librdkafka waits for that call, so a revoked partition is not given up
//! before its offsets are committed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{ClientContext, Statistics};

use crate::error::Error;
use crate::io::{Commit, ReadTopic, Rebalance, Source, Watermark};
use crate::message::{copy_into, to_record};
use crate::record::{Record, TopicPartition};
use crate::throttle::{Throttle, left_out};

/// The group session timeout a consumer is built with (librdkafka's
/// `session.timeout.ms`) unless the pass-through properties set one: how
/// long the group keeps a member that stopped heartbeating.
pub const SESSION_TIMEOUT_MS: &str = "10000";

/// Settings of a consumer: brokers, group, the group defaults (manual
/// commits, earliest offsets when none is committed, short fetch waits,
/// a short back-off when the local queue is full, a 10 s session),
/// overrides, then the pass-through properties.
#[derive(Debug, Clone)]
pub struct ConsumerBuilder {
    brokers: String,
    group: String,
    settings: Vec<(String, String)>,
    extra: Vec<(String, String)>,
    headers: bool,
}

impl ConsumerBuilder {
    /// A member of `group` on `brokers`.
    pub fn new(brokers: &str, group: &str) -> Self {
        let settings = [
            ("enable.auto.commit", "false"),
            ("auto.offset.reset", "earliest"),
            // tansu holds a fetch for the whole wait when it has nothing
            // at the time of asking: 10 -> 5 ms took ~8 ms off p50.
            ("fetch.wait.max.ms", "5"),
            // A partition whose local queue is full (100,000 records) is
            // fetched again after this back-off, 1 s by default: a
            // consumer that empties it sooner sat idle (JSON through
            // tansu: 204 k -> 571 k samples/s; README "Streaming benchmarks").
            ("fetch.queue.backoff.ms", "50"),
            ("session.timeout.ms", SESSION_TIMEOUT_MS),
        ];
        Self {
            brokers: brokers.to_string(),
            group: group.to_string(),
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            extra: Vec::new(),
            headers: true,
        }
    }

    /// Whether the records a built source returns carry their headers
    /// (default: yes). A consumer that reads none (the scorer) saves
    /// librdkafka's parse of them, an allocation per record.
    pub fn headers(mut self, read: bool) -> Self {
        self.headers = read;
        self
    }

    /// Set one librdkafka property (overrides the defaults, not the
    /// pass-through properties).
    pub fn set(mut self, key: &str, value: &str) -> Self {
        self.settings.push((key.to_string(), value.to_string()));
        self
    }

    /// Commit stored offsets in the background every `every` (see
    /// [`Source::store_offset`]).
    pub fn auto_commit_stored(self, every: Duration) -> Self {
        self.set("enable.auto.commit", "true")
            .set("enable.auto.offset.store", "false")
            .set("auto.commit.interval.ms", &every.as_millis().to_string())
    }

    /// Pass-through properties (TLS, SASL, tuning), applied last.
    pub fn client(mut self, extra: &[(String, String)]) -> Self {
        self.extra.extend_from_slice(extra);
        self
    }

    /// The same settings for another group.
    pub fn group(&self, group: &str) -> Self {
        Self {
            group: group.to_string(),
            ..self.clone()
        }
    }

    fn config(&self) -> ClientConfig {
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", &self.brokers)
            .set("group.id", &self.group);
        for (k, v) in self.settings.iter().chain(&self.extra) {
            cfg.set(k, v);
        }
        cfg
    }

    /// A plain consumer with these settings (for readers outside a group
    /// protocol: partitions assigned by hand).
    pub(crate) fn plain(&self) -> Result<BaseConsumer, Error> {
        self.config().create().map_err(|source| Error::Client {
            client: "consumer",
            source: source.into(),
        })
    }

    /// A group member.
    pub fn build(&self) -> Result<KafkaSource, Error> {
        let consumer: BaseConsumer<Ctx> = self
            .config()
            .create_with_context(Ctx::default())
            .map_err(|source| Error::Client {
                client: "consumer",
                source: source.into(),
            })?;
        Ok(KafkaSource {
            consumer,
            headers: self.headers,
            spare: None,
        })
    }
}

/// A rebalance noted by the context, to be handled after the poll.
enum Pending {
    Assign(TopicPartitionList),
    Revoke(TopicPartitionList),
}

/// The consumer's context: notes rebalances, keeps the last statistics,
/// logs librdkafka's errors (throttled).
struct Ctx {
    pending: Mutex<Option<Pending>>,
    /// Set when the source is dropped: librdkafka's close then gets its
    /// (un)assign calls at once, with no handler left to ask.
    closing: AtomicBool,
    watermarks: Mutex<Vec<Watermark>>,
    errors: Throttle,
}

impl Default for Ctx {
    fn default() -> Self {
        Self {
            pending: Mutex::default(),
            closing: AtomicBool::default(),
            watermarks: Mutex::default(),
            errors: Throttle::new(Duration::from_secs(30)),
        }
    }
}

impl ClientContext for Ctx {
    /// librdkafka's errors, at most one line every 30 s (a broker that is
    /// down reports one per retry).
    fn error(&self, error: KafkaError, reason: &str) {
        if let Some(n) = self.errors.admit() {
            tracing::warn!("consumer: {error}: {reason}{}", left_out(n));
        }
    }

    fn stats(&self, stats: Statistics) {
        let mut out = Vec::new();
        for (t, ts) in &stats.topics {
            for (p, x) in &ts.partitions {
                if *p < 0 {
                    continue; // librdkafka's internal "unassigned" partition
                }
                out.push(Watermark {
                    tp: TopicPartition::new(t.clone(), *p),
                    low: x.lo_offset,
                    high: x.hi_offset,
                    committed: x.committed_offset,
                });
            }
        }
        if let Ok(mut w) = self.watermarks.lock() {
            *w = out;
        }
    }
}

impl ConsumerContext for Ctx {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let pending = match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => Pending::Assign(tpl.clone()),
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => Pending::Revoke(tpl.clone()),
            other => {
                tracing::error!("rebalance error: {other:?}");
                let _ = consumer.unassign();
                return;
            }
        };
        if self.closing.load(Ordering::Relaxed) {
            let _ = match pending {
                Pending::Assign(tpl) => consumer.assign(&tpl),
                Pending::Revoke(_) => consumer.unassign(),
            };
            return;
        }
        if let Ok(mut p) = self.pending.lock() {
            *p = Some(pending);
        }
    }
}

fn parts_of(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
    tpl.elements()
        .iter()
        .map(|e| TopicPartition::new(e.topic(), e.partition()))
        .collect()
}

/// A member of a consumer group on a Kafka broker.
pub struct KafkaSource {
    consumer: BaseConsumer<Ctx>,
    /// Whether records carry their headers (see [`ConsumerBuilder::headers`]).
    headers: bool,
    /// A record handed back by the caller, whose buffers the next poll reuses.
    spare: Option<Record>,
}

impl std::fmt::Debug for KafkaSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSource").finish_non_exhaustive()
    }
}

impl Drop for KafkaSource {
    fn drop(&mut self) {
        self.consumer
            .context()
            .closing
            .store(true, Ordering::Relaxed);
        // A change noted but not handed over: let librdkafka have its call.
        let pending = self.take_pending();
        if let Some(Pending::Revoke(_)) = pending {
            let _ = self.consumer.unassign();
        }
    }
}

impl KafkaSource {
    /// The rebalance noted during the last poll, if any, taken.
    fn take_pending(&self) -> Option<Pending> {
        self.consumer
            .context()
            .pending
            .lock()
            .ok()
            .and_then(|mut p| p.take())
    }

    /// Hand a rebalance noted during the last poll to `handler`, then
    /// apply it.
    fn rebalanced(&mut self, handler: &mut dyn Rebalance) -> Result<(), Error> {
        let pending = self.take_pending();
        match pending {
            None => Ok(()),
            Some(Pending::Assign(mut tpl)) => {
                let Some(starts) = handler.assigned(&parts_of(&tpl)) else {
                    return Ok(());
                };
                for (tp, o) in starts {
                    tpl.set_partition_offset(&tp.topic, tp.partition, Offset::Offset(o))
                        .map_err(|e| Error::Assign(e.into()))?;
                }
                self.consumer
                    .assign(&tpl)
                    .map_err(|e| Error::Assign(e.into()))
            }
            Some(Pending::Revoke(tpl)) => {
                handler.revoked(&parts_of(&tpl), self);
                if let Err(e) = self.consumer.unassign() {
                    tracing::warn!("unassign: {e}");
                }
                Ok(())
            }
        }
    }
}

impl Commit for KafkaSource {
    fn commit(&mut self, offsets: &[(TopicPartition, i64)]) -> Result<(), Error> {
        if offsets.is_empty() {
            return Ok(());
        }
        let mut tpl = TopicPartitionList::new();
        for (tp, o) in offsets {
            tpl.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(*o))
                .map_err(|e| Error::Commit(e.into()))?;
        }
        self.consumer
            .commit(&tpl, CommitMode::Sync)
            .map_err(|e| Error::Commit(e.into()))
    }
}

impl Source for KafkaSource {
    fn subscribe(&mut self, topics: &[&str]) -> Result<(), Error> {
        self.consumer
            .subscribe(topics)
            .map_err(|source| Error::Subscribe {
                topics: topics.join(","),
                source: source.into(),
            })
    }

    fn poll(
        &mut self,
        timeout: Duration,
        rebalance: &mut dyn Rebalance,
    ) -> Result<Option<Record>, Error> {
        let got = match self.consumer.poll(timeout) {
            Some(Ok(m)) => Ok(Some(match self.spare.take() {
                Some(mut r) => {
                    copy_into(&m, &mut r, self.headers);
                    r
                }
                None => to_record(&m, self.headers),
            })),
            Some(Err(e)) => Err(Error::Consume(e.into())),
            None => Ok(None),
        };
        self.rebalanced(rebalance)?;
        got
    }

    fn recycle(&mut self, record: Record) {
        self.spare = Some(record);
    }

    fn seek(&mut self, topic: &str, partition: i32, offset: i64) -> Result<(), Error> {
        self.consumer
            .seek(
                topic,
                partition,
                Offset::Offset(offset),
                Duration::from_secs(10),
            )
            .map_err(|source| Error::Seek {
                topic: topic.to_string(),
                partition,
                offset,
                source: source.into(),
            })
    }

    fn store_offset(&mut self, topic: &str, partition: i32, offset: i64) -> Result<(), Error> {
        // librdkafka stores the offset of the record done with; it commits
        // that plus one.
        self.consumer
            .store_offset(topic, partition, offset - 1)
            .map_err(|e| Error::Commit(e.into()))
    }

    fn commit_stored(&mut self) -> Result<(), Error> {
        match self.consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(())
            | Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => Ok(()),
            Err(e) => Err(Error::Commit(e.into())),
        }
    }

    fn unsubscribe(&mut self) {
        self.consumer.unsubscribe();
    }

    fn committed(
        &mut self,
        parts: &[TopicPartition],
        timeout: Duration,
    ) -> Result<Vec<(TopicPartition, i64)>, Error> {
        let mut tpl = TopicPartitionList::new();
        for tp in parts {
            tpl.add_partition(&tp.topic, tp.partition);
        }
        let got = self
            .consumer
            .committed_offsets(tpl, timeout)
            .map_err(|e| Error::Commit(e.into()))?;
        Ok(got
            .elements()
            .iter()
            .filter_map(|e| match e.offset() {
                Offset::Offset(o) if o >= 0 => {
                    Some((TopicPartition::new(e.topic(), e.partition()), o))
                }
                _ => None,
            })
            .collect())
    }

    fn watermarks(&self) -> Vec<Watermark> {
        self.consumer
            .context()
            .watermarks
            .lock()
            .map(|w| w.clone())
            .unwrap_or_default()
    }
}

impl ReadTopic for ConsumerBuilder {
    /// Reads with a consumer of its own (this builder's group, nothing
    /// committed). The end of each partition is where the broker says so
    /// (partition EOF), not the high watermark fetched first: one broker
    /// (tansu 0.6) was seen to report it one short.
    fn read_topic(
        &self,
        topic: &str,
        timeout: Duration,
        each: &mut dyn FnMut(&Record),
    ) -> Result<(), Error> {
        let consumer = self
            .clone()
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "true")
            .plain()?;
        let md = consumer
            .fetch_metadata(Some(topic), timeout)
            .map_err(|source| Error::Metadata {
                topic: topic.to_string(),
                source: source.into(),
            })?;
        let Some(t) = md.topics().iter().find(|t| t.name() == topic) else {
            return Ok(());
        };
        let mut ends: HashMap<i32, i64> = HashMap::new();
        let mut tpl = TopicPartitionList::new();
        for p in t.partitions() {
            let (low, high) =
                consumer
                    .fetch_watermarks(topic, p.id(), timeout)
                    .map_err(|source| Error::Metadata {
                        topic: topic.to_string(),
                        source: source.into(),
                    })?;
            if high > low {
                ends.insert(p.id(), high);
                tpl.add_partition_offset(topic, p.id(), Offset::Beginning)
                    .map_err(|e| Error::Assign(e.into()))?;
            }
        }
        if ends.is_empty() {
            return Ok(());
        }
        consumer.assign(&tpl).map_err(|e| Error::Assign(e.into()))?;
        let deadline = Instant::now() + timeout;
        while !ends.is_empty() {
            if Instant::now() > deadline {
                return Err(Error::Timeout {
                    topic: topic.to_string(),
                    after: timeout,
                });
            }
            match consumer.poll(Duration::from_millis(200)) {
                None => {}
                Some(Err(KafkaError::PartitionEOF(p))) => {
                    ends.remove(&p);
                }
                Some(Err(e)) => return Err(Error::Consume(e.into())),
                Some(Ok(m)) => each(&to_record(&m, true)),
            }
        }
        Ok(())
    }
}
