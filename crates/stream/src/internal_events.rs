//! The runtime's internal events, after Vector's `internal_events`: each
//! thing worth knowing is a struct named `<Noun><PastVerb>[Error]` whose
//! [`InternalEvent::emit`] writes its log line and updates its metrics
//! together, in one place. The loop, the worker and the producer's
//! delivery reports only emit events; the names of the metrics (which
//! `/metrics` serves and the end-to-end tests read) are in [`Stats`].

use std::sync::atomic::Ordering;

use crate::metrics::{HowLabel, PartitionLabel, ReasonLabel, Stats, TopicLabel, now_ms};

/// Something that happened in the runtime.
pub(crate) trait InternalEvent {
    /// Log it and count it.
    fn emit(self, stats: &Stats);
}

fn seconds_since(ms: i64) -> f64 {
    (now_ms() - ms).max(0) as f64 / 1000.0
}

/// A record of a source topic was read, in order.
pub(crate) struct RecordConsumed<'a> {
    pub(crate) topic: &'a str,
}

impl InternalEvent for RecordConsumed<'_> {
    fn emit(self, stats: &Stats) {
        stats.consumed(self.topic);
    }
}

/// A record was scored; `source_ms` is its Kafka timestamp.
pub(crate) struct RecordScored {
    pub(crate) source_ms: i64,
}

impl InternalEvent for RecordScored {
    fn emit(self, stats: &Stats) {
        if self.source_ms > 0 {
            let s = seconds_since(self.source_ms);
            stats.record_latency.observe(s);
            stats.record_record_latency(s);
        }
    }
}

/// Metric samples were decoded from a record.
pub(crate) struct SamplesDecoded {
    pub(crate) count: usize,
}

impl InternalEvent for SamplesDecoded {
    fn emit(self, stats: &Stats) {
        stats.decoded.inc_by(self.count as u64);
    }
}

/// A log record was decoded.
pub(crate) struct LogDecoded;

impl InternalEvent for LogDecoded {
    fn emit(self, stats: &Stats) {
        stats.logs_decoded.inc();
    }
}

/// The scorer's windows refused a sample (late, non-finite, series cap).
pub(crate) struct SampleRefused<'a> {
    pub(crate) reason: &'a str,
}

impl InternalEvent for SampleRefused<'_> {
    fn emit(self, stats: &Stats) {
        stats
            .refused
            .get_or_create(&ReasonLabel {
                reason: self.reason.to_string(),
            })
            .inc();
    }
}

/// A record went to the dead-letter topic.
pub(crate) struct RecordRejected<'a> {
    pub(crate) topic: &'a str,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
    /// One of [`crate::metrics::REJECT_REASONS`].
    pub(crate) label: &'a str,
    pub(crate) reason: &'a str,
}

impl InternalEvent for RecordRejected<'_> {
    fn emit(self, stats: &Stats) {
        tracing::debug!(
            topic = self.topic,
            partition = self.partition,
            offset = self.offset,
            "dead letter: {}",
            self.reason
        );
        stats
            .rejected
            .get_or_create(&ReasonLabel {
                reason: self.label.to_string(),
            })
            .inc();
    }
}

/// A record of a partition this process does not own arrived (fetched
/// before a revocation, handed out after it): left to its owner.
pub(crate) struct RecordDisowned<'a> {
    pub(crate) topic: &'a str,
    pub(crate) partition: i32,
    pub(crate) offset: i64,
}

impl InternalEvent for RecordDisowned<'_> {
    fn emit(self, _: &Stats) {
        tracing::debug!(
            topic = self.topic,
            partition = self.partition,
            offset = self.offset,
            "record of a partition not owned; left to its owner"
        );
    }
}

/// A record the partition's state already holds was read again (skipped).
pub(crate) struct RecordReplayed;

impl InternalEvent for RecordReplayed {
    fn emit(self, stats: &Stats) {
        stats.replayed.inc();
    }
}

/// The consumer skipped records (a fetch answered past the partition's
/// next offset); they are read again by seeking back.
pub(crate) struct RecordsSkipped<'a> {
    pub(crate) topic: &'a str,
    pub(crate) partition: i32,
    pub(crate) next: i64,
    pub(crate) offset: i64,
}

impl InternalEvent for RecordsSkipped<'_> {
    fn emit(self, _: &Stats) {
        tracing::info!(
            topic = self.topic,
            partition = self.partition,
            next = self.next,
            offset = self.offset,
            "records skipped by the consumer; reading them again"
        );
    }
}

/// A gap in a partition's offsets was repaired (the skipped records were
/// read again).
pub(crate) struct OffsetGapRepaired<'a> {
    pub(crate) topic: &'a str,
    pub(crate) partition: i32,
    pub(crate) next: i64,
}

