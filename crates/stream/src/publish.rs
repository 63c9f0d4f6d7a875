//! [`Publisher`]: the runtime's one producer ([`forewarn_kafka::Sink`]),
//! for predicted-issue and optimization events, dead letters and
//! checkpoints. An event carries, as its tag, the Kafka timestamp of the
//! record that caused it, so its acknowledgement measures end-to-end
//! latency (record produced → event acknowledged); a checkpoint chunk
//! carries [`CHUNK_TAG`], so the worker can tell when a checkpoint written
//! in the background is all acknowledged; other messages carry 0. Failed
//! deliveries are counted; the worker refuses to commit offsets past a
//! failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use forewarn_kafka::{Delivery, Outgoing, Sink};

use crate::error::Error;
use crate::internal_events::{DeliveryFailed, EventAcknowledged, InternalEvent};
use crate::metrics::Stats;

/// The tag of a checkpoint chunk.
const CHUNK_TAG: i64 = -1;

/// The runtime's producer.
pub(crate) struct Publisher {
    sink: Arc<dyn Sink>,
    stats: Arc<Stats>,
    /// Checkpoint chunks queued, and acknowledged.
    chunks_sent: AtomicU64,
    chunks_acked: Arc<AtomicU64>,
}

impl Publisher {
    /// Publish through `sink`, whose delivery reports are counted in
    /// `stats` from now on.
    pub(crate) fn new(sink: Arc<dyn Sink>, stats: Arc<Stats>) -> Self {
        let s = Arc::clone(&stats);
        let chunks_acked = Arc::new(AtomicU64::new(0));
        let acked = Arc::clone(&chunks_acked);
        sink.on_delivery(Arc::new(move |d: &Delivery<'_>| match d.error {
            None if d.tag == CHUNK_TAG => {
                acked.fetch_add(1, Ordering::Relaxed);
            }
            None => EventAcknowledged { source_ms: d.tag }.emit(&s),
            Some(e) => DeliveryFailed {
                topic: d.topic,
                error: &e,
            }
            .emit(&s),
        }));
        Self {
            sink,
            stats,
            chunks_sent: AtomicU64::new(0),
            chunks_acked,
        }
    }

    /// Queue one checkpoint chunk (or manifest).
    pub(crate) fn send_chunk(&self, topic: &str, key: &[u8], payload: &[u8]) -> Result<(), Error> {
        self.send(topic, key, payload, &[], CHUNK_TAG)?;
        self.chunks_sent.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Checkpoint chunks queued and not yet acknowledged (failed ones
    /// stay here: the failure is counted in the stats).
    pub(crate) fn chunks_unacked(&self) -> u64 {
        let acked = self.chunks_acked.load(Ordering::Relaxed);
        self.chunks_sent
            .load(Ordering::Relaxed)
            .saturating_sub(acked)
    }

    /// Queue one message; `source_ms` is the timestamp of the record that
    /// caused an event (0 for other messages).
    pub(crate) fn send(
        &self,
        topic: &str,
        key: &[u8],
        payload: &[u8],
        headers: &[(String, Vec<u8>)],
        source_ms: i64,
    ) -> Result<(), Error> {
        let m = Outgoing {
            topic,
            key,
            payload,
            headers,
            tag: source_ms,
        };
        self.sink.send(m).map_err(|source| {
            DeliveryFailed {
                topic,
                error: &source,
            }
            .emit(&self.stats);
            Error::Produce {
                topic: topic.to_string(),
                source,
            }
        })
    }

    /// Serve delivery reports without blocking.
    pub(crate) fn poll(&self) {
        self.sink.poll();
    }

    /// Wait until every queued message is acknowledged (or failed).
    pub(crate) fn flush(&self, timeout: Duration) -> Result<(), Error> {
        self.sink.flush(timeout).map(|_| ()).map_err(Error::Flush)
    }
}
