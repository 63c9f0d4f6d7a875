//! [`MemorySink`]: a producer into a [`MemoryBroker`]. A message
//! is written when sent (unless [`MemoryBroker::fail_next`] makes
//! it fail); its delivery report is served, like librdkafka's, by the
//! next poll or flush.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use super::broker::MemoryBroker;
use crate::error::Error;
use crate::io::Sink;
use crate::record::{Deliveries, Delivery, DeliveryHook, Outgoing};

/// Why an in-memory delivery failed.
#[derive(Debug, thiserror::Error)]
#[error("delivery to {0} failed (injected)")]
pub struct InjectedFailure(String);

/// A producer into a [`MemoryBroker`].
pub struct MemorySink {
    broker: MemoryBroker,
    /// Reports not served yet: (topic, tag, failed).
    pending: Mutex<Vec<(String, i64, bool)>>,
    acked: AtomicU64,
    failed: AtomicU64,
    hook: RwLock<Option<DeliveryHook>>,
}

impl std::fmt::Debug for MemorySink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemorySink")
            .field("deliveries", &self.deliveries())
            .finish_non_exhaustive()
    }
}

impl MemorySink {
    /// A producer into `broker`.
    pub fn new(broker: &MemoryBroker) -> Self {
        Self {
            broker: broker.clone(),
            pending: Mutex::new(Vec::new()),
            acked: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            hook: RwLock::new(None),
        }
    }
}

impl Sink for MemorySink {
    fn send(&self, m: Outgoing<'_>) -> Result<(), Error> {
        let failed = self.broker.take_failure(m.topic);
        if !failed {
            self.broker
                .produce(m.topic, m.key, m.payload, m.headers.to_vec());
        }
        if let Ok(mut p) = self.pending.lock() {
            p.push((m.topic.to_string(), m.tag, failed));
        }
        Ok(())
    }

    fn poll(&self) {
        let pending = self
            .pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        let hook = self.hook.read().map(|h| h.clone()).unwrap_or_default();
        for (topic, tag, failed) in pending {
            let e = InjectedFailure(topic.clone());
            if failed {
                self.failed.fetch_add(1, Ordering::Relaxed);
            } else {
                self.acked.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(h) = &hook {
                h(&Delivery {
                    topic: &topic,
                    tag,
                    error: failed.then_some(&e as &(dyn std::error::Error + 'static)),
                });
            }
        }
    }

    fn flush(&self, _: Duration) -> Result<Deliveries, Error> {
        Sink::poll(self);
        Ok(self.deliveries())
    }

    fn deliveries(&self) -> Deliveries {
        Deliveries {
            acked: self.acked.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }

    fn on_delivery(&self, hook: DeliveryHook) {
        if let Ok(mut h) = self.hook.write() {
            *h = Some(hook);
        }
    }
}