impl InternalEvent for OffsetGapRepaired<'_> {
    fn emit(self, stats: &Stats) {
        tracing::info!(
            topic = self.topic,
            partition = self.partition,
            next = self.next,
            "offset gap repaired"
        );
        stats
            .offset_gaps
            .get_or_create(&HowLabel {
                how: "repaired".into(),
            })
            .inc();
    }
}

/// A gap in a partition's offsets was accepted: the broker has no records
/// there.
pub(crate) struct OffsetGapAccepted<'a> {
    pub(crate) topic: &'a str,
    pub(crate) partition: i32,
    pub(crate) next: i64,
    pub(crate) offset: i64,
}

impl InternalEvent for OffsetGapAccepted<'_> {
    fn emit(self, stats: &Stats) {
        let (next, offset) = (self.next, self.offset);
        tracing::warn!(
            topic = self.topic,
            partition = self.partition,
            next,
            offset,
            "offsets {next}..{offset} are not served by the broker; going on without them"
        );
        stats
            .offset_gaps
            .get_or_create(&HowLabel {
                how: "accepted".into(),
            })
            .inc();
    }
}

/// Events were handed to the producer.
pub(crate) struct EventsPublished<'a> {
    pub(crate) topic: &'a str,
    pub(crate) count: usize,
}

impl InternalEvent for EventsPublished<'_> {
    fn emit(self, stats: &Stats) {
        stats
            .published
            .get_or_create(&TopicLabel {
                topic: self.topic.to_string(),
            })
            .inc_by(self.count as u64);
    }
}

/// The broker acknowledged an event caused by a record produced at
/// `source_ms`.
pub(crate) struct EventAcknowledged {
    pub(crate) source_ms: i64,
}

impl InternalEvent for EventAcknowledged {
    fn emit(self, stats: &Stats) {
        if self.source_ms > 0 {
            let s = seconds_since(self.source_ms);
            stats.event_latency.observe(s);
            stats.record_event_latency(s);
        }
    }
}

/// A message was refused by the producer or never acknowledged. Every
/// one is counted; the line is logged at most once every 10 s.
pub(crate) struct DeliveryFailed<'a> {
    pub(crate) topic: &'a str,
    pub(crate) error: &'a dyn std::fmt::Display,
}

impl InternalEvent for DeliveryFailed<'_> {
    fn emit(self, stats: &Stats) {
        stats.delivery_failed.inc();
        if let Some(n) = stats.delivery_log.admit() {
            tracing::error!(
                topic = self.topic,
                "delivery failed: {}{}",
                self.error,
                forewarn_kafka::throttle::left_out(n)
            );
        }
    }
}

/// One partition's checkpoint was acknowledged by the broker.
pub(crate) struct CheckpointWritten<'a> {
    pub(crate) partition: i32,
    pub(crate) epoch: u64,
    pub(crate) bytes: usize,
    pub(crate) offsets: &'a dyn std::fmt::Debug,
}

impl InternalEvent for CheckpointWritten<'_> {
    fn emit(self, stats: &Stats) {
        tracing::debug!(
            partition = self.partition,
            epoch = self.epoch,
            bytes = self.bytes,
            offsets = ?self.offsets,
            "checkpoint written"
        );
        stats.checkpoints.inc();
        stats.checkpoint_bytes.inc_by(self.bytes as u64);
    }
}

/// A partition was taken on warm, from its checkpoint.
pub(crate) struct PartitionRestored {
    pub(crate) partition: i32,
    pub(crate) series: usize,
    pub(crate) refused: usize,
}

impl InternalEvent for PartitionRestored {
    fn emit(self, stats: &Stats) {
        tracing::info!(
            partition = self.partition,
            series = self.series,
            refused = self.refused,
            "resumed warm from checkpoint"
        );
        stats
            .restored
            .get_or_create(&HowLabel { how: "warm".into() })
            .inc();
    }
}

/// A partition was taken on cold: no checkpoint, or one made with another
/// feature spec or model.
pub(crate) struct PartitionStarted {
    pub(crate) partition: i32,
    pub(crate) mismatch: bool,
}

impl InternalEvent for PartitionStarted {
    fn emit(self, stats: &Stats) {
        tracing::info!(
            partition = self.partition,
            "no usable checkpoint; starting cold"
        );
        if self.mismatch {
            tracing::warn!(
                partition = self.partition,
                "checkpoint made with another feature spec or model; starting cold"
            );
        }
        stats
            .restored
            .get_or_create(&HowLabel { how: "cold".into() })
            .inc();
    }
}

