//! Start-up checks, before a client joins a group or produces: [`probe`]
//! reads the cluster's metadata (which topics exist) within a deadline and,
//! when no broker answers, fails naming the addresses tried and
//! librdkafka's own reason (e.g. `Connect to ipv4#127.0.0.1:1 failed:
//! Connection refused`); [`Cluster::missing`] says which of a run's topics
//! the broker does not have (brokers such as tansu create none on first
//! use, and a producer would otherwise fail every message after its
//! timeout).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rdkafka::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseProducer, Producer as _, ProducerContext};

use crate::error::Error;

/// What the brokers said at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cluster {
    /// Every topic and its partition count.
    pub topics: BTreeMap<String, usize>,
}

impl Cluster {
    /// Those of `names` the cluster does not have, in the order given.
    pub fn missing<'a>(&self, names: &[&'a str]) -> Vec<&'a str> {
        names
            .iter()
            .copied()
            .filter(|n| !self.topics.contains_key(*n))
            .collect()
    }
}

/// Keeps librdkafka's last error (it names the address) and logs nothing:
/// the probe says it once, itself.
#[derive(Default)]
struct Quiet {
    last: Mutex<Option<String>>,
}

impl ClientContext for Quiet {
    fn log(&self, _: RDKafkaLogLevel, _: &str, _: &str) {}

    fn error(&self, error: KafkaError, reason: &str) {
        // "1/1 brokers are down" follows every failed connection; the
        // failure itself (which names the address) says more.
        let generic = error.rdkafka_error_code() == Some(RDKafkaErrorCode::AllBrokersDown);
        if let Ok(mut l) = self.last.lock()
            && (l.is_none() || !generic)
        {
            *l = Some(if reason.is_empty() {
                error.to_string()
            } else {
                reason.to_string()
            });
        }
    }
}

impl ProducerContext for Quiet {
    type DeliveryOpaque = ();

    fn delivery(&self, _: &rdkafka::message::DeliveryResult<'_>, _: Self::DeliveryOpaque) {}
}

/// Read the cluster's metadata from `brokers`, trying until `timeout`
/// has passed. Says once (a warning) when the first try fails; fails with
/// [`Error::Unreachable`] at the deadline.
pub fn probe(
    brokers: &str,
    extra: &[(String, String)],
    timeout: Duration,
) -> Result<Cluster, Error> {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", brokers);
    for (k, v) in extra {
        cfg.set(k, v);
    }
    // A producer, because its poll serves librdkafka's error callback,
    // whose reason names the address (a metadata error does not).
    let client: BaseProducer<Quiet> =
        cfg.create_with_context(Quiet::default())
            .map_err(|source| Error::Client {
                client: "producer",
                source: source.into(),
            })?;
    let deadline = Instant::now() + timeout;
    let mut warned = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match client.client().fetch_metadata(
            None,
            left.clamp(Duration::from_millis(100), Duration::from_secs(2)),
        ) {
            Ok(md) => {
                return Ok(Cluster {
                    topics: md
                        .topics()
                        .iter()
                        .filter(|t| t.error().is_none())
                        .map(|t| (t.name().to_string(), t.partitions().len()))
                        .collect(),
                });
            }
            Err(e) => {
                client.poll(Duration::from_millis(200));
                let reason = client
                    .context()
                    .last
                    .lock()
                    .ok()
                    .and_then(|l| l.clone())
                    .unwrap_or_else(|| e.to_string());
                if Instant::now() >= deadline {
                    return Err(Error::Unreachable {
                        brokers: brokers.to_string(),
                        after: timeout,
                        reason,
                    });
                }
                if !warned {
                    tracing::warn!(
                        "cannot reach the Kafka broker(s) {brokers} yet: {reason}; trying again until the start-up deadline ({timeout:?})"
                    );
                    warned = true;
                }
                std::thread::sleep(left.min(Duration::from_millis(500)));
            }
        }
    }
}
