//! [`Producer`]: the one producer of the workspace, an rdkafka
//! `BaseProducer` whose delivery reports are counted and, when a
//! [`DeliveryHook`] is set, handed to it (the stream measures latency and
//! counts failures that way). `send` retries while librdkafka's local
//! queue is full (serving delivery reports meanwhile); `flush` waits for
//! every report and returns how many messages the broker acknowledged and
//! how many failed, so a caller can refuse to call a run successful when
//! any was lost. [`ProducerBuilder`] holds the settings.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _, ProducerContext};

use crate::error::Error;
use crate::io::Sink;
use crate::record::{Deliveries, Delivery, DeliveryHook, Outgoing};
use crate::throttle::{Throttle, left_out};

#[derive(Default)]
struct Counts {
    /// Messages librdkafka took into its queue.
    sent: AtomicU64,
    acked: AtomicU64,
    failed: AtomicU64,
    /// Calls of [`Producer::poll`] with no report outstanding.
    idle_polls: AtomicU64,
    hook: RwLock<Option<DeliveryHook>>,
}

struct Context(Arc<Counts>, Throttle);

impl ClientContext for Context {
    /// librdkafka's errors (a broker down, a refused connection), at most
    /// one line every 30 s: a broker that is down reports one per retry.
    fn error(&self, error: KafkaError, reason: &str) {
        if let Some(n) = self.1.admit() {
            tracing::warn!("producer: {error}: {reason}{}", left_out(n));
        }
    }
}

impl ProducerContext for Context {
    /// The message's tag.
    type DeliveryOpaque = Box<i64>;

    fn delivery(&self, result: &DeliveryResult<'_>, tag: Self::DeliveryOpaque) {
        let hook = self.0.hook.read().map(|h| h.clone()).unwrap_or_default();
        match result {
            Ok(m) => {
                self.0.acked.fetch_add(1, Ordering::Relaxed);
                if let Some(h) = hook {
                    h(&Delivery {
                        topic: m.topic(),
                        tag: *tag,
                        error: None,
                    });
                }
            }
            Err((e, m)) => {
                self.0.failed.fetch_add(1, Ordering::Relaxed);
                if let Some(h) = hook {
                    h(&Delivery {
                        topic: m.topic(),
                        tag: *tag,
                        error: Some(e),
                    });
                }
            }
        }
    }
}

/// Settings of a [`Producer`]: the brokers, tuning, then the pass-through
/// properties (which win).
#[derive(Debug, Clone)]
pub struct ProducerBuilder {
    brokers: String,
    tuning: Vec<(String, String)>,
    extra: Vec<(String, String)>,
}

impl ProducerBuilder {
    /// A producer for `brokers` (`host:port[,host:port...]`) that waits for
    /// all in-sync replicas, batches for 20 ms and compresses with lz4.
    pub fn new(brokers: &str) -> Self {
        let tuning = [
            ("acks", "all"),
            ("linger.ms", "20"),
            ("compression.type", "lz4"),
            ("queue.buffering.max.messages", "1000000"),
        ];
        Self {
            brokers: brokers.to_string(),
            tuning: tuning
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            extra: Vec::new(),
        }
    }

    /// Set one librdkafka property (overrides the defaults above, not the
    /// pass-through properties).
    pub fn set(mut self, key: &str, value: &str) -> Self {
        self.tuning.push((key.to_string(), value.to_string()));
        self
    }

    /// Pass-through properties (`security.protocol`, `sasl.*`, `ssl.*`,
    /// tuning), applied last.
    pub fn client(mut self, extra: &[(String, String)]) -> Self {
        self.extra.extend_from_slice(extra);
        self
    }

    /// Create the producer.
    pub fn build(&self) -> Result<Producer, Error> {
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", &self.brokers);
        for (k, v) in self.tuning.iter().chain(&self.extra) {
            cfg.set(k, v);
        }
        let counts = Arc::new(Counts::default());
        let inner = cfg
            .create_with_context(Context(
                Arc::clone(&counts),
                Throttle::new(Duration::from_secs(30)),
            ))
            .map_err(|source| Error::Client {
                client: "producer",
                source: source.into(),
            })?;
        Ok(Producer { inner, counts })
    }
}

