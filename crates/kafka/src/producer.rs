//! [`Producer`]: an rdkafka `BaseProducer` whose delivery reports are
//! counted. `send` retries while librdkafka's local queue is full (serving
//! delivery reports meanwhile); `flush` waits for every report and returns
//! how many messages the broker acknowledged and how many failed, so a
//! caller can refuse to call a run successful when any was lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer as _, ProducerContext};

/// Errors of the Kafka edge.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A client setting was refused by librdkafka.
    #[error("invalid Kafka client setting: {0}")]
    Config(String),
    /// librdkafka refused a message for good.
    #[error("could not produce to {topic}: {source}")]
    Produce {
        /// The topic.
        topic: String,
        /// librdkafka's reason.
        source: KafkaError,
    },
    /// A topic could not be created.
    #[error("could not create topic {topic}: {reason}")]
    CreateTopic {
        /// The topic.
        topic: String,
        /// The broker's or client's reason.
        reason: String,
    },
    /// Reports were still missing when the flush timed out.
    #[error("flush timed out with deliveries outstanding: {0}")]
    Flush(KafkaError),
}

/// Delivery counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deliveries {
    /// Messages the broker acknowledged.
    pub acked: u64,
    /// Messages that failed for good.
    pub failed: u64,
}

#[derive(Default)]
struct Counts {
    acked: AtomicU64,
    failed: AtomicU64,
}

struct Context(Arc<Counts>);

impl ClientContext for Context {}

impl ProducerContext for Context {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: Self::DeliveryOpaque) {
        match result {
            Ok(_) => self.0.acked.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.0.failed.fetch_add(1, Ordering::Relaxed),
        };
    }
}

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
    /// A producer for `brokers` (`host:port[,host:port...]`) with extra
    /// librdkafka properties (`security.protocol`, `sasl.*`, `ssl.*`, ...).
    /// Waits for all in-sync replicas' acknowledgement by default.
    pub fn new(brokers: &str, extra: &[(String, String)]) -> Result<Self, Error> {
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", brokers)
            .set("acks", "all")
            .set("linger.ms", "20")
            .set("compression.type", "lz4")
            .set("queue.buffering.max.messages", "1000000");
        for (k, v) in extra {
            cfg.set(k, v);
        }
        let counts = Arc::new(Counts::default());
        let inner = cfg
            .create_with_context(Context(Arc::clone(&counts)))
            .map_err(|e| Error::Config(e.to_string()))?;
        Ok(Self { inner, counts })
    }

    /// Queue one message; waits while the local queue is full.
    pub fn send(&self, topic: &str, key: &[u8], payload: &[u8]) -> Result<(), Error> {
        self.send_with(topic, key, payload, None)
    }

    /// Queue one message with headers; waits while the local queue is full.
    pub fn send_with(
        &self,
        topic: &str,
        key: &[u8],
        payload: &[u8],
        headers: Option<OwnedHeaders>,
    ) -> Result<(), Error> {
        let mut record = BaseRecord::to(topic).key(key).payload(payload);
        if let Some(h) = headers {
            record = record.headers(h);
        }
        loop {
            match self.inner.send(record) {
                Ok(()) => {
                    self.inner.poll(Duration::ZERO);
                    return Ok(());
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                    record = r;
                    self.inner.poll(Duration::from_millis(10));
                }
                Err((source, _)) => {
                    return Err(Error::Produce {
                        topic: topic.to_string(),
                        source,
                    });
                }
            }
        }
    }

    /// Serve pending delivery reports without blocking.
    pub fn poll(&self) {
        self.inner.poll(Duration::ZERO);
    }

    /// Wait up to `timeout` for every outstanding delivery report.
    pub fn flush(&self, timeout: Duration) -> Result<Deliveries, Error> {
        self.inner.flush(timeout).map_err(Error::Flush)?;
        Ok(self.deliveries())
    }

    /// Counts so far.
    pub fn deliveries(&self) -> Deliveries {
        Deliveries {
            acked: self.counts.acked.load(Ordering::Relaxed),
            failed: self.counts.failed.load(Ordering::Relaxed),
        }
    }
}

/// Headers of a dead letter: where the record came from and why it was
/// refused (its payload is the record's bytes, unchanged).
pub fn dead_letter_headers(topic: &str, partition: i32, offset: i64, reason: &str) -> OwnedHeaders {
    let (p, o) = (partition.to_string(), offset.to_string());
    OwnedHeaders::new_with_capacity(4)
        .insert(Header {
            key: "forewarn.source.topic",
            value: Some(topic),
        })
        .insert(Header {
            key: "forewarn.source.partition",
            value: Some(&p),
        })
        .insert(Header {
            key: "forewarn.source.offset",
            value: Some(&o),
        })
        .insert(Header {
            key: "forewarn.reason",
            value: Some(reason),
        })
}
