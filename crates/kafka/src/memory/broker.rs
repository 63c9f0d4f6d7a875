//! [`MemoryBroker`]: the in-memory broker's state (topics of partitions
//! of records, consumer groups and their members, injected failures),
//! shared by its clones and by the [`super::MemorySource`]s and
//! [`super::MemorySink`]s made on it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::error::Error;
use crate::io::ReadTopic;
use crate::record::{Record, TopicPartition};

/// One member's view of its group.
#[derive(Debug, Default)]
pub(super) struct Member {
    pub(super) topics: Vec<String>,
    /// The newest generation whose revocation this member has done.
    pub(super) revoked: u64,
    /// Asked to leave: leaves after its next revocation.
    pub(super) leaving: bool,
}

#[derive(Debug, Default)]
pub(super) struct Group {
    pub(super) generation: u64,
    pub(super) members: BTreeMap<u64, Member>,
    pub(super) committed: BTreeMap<TopicPartition, i64>,
}

impl Group {
    pub(super) fn bump(&mut self) {
        self.generation += 1;
    }

    /// The range assignment of the current generation, once every member
    /// has revoked for it.
    pub(super) fn assignment(
        &self,
        topics: &BTreeMap<String, Vec<Vec<Record>>>,
        id: u64,
    ) -> Option<Vec<TopicPartition>> {
        if self.members.values().any(|m| m.revoked < self.generation) {
            return None;
        }
        let mut mine = Vec::new();
        let mut subscribed: Vec<&String> = self.members.values().flat_map(|m| &m.topics).collect();
        subscribed.sort();
        subscribed.dedup();
        for t in subscribed {
            let Some(parts) = topics.get(t) else { continue };
            let members: Vec<u64> = self
                .members
                .iter()
                .filter(|(_, m)| m.topics.contains(t))
                .map(|(id, _)| *id)
                .collect();
            let Some(i) = members.iter().position(|m| *m == id) else {
                continue;
            };
            // Kafka's range assignor: consecutive ranges, the first
            // members one longer when it does not divide evenly.
            let (n, k) = (parts.len(), members.len());
            let (each, extra) = (n / k, n % k);
            let start = i * each + i.min(extra);
            let len = each + usize::from(i < extra);
            mine.extend((start..start + len).map(|p| TopicPartition::new(t.clone(), p as i32)));
        }
        Some(mine)
    }
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) topics: BTreeMap<String, Vec<Vec<Record>>>,
    pub(super) groups: BTreeMap<String, Group>,
    next_member: u64,
    /// Deliveries still to fail, per topic.
    fail: BTreeMap<String, u64>,
    /// tansu's fetch: answered from the start of the next batch of this
    /// many records.
    pub(super) batch: Option<i64>,
}

/// [`MemoryBroker`]: a broker in memory, for tests of the runtime without
/// a broker process. Topics are vectors of partitions of [`Record`]s;
/// consumer groups have members ([`super::MemorySource`]) that share partitions
/// the way Kafka's eager "range" protocol does: a member joining or
/// leaving starts a new generation, every member revokes all it owns (its
/// [`crate::io::Rebalance`] handler commits then), and only when all have
/// done so is the new assignment handed out. A member dropped without
/// [`crate::io::Source::unsubscribe`] leaves without revoking, like a crashed
/// process whose session expired. [`super::MemorySink`] produces into it, with
/// delivery reports served on poll/flush; a test can make deliveries fail
/// ([`MemoryBroker::fail_next`]) and make fetches behave like tansu 0.6's
/// ([`MemoryBroker::batches`]: a fetch inside a batch is answered from the
/// next batch).
///
/// Clones share it.
#[derive(Debug, Clone, Default)]
pub struct MemoryBroker {
    state: Arc<Mutex<State>>,
}