/// With nothing in flight, [`Producer::poll`] reaches librdkafka once in
/// this many calls (the scorer's loop calls it every record, or every
/// 5 ms when idle: librdkafka's error callbacks then wait up to ~0.3 s).
const IDLE_POLL_EVERY: u64 = 64;

/// A producer with delivery accounting.
pub struct Producer {
    inner: BaseProducer<Context>,
    counts: Arc<Counts>,
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("deliveries", &self.deliveries())
            .finish_non_exhaustive()
    }
}

impl Producer {
    /// A producer for `brokers` with the default settings of
    /// [`ProducerBuilder::new`] and pass-through properties `extra`.
    pub fn new(brokers: &str, extra: &[(String, String)]) -> Result<Self, Error> {
        ProducerBuilder::new(brokers).client(extra).build()
    }

    /// Queue one message (no headers); waits while the local queue is full.
    pub fn send(&self, topic: &str, key: &[u8], payload: &[u8]) -> Result<(), Error> {
        Sink::send(self, Outgoing::new(topic, key, payload))
    }

    /// Counts so far.
    pub fn deliveries(&self) -> Deliveries {
        Deliveries {
            acked: self.counts.acked.load(Ordering::Relaxed),
            failed: self.counts.failed.load(Ordering::Relaxed),
        }
    }

    /// Serve pending delivery reports without blocking. While no report
    /// is outstanding only every [`IDLE_POLL_EVERY`]th call reaches
    /// librdkafka (which also serves its error callbacks then): the
    /// scorer calls this after every record, and librdkafka's poll was
    /// ~10 % of its thread on one-sample JSON records.
    pub fn poll(&self) {
        let c = &self.counts;
        let reported = c.acked.load(Ordering::Relaxed) + c.failed.load(Ordering::Relaxed);
        if c.sent.load(Ordering::Relaxed) <= reported
            && !c
                .idle_polls
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(IDLE_POLL_EVERY)
        {
            return;
        }
        self.inner.poll(Duration::ZERO);
    }

    /// Wait up to `timeout` for every outstanding delivery report.
    pub fn flush(&self, timeout: Duration) -> Result<Deliveries, Error> {
        self.inner
            .flush(timeout)
            .map_err(|e| Error::Flush(e.into()))?;
        Ok(self.deliveries())
    }
}

impl Sink for Producer {
    fn send(&self, m: Outgoing<'_>) -> Result<(), Error> {
        let mut record = BaseRecord::with_opaque_to(m.topic, Box::new(m.tag))
            .key(m.key)
            .payload(m.payload);
        if !m.headers.is_empty() {
            let headers = m.headers.iter().fold(
                OwnedHeaders::new_with_capacity(m.headers.len()),
                |h, (key, value)| {
                    h.insert(Header {
                        key: key.as_str(),
                        value: Some(value.as_slice()),
                    })
                },
            );
            record = record.headers(headers);
        }
        loop {
            match self.inner.send(record) {
                Ok(()) => {
                    self.counts.sent.fetch_add(1, Ordering::Relaxed);
                    self.inner.poll(Duration::ZERO);
                    return Ok(());
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    record = r;
                    self.inner.poll(Duration::from_millis(5));
                }
                Err((source, _)) => {
                    return Err(Error::Produce {
                        topic: m.topic.to_string(),
                        source: source.into(),
                    });
                }
            }
        }
    }

    fn poll(&self) {
        Producer::poll(self);
    }

    fn flush(&self, timeout: Duration) -> Result<Deliveries, Error> {
        Producer::flush(self, timeout)
    }

    fn deliveries(&self) -> Deliveries {
        Producer::deliveries(self)
    }

    fn on_delivery(&self, hook: DeliveryHook) {
        if let Ok(mut h) = self.counts.hook.write() {
            *h = Some(hook);
        }
    }
}
