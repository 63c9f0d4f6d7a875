//! [`EmbeddedBroker`]: librdkafka's mock cluster, a Kafka-protocol broker
//! inside this process, reachable over TCP on 127.0.0.1 by any Kafka
//! client. It is the zero-setup broker of `forewarn demo`; it is librdkafka
//! talking to itself, so tests of Kafka behaviour use a real broker
//! process as well. Its broker can be taken down and brought back
//! ([`EmbeddedBroker::down`], [`EmbeddedBroker::up`]): the fault tests'
//! "broker gone mid-stream".

use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;

use crate::error::Error;

/// An in-process broker; stops when dropped.
pub struct EmbeddedBroker {
    cluster: MockCluster<'static, DefaultProducerContext>,
}

impl std::fmt::Debug for EmbeddedBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedBroker")
            .field("bootstrap", &self.bootstrap())
            .finish()
    }
}

impl EmbeddedBroker {
    /// Start one broker with `topics` (name, partitions) created.
    pub fn start(topics: &[(&str, i32)]) -> Result<Self, Error> {
        let cluster = MockCluster::new(1).map_err(|source| Error::Client {
            client: "embedded broker",
            source: source.into(),
        })?;
        for (name, partitions) in topics {
            cluster
                .create_topic(name, *partitions, 1)
                .map_err(|e| Error::CreateTopic {
                    topic: name.to_string(),
                    reason: e.to_string(),
                })?;
        }
        Ok(Self { cluster })
    }

    /// Its bootstrap address (`127.0.0.1:PORT`).
    pub fn bootstrap(&self) -> String {
        self.cluster.bootstrap_servers()
    }

    /// Take the broker down: its connections are closed and new ones
    /// refused until [`EmbeddedBroker::up`]; what it holds is kept.
    pub fn down(&self) -> Result<(), Error> {
        self.cluster.broker_down(1).map_err(|e| Error::Client {
            client: "embedded broker",
            source: e.into(),
        })
    }

    /// Bring the broker back after [`EmbeddedBroker::down`].
    pub fn up(&self) -> Result<(), Error> {
        self.cluster.broker_up(1).map_err(|e| Error::Client {
            client: "embedded broker",
            source: e.into(),
        })
    }
}
