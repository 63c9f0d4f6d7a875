//! A partition that resumed inside the last record batch of its topic
//! reads nothing: tansu answers the fetch from the next batch, there is
//! none, and the gap repair of [`forewarn_kafka::order`] only starts on a
//! later record, which may not come for a long time. So housekeeping
//! looks for owned partitions that read nothing for [`STALL`] although
//! their high watermark is past their next offset, and starts (or takes
//! the next step of) the same repair from there: a seek back before the
//! next offset, doubling, until the batch is served from its start.

use std::time::{Duration, Instant};

use forewarn_kafka::Watermark;
use forewarn_kafka::order;
use forewarn_scorer::Input;

use crate::internal_events::InternalEvent;
use crate::metrics::Stats;
use crate::worker::{Seek, Worker};

/// How long a partition behind its high watermark may read nothing before
/// the repair is started or continued.
pub(crate) const STALL: Duration = Duration::from_secs(1);

/// A stalled partition was sent back to read what the broker did not serve.
struct PartitionStalled<'a> {
    topic: &'a str,
    partition: i32,
    next: i64,
    high: i64,
    seek: i64,
}

impl InternalEvent for PartitionStalled<'_> {
    fn emit(self, _: &Stats) {
        tracing::info!(
            topic = self.topic,
            partition = self.partition,
            next = self.next,
            high = self.high,
            seek = self.seek,
            "nothing read although the broker holds more; reading again from before the next offset"
        );
    }
}

impl Worker {
    /// Where to seek the partitions that stalled (see the module's
    /// documentation), given the consumer's last `watermarks`.
    pub(crate) fn stalled(&mut self, watermarks: &[Watermark]) -> Vec<Seek> {
        let now = Instant::now();
        let mut out = Vec::new();
        for w in watermarks {
            let Some(part) = self.parts.get_mut(&w.tp.partition) else {
                continue;
            };
            let topic = w.tp.topic.as_str();
            let Some(&next) = part.next.get(topic) else {
                continue;
            };
            let input = if topic == self.topics.metrics {
                Input::Metrics
            } else if self.topics.logs.as_deref() == Some(topic) {
                Input::Logs
            } else {
                continue;
            };
            let read = part.read_at[input as usize].map(|(t, _)| t);
            let quiet = read.map_or(part.quiet_since, |r| r.max(part.quiet_since));
            if now.duration_since(quiet) < STALL {
                continue;
            }
            let Some((seek, r)) = order::stalled(next, w.high, part.repair.get(topic).copied())
            else {
                continue;
            };
            part.repair.insert(topic.to_string(), r);
            part.quiet_since = now;
            PartitionStalled {
                topic,
                partition: w.tp.partition,
                next,
                high: w.high,
                seek,
            }
            .emit(&self.stats);
            out.push(Seek {
                topic: topic.to_string(),
                partition: w.tp.partition,
                offset: seek,
            });
        }
        out
    }
}
