//! [`MemorySource`]: a member of a consumer group of the
//! [`MemoryBroker`], with Kafka's eager rebalance protocol (see the
//! module's documentation) and, if asked, tansu's batch-granular fetches.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::broker::{Member, MemoryBroker};
use crate::error::Error;
use crate::io::{Commit, Rebalance, Source, Watermark};
use crate::record::{Record, TopicPartition};

/// A member of a consumer group of a [`MemoryBroker`].
#[derive(Debug)]
pub struct MemorySource {
    broker: MemoryBroker,
    group: String,
    id: u64,
    joined: bool,
    /// The generation of the partitions owned.
    generation: u64,
    owned: Vec<TopicPartition>,
    positions: BTreeMap<TopicPartition, i64>,
    /// Partitions whose fetch (re)starts at their position.
    fresh: BTreeSet<TopicPartition>,
    stored: BTreeMap<TopicPartition, i64>,
    cursor: usize,
}

impl MemorySource {
    /// A new member of `group` on `broker` (it joins on subscribe).
    pub fn new(broker: &MemoryBroker, group: &str) -> Self {
        Self {
            broker: broker.clone(),
            group: group.to_string(),
            id: broker.member_id(),
            joined: false,
            generation: 0,
            owned: Vec::new(),
            positions: BTreeMap::new(),
            fresh: BTreeSet::new(),
            stored: BTreeMap::new(),
            cursor: 0,
        }
    }

    /// This member's id in its group.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The partitions owned now.
    pub fn owned(&self) -> &[TopicPartition] {
        &self.owned
    }

    fn idle(timeout: Duration) {
        std::thread::sleep(timeout.min(Duration::from_millis(2)));
    }

    /// Revoke for the group's generation if not done yet; `true` when
    /// this member has just left the group.
    fn revoke_if_due(&mut self, handler: &mut dyn Rebalance) -> Result<bool, Error> {
        let (generation, due, leaving) = {
            let s = self.broker.lock();
            let g = s
                .groups
                .get(&self.group)
                .ok_or_else(|| Error::Memory(format!("no group {}", self.group)))?;
            let m = g
                .members
                .get(&self.id)
                .ok_or_else(|| Error::Memory(format!("member {} left {}", self.id, self.group)))?;
            (g.generation, m.revoked < g.generation, m.leaving)
        };
        if !due {
            return Ok(false);
        }
        let parts = std::mem::take(&mut self.owned);
        if !parts.is_empty() {
            handler.revoked(&parts, self);
        }
        self.positions.clear();
        self.fresh.clear();
        let mut s = self.broker.lock();
        let Some(g) = s.groups.get_mut(&self.group) else {
            return Ok(false);
        };
        if leaving {
            g.members.remove(&self.id);
            g.bump();
            self.joined = false;
            return Ok(true);
        }
        if let Some(m) = g.members.get_mut(&self.id) {
            m.revoked = generation;
        }
        Ok(false)
    }

    /// Take this generation's assignment once it is ready; `false` while
    /// other members have still to revoke.
    fn assign_if_due(&mut self, handler: &mut dyn Rebalance) -> bool {
        let (generation, parts, committed) = {
            let s = self.broker.lock();
            let Some(g) = s.groups.get(&self.group) else {
                return false;
            };
            if self.generation == g.generation {
                return true;
            }
            let Some(parts) = g.assignment(&s.topics, self.id) else {
                return false;
            };
            (g.generation, parts, g.committed.clone())
        };
        self.generation = generation;
        if let Some(starts) = handler.assigned(&parts) {
            let starts: BTreeMap<TopicPartition, i64> = starts.into_iter().collect();
            for tp in &parts {
                let at = starts
                    .get(tp)
                    .or_else(|| committed.get(tp))
                    .copied()
                    .unwrap_or(0);
                self.positions.insert(tp.clone(), at);
                self.fresh.insert(tp.clone());
            }
            self.owned = parts;
        }
        true
    }

