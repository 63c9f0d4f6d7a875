//! Create the topics a run needs before it produces: brokers such as tansu
//! do not create topics on first use, and a producer would otherwise time
//! out on every message. A topic that already exists is fine. And read one
//! setting of a topic back ([`topic_config`]), e.g. that the checkpoint
//! topic is compacted.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::types::RDKafkaErrorCode;

use crate::error::Error;

/// A topic to create: name, partitions and topic-level settings (e.g.
/// `cleanup.policy=compact`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec<'a> {
    /// Topic name.
    pub name: &'a str,
    /// Partitions.
    pub partitions: i32,
    /// Topic-level settings.
    pub config: Vec<(&'a str, &'a str)>,
}

/// Create each of `topics` with `partitions` partitions (replication 1)
/// unless it exists, waiting up to `timeout`.
pub fn ensure_topics(
    brokers: &str,
    extra: &[(String, String)],
    topics: &[&str],
    partitions: i32,
    timeout: Duration,
) -> Result<(), Error> {
    let specs: Vec<TopicSpec<'_>> = topics
        .iter()
        .map(|name| TopicSpec {
            name,
            partitions,
            config: Vec::new(),
        })
        .collect();
    ensure(brokers, extra, &specs, timeout)
}

/// Create each topic of `specs` (replication 1) unless it exists, waiting
/// up to `timeout`.
pub fn ensure(
    brokers: &str,
    extra: &[(String, String)],
    specs: &[TopicSpec<'_>],
    timeout: Duration,
) -> Result<(), Error> {
    let admin = admin(brokers, extra)?;
    let new: Vec<NewTopic<'_>> = specs
        .iter()
        .map(|t| {
            t.config.iter().fold(
                NewTopic::new(t.name, t.partitions, TopicReplication::Fixed(1)),
                |n, (k, v)| n.set(k, v),
            )
        })
        .collect();
    let topics: Vec<&str> = specs.iter().map(|t| t.name).collect();
    let opts = AdminOptions::new()
        .operation_timeout(Some(timeout))
        .request_timeout(Some(timeout));
    let results = block_on(admin.create_topics(&new, &opts)).map_err(|e| Error::CreateTopic {
        topic: topics.join(","),
        reason: e.to_string(),
    })?;
    for r in results {
        match r {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(Error::CreateTopic {
                    topic,
                    reason: code.to_string(),
                });
            }
        }
    }
    Ok(())
}

fn admin(
    brokers: &str,
    extra: &[(String, String)],
) -> Result<AdminClient<DefaultClientContext>, Error> {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", brokers);
    for (k, v) in extra {
        cfg.set(k, v);
    }
    cfg.create().map_err(|source| Error::Client {
        client: "admin client",
        source: source.into(),
    })
}

/// The value of setting `key` of `topic` (DescribeConfigs), `None` when
/// the broker does not report it; an error when the broker does not
/// answer the request (not every Kafka-protocol broker implements it).
pub fn topic_config(
    brokers: &str,
    extra: &[(String, String)],
    topic: &str,
    key: &str,
    timeout: Duration,
) -> Result<Option<String>, Error> {
    let failed = |reason: String| Error::DescribeConfigs {
        topic: topic.to_string(),
        reason,
    };
    let admin = admin(brokers, extra)?;
    let opts = AdminOptions::new().request_timeout(Some(timeout));
    let results = block_on(admin.describe_configs(&[ResourceSpecifier::Topic(topic)], &opts))
        .map_err(|e| failed(e.to_string()))?;
    match results.into_iter().next() {
        Some(Ok(resource)) => Ok(resource.get(key).and_then(|e| e.value.clone())),
        Some(Err(code)) => Err(failed(code.to_string())),
        None => Err(failed("no answer".to_string())),
    }
}

/// Wakes the thread that waits in [`block_on`].
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Run one future to completion on this thread. The admin client's futures
/// are completed by librdkafka's own threads, so parking until woken is all
/// the executor they need (no async runtime for one call).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}