/// Partitions were assigned to this process; it is ready.
pub(crate) struct PartitionsAssigned<'a> {
    pub(crate) partitions: &'a [i32],
}

impl InternalEvent for PartitionsAssigned<'_> {
    fn emit(self, stats: &Stats) {
        stats.partitions.set(self.partitions.len() as i64);
        stats.ready.store(true, Ordering::Relaxed);
        tracing::info!(partitions = ?self.partitions, "partitions assigned");
    }
}

/// Partitions were given up (after their checkpoint); their lag is no
/// longer this process's to report.
pub(crate) struct PartitionsRevoked<'a> {
    /// (topic, partition) of every source read.
    pub(crate) read: &'a [(String, i32)],
    pub(crate) partitions: &'a [i32],
}

impl InternalEvent for PartitionsRevoked<'_> {
    fn emit(self, stats: &Stats) {
        for (t, p) in self.read {
            stats
                .lag
                .get_or_create(&PartitionLabel {
                    topic: t.clone(),
                    partition: i64::from(*p),
                })
                .set(0);
        }
        stats.partitions.set(0);
        tracing::info!(partitions = ?self.partitions, "partitions revoked (checkpointed)");
    }
}

/// The lag of an owned partition was measured.
pub(crate) struct LagMeasured<'a> {
    pub(crate) topic: &'a str,
    pub(crate) partition: i32,
    pub(crate) lag: i64,
}

impl InternalEvent for LagMeasured<'_> {
    fn emit(self, stats: &Stats) {
        stats
            .lag
            .get_or_create(&PartitionLabel {
                topic: self.topic.to_string(),
                partition: i64::from(self.partition),
            })
            .set(self.lag.max(0));
    }
}

/// Housekeeping ran: idle series evicted, the series in memory counted,
/// the loop's heartbeat updated.
pub(crate) struct SeriesSwept {
    pub(crate) evicted: usize,
    pub(crate) tracked: usize,
}

impl InternalEvent for SeriesSwept {
    fn emit(self, stats: &Stats) {
        stats.evicted.inc_by(self.evicted as u64);
        stats.series.set(self.tracked as i64);
        stats.heartbeat_ms.store(now_ms(), Ordering::Relaxed);
    }
}

/// A poll of the consumer failed (transient: polled again). Emitted at
/// most once every 30 s; `left_out` says how many were not.
pub(crate) struct RecordReadError<'a> {
    pub(crate) error: &'a dyn std::fmt::Display,
    pub(crate) left_out: &'a str,
}

impl InternalEvent for RecordReadError<'_> {
    fn emit(self, _: &Stats) {
        tracing::warn!("consumer: {}{}", self.error, self.left_out);
    }
}

/// Once a second: how long the process has owned no partition (`None`
/// while it owns some); `log` to say so.
pub(crate) struct AssignmentWaited<'a> {
    pub(crate) group: &'a str,
    pub(crate) waited: Option<std::time::Duration>,
    pub(crate) session_timeout_ms: &'a str,
    pub(crate) log: bool,
}

impl InternalEvent for AssignmentWaited<'_> {
    fn emit(self, stats: &Stats) {
        let waited = self.waited.map_or(0, |w| w.as_secs());
        stats.assignment_wait.set(waited as i64);
        if self.log {
            tracing::warn!(
                "waiting {waited}s for a partition assignment from group {}: a member that died may still hold the partitions until its session times out (session.timeout.ms={}; some brokers keep a dead member longer), or the group has more members than the topics have partitions; /health answers 503 until then",
                self.group,
                self.session_timeout_ms
            );
        }
    }
}

/// The run stopped on an error.
pub(crate) struct RunStoppedError<'a> {
    pub(crate) error: &'a dyn std::fmt::Display,
}

impl InternalEvent for RunStoppedError<'_> {
    fn emit(self, stats: &Stats) {
        tracing::error!("{}", self.error);
        stats.ready.store(false, Ordering::Relaxed);
    }
}

/// A service arrived on a second partition: its records are not keyed by
/// service with one partitioner, and its state splits between scorers.
pub(crate) struct ServiceSplit<'a> {
    pub(crate) service: &'a str,
    pub(crate) first: i32,
    pub(crate) second: i32,
}

impl InternalEvent for ServiceSplit<'_> {
    fn emit(self, stats: &Stats) {
        tracing::warn!(
            service = self.service,
            first = self.first,
            second = self.second,
            "Service {:?} arrives on partitions {} and {}: its metrics and logs must be keyed by service name with one partitioner on every producer (see the README, \"Keying records by service\"); its state is split between two scorers.",
            self.service,
            self.first,
            self.second
        );
        stats.services_split.inc();
    }
}
