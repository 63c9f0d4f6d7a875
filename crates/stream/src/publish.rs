//! [`Publisher`]: the runtime's one producer, for predicted-issue and
//! optimization events, dead letters and checkpoints. Every message
//! carries, as its delivery opaque, the Kafka timestamp of the record that
//! caused it, so the acknowledgement of an event measures end-to-end
//! latency (record produced → event acknowledged). Failed deliveries are
//! counted; the runner refuses to commit offsets past a failure.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _, ProducerContext};

use crate::metrics::{Stats, now_ms};
use crate::{Error, client_config};

/// What a message is, for the counters and the latency histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Event,
    DeadLetter,
    Checkpoint,
}

pub(crate) struct Context {
    stats: Arc<Stats>,
}

impl ClientContext for Context {}

impl ProducerContext for Context {
    /// (kind, Kafka timestamp in ms of the record that caused the message).
    type DeliveryOpaque = Box<(Kind, i64)>;

    fn delivery(&self, result: &DeliveryResult<'_>, opaque: Self::DeliveryOpaque) {
        let (kind, source_ms) = *opaque;
        match result {
            Ok(_) => {
                if kind == Kind::Event && source_ms > 0 {
                    let s = (now_ms() - source_ms).max(0) as f64 / 1000.0;
                    self.stats.event_latency.observe(s);
                    self.stats.record_event_latency(s);
                }
            }
            Err((e, _)) => {
                tracing::error!(?kind, "delivery failed: {e}");
                self.stats.delivery_failed.inc();
            }
        }
    }
}

/// The runtime's producer.
pub(crate) struct Publisher {
    inner: BaseProducer<Context>,
    stats: Arc<Stats>,
}

impl Publisher {
    pub(crate) fn new(
        brokers: &str,
        extra: &[(String, String)],
        stats: Arc<Stats>,
    ) -> Result<Self, Error> {
        let mut cfg: ClientConfig = client_config(brokers, extra);
        cfg.set("acks", "all")
            .set("enable.idempotence", "true")
            .set("linger.ms", "2")
            .set("compression.type", "lz4")
            .set("message.max.bytes", "4000000");
        // Pass-through options win, including over the tuning above.
        for (k, v) in extra {
            cfg.set(k, v);
        }
        let inner = cfg
            .create_with_context(Context {
                stats: Arc::clone(&stats),
            })
            .map_err(|e| Error::Kafka(format!("producer: {e}")))?;
        Ok(Self { inner, stats })
    }

    /// Queue one message; waits while librdkafka's queue is full.
    pub(crate) fn send(
        &self,
        kind: Kind,
        topic: &str,
        key: &[u8],
        payload: &[u8],
        headers: Option<OwnedHeaders>,
        source_ms: i64,
    ) -> Result<(), Error> {
        let mut record = BaseRecord::with_opaque_to(topic, Box::new((kind, source_ms)))
            .key(key)
            .payload(payload);
        if let Some(h) = headers {
            record = record.headers(h);
        }
        loop {
            match self.inner.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    record = r;
                    self.inner.poll(Duration::from_millis(5));
                }
                Err((e, _)) => {
                    self.stats.delivery_failed.inc();
                    return Err(Error::Kafka(format!("could not produce to {topic}: {e}")));
                }
            }
        }
    }

    /// Serve delivery reports without blocking.
    pub(crate) fn poll(&self) {
        self.inner.poll(Duration::ZERO);
    }

    /// Wait until every queued message is acknowledged (or failed).
    pub(crate) fn flush(&self, timeout: Duration) -> Result<(), Error> {
        self.inner
            .flush(timeout)
            .map_err(|e| Error::Kafka(format!("flush: {e}")))
    }
}