    /// The next record of an owned partition, round robin.
    fn fetch(&mut self) -> Option<Record> {
        let s = self.broker.lock();
        let n = self.owned.len();
        for i in 0..n {
            let tp = &self.owned[(self.cursor + i) % n];
            let Some(log) = s
                .topics
                .get(&tp.topic)
                .and_then(|t| t.get(tp.partition as usize))
            else {
                continue;
            };
            let mut at = self.positions.get(tp).copied().unwrap_or(0);
            if let Some(b) = s.batch
                && self.fresh.contains(tp)
            {
                // A fetch inside a batch is answered from the next one.
                at = (at + b - 1) / b * b;
            }
            let Some(r) = log.get(at as usize) else {
                continue;
            };
            self.fresh.remove(tp);
            self.positions.insert(tp.clone(), at + 1);
            self.cursor = (self.cursor + i + 1) % n;
            return Some(r.clone());
        }
        None
    }
}

impl Commit for MemorySource {
    fn commit(&mut self, offsets: &[(TopicPartition, i64)]) -> Result<(), Error> {
        let mut s = self.broker.lock();
        let g = s
            .groups
            .get_mut(&self.group)
            .filter(|g| g.members.contains_key(&self.id))
            .ok_or_else(|| Error::Memory(format!("member {} is not in {}", self.id, self.group)))?;
        for (tp, o) in offsets {
            g.committed.insert(tp.clone(), *o);
        }
        Ok(())
    }
}

impl Source for MemorySource {
    fn subscribe(&mut self, topics: &[&str]) -> Result<(), Error> {
        let mut s = self.broker.lock();
        let g = s.groups.entry(self.group.clone()).or_default();
        g.bump();
        let generation = g.generation;
        g.members.insert(
            self.id,
            Member {
                topics: topics.iter().map(|t| t.to_string()).collect(),
                revoked: generation,
                leaving: false,
            },
        );
        self.joined = true;
        Ok(())
    }

    fn poll(
        &mut self,
        timeout: Duration,
        rebalance: &mut dyn Rebalance,
    ) -> Result<Option<Record>, Error> {
        if !self.joined {
            Self::idle(timeout);
            return Ok(None);
        }
        if self.revoke_if_due(rebalance)? {
            return Ok(None);
        }
        if !self.assign_if_due(rebalance) {
            Self::idle(timeout);
            return Ok(None);
        }
        let r = self.fetch();
        if r.is_none() {
            Self::idle(timeout);
        }
        Ok(r)
    }

    fn seek(&mut self, topic: &str, partition: i32, offset: i64) -> Result<(), Error> {
        let tp = TopicPartition::new(topic, partition);
        if !self.owned.contains(&tp) {
            return Err(Error::Memory(format!("{topic}/{partition} is not owned")));
        }
        self.positions.insert(tp.clone(), offset);
        self.fresh.insert(tp);
        Ok(())
    }

    fn store_offset(&mut self, topic: &str, partition: i32, offset: i64) -> Result<(), Error> {
        self.stored
            .insert(TopicPartition::new(topic, partition), offset);
        // Auto-commit without an interval.
        self.commit_stored()
    }

    fn commit_stored(&mut self) -> Result<(), Error> {
        let stored: Vec<(TopicPartition, i64)> =
            std::mem::take(&mut self.stored).into_iter().collect();
        self.commit(&stored)
    }

    fn unsubscribe(&mut self) {
        let mut s = self.broker.lock();
        if let Some(g) = s.groups.get_mut(&self.group)
            && let Some(m) = g.members.get_mut(&self.id)
        {
            m.leaving = true;
            g.bump();
        }
    }

    fn watermarks(&self) -> Vec<Watermark> {
        let s = self.broker.lock();
        self.owned
            .iter()
            .map(|tp| Watermark {
                tp: tp.clone(),
                low: 0,
                high: s
                    .topics
                    .get(&tp.topic)
                    .and_then(|t| t.get(tp.partition as usize))
                    .map_or(-1, |l| l.len() as i64),
                committed: s
                    .groups
                    .get(&self.group)
                    .and_then(|g| g.committed.get(tp).copied())
                    .unwrap_or(-1),
            })
            .collect()
    }
}

impl Drop for MemorySource {
    /// Leave without revoking: a crashed member whose session expired.
    fn drop(&mut self) {
        if !self.joined {
            return;
        }
        let mut s = self.broker.lock();
        if let Some(g) = s.groups.get_mut(&self.group)
            && g.members.remove(&self.id).is_some()
        {
            g.bump();
        }
    }
}