impl MemoryBroker {
    /// An empty broker.
    pub fn new() -> Self {
        Self::default()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Create `topic` with `partitions` partitions, unless it exists.
    pub fn create_topic(&self, topic: &str, partitions: i32) {
        self.lock()
            .topics
            .entry(topic.to_string())
            .or_insert_with(|| vec![Vec::new(); partitions.max(1) as usize]);
    }

    /// Append a record to `topic` (created with one partition if it does
    /// not exist), partitioned by its key; returns (partition, offset).
    pub fn produce(
        &self,
        topic: &str,
        key: &[u8],
        payload: &[u8],
        headers: crate::record::Headers,
    ) -> (i32, i64) {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let mut s = self.lock();
        let parts = s
            .topics
            .entry(topic.to_string())
            .or_insert_with(|| vec![Vec::new()]);
        let p = partition_of(key, parts.len());
        let log = &mut parts[p];
        let offset = log.len() as i64;
        log.push(Record {
            topic: topic.to_string(),
            partition: p as i32,
            offset,
            key: key.to_vec(),
            payload: payload.to_vec(),
            headers,
            timestamp_ms: Some(ts),
        });
        (p as i32, offset)
    }

    /// Every record of `topic`, partition by partition.
    pub fn records(&self, topic: &str) -> Vec<Record> {
        self.lock()
            .topics
            .get(topic)
            .map(|parts| parts.iter().flatten().cloned().collect())
            .unwrap_or_default()
    }

    /// The end offset (next offset to be written) of each partition.
    pub fn end_offsets(&self, topic: &str) -> Vec<i64> {
        self.lock()
            .topics
            .get(topic)
            .map(|parts| parts.iter().map(|p| p.len() as i64).collect())
            .unwrap_or_default()
    }

    /// What `group` committed for `topic`, per partition (`None`: nothing).
    pub fn committed(&self, group: &str, topic: &str) -> Vec<Option<i64>> {
        let s = self.lock();
        let n = s.topics.get(topic).map_or(0, Vec::len);
        (0..n)
            .map(|p| {
                s.groups.get(group).and_then(|g| {
                    g.committed
                        .get(&TopicPartition::new(topic, p as i32))
                        .copied()
                })
            })
            .collect()
    }

    /// Whether `group` committed `topic` up to its end in every partition
    /// that has records.
    pub fn caught_up(&self, group: &str, topic: &str) -> bool {
        let ends = self.end_offsets(topic);
        let done = self.committed(group, topic);
        ends.iter()
            .zip(&done)
            .all(|(end, c)| *end == 0 || c.is_some_and(|c| c >= *end))
    }

    /// An id for a new member of a group.
    pub(super) fn member_id(&self) -> u64 {
        let mut s = self.lock();
        s.next_member += 1;
        s.next_member
    }

    /// Make the next `n` deliveries to `topic` fail (the messages are not
    /// written).
    pub fn fail_next(&self, topic: &str, n: u64) {
        *self.lock().fail.entry(topic.to_string()).or_default() += n;
    }

    /// Serve fetches like tansu 0.6: records come in batches of `size`
    /// offsets, and a fetch at an offset inside a batch is answered from
    /// the start of the next one.
    pub fn batches(&self, size: i64) {
        self.lock().batch = Some(size.max(1));
    }

    /// Take member `id` out of `group` as if its process died: no
    /// revocation; the others rebalance, and its next call fails.
    pub fn kill(&self, group: &str, id: u64) {
        let mut s = self.lock();
        if let Some(g) = s.groups.get_mut(group)
            && g.members.remove(&id).is_some()
        {
            g.bump();
        }
    }

    /// Members of `group` now.
    pub fn members(&self, group: &str) -> usize {
        self.lock().groups.get(group).map_or(0, |g| g.members.len())
    }

    pub(super) fn take_failure(&self, topic: &str) -> bool {
        let mut s = self.lock();
        match s.fail.get_mut(topic) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// The partition of `key` among `n`: a stable hash, so one key always
/// lands in one partition and co-partitioned topics agree.
fn partition_of(key: &[u8], n: usize) -> usize {
    // FNV-1a.
    let h = key.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    });
    (h % n.max(1) as u64) as usize
}

impl ReadTopic for MemoryBroker {
    fn read_topic(
        &self,
        topic: &str,
        _: Duration,
        each: &mut dyn FnMut(&Record),
    ) -> Result<(), Error> {
        self.records(topic).iter().for_each(each);
        Ok(())
    }
}
