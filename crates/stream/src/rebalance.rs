//! The worker's side of a rebalance and of a checkpoint: taking on the
//! partitions of an assignment (state from the checkpoint topic, else
//! cold, each topic-partition started where its state stops), giving them
//! up (checkpoint and commit first), and [`Worker::checkpoint`]: wait until
//! every event produced so far is acknowledged, write each dirty
//! partition's state, wait for that too, and only then commit the offsets
//! the state corresponds to. A crash between two checkpoints replays from
//! the last one, with the state of that moment, so the replay raises the
//! same events with the same ids (at-least-once, duplicates only at id
//! level).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use forewarn_kafka::{Commit, Rebalance, TopicPartition};
use forewarn_scorer::{Input, Scorer};

use crate::checkpoint::{self, PartitionCheckpointRef};
use crate::clock::Clock;
use crate::error::Error;
use crate::internal_events::{
    CheckpointWritten, InternalEvent, PartitionRestored, PartitionStarted, PartitionsAssigned,
    PartitionsRevoked, RunStoppedError,
};
use crate::worker::{Partition, Worker};

impl Worker {
    fn fresh(&self) -> Result<Scorer, Error> {
        Scorer::new(
            self.pipeline.clone(),
            self.model.clone(),
            self.opts.scorer.clone(),
        )
        .map_err(Error::from)
    }

    /// Take on the partitions of an assignment: state from the checkpoint
    /// topic, else cold. Returns where each topic-partition starts (where
    /// its state stops). (Every assignment reads its state back, even of
    /// partitions this process just gave up: one path, the one a crash
    /// takes too.)
    pub(crate) fn assign(
        &mut self,
        tps: &[TopicPartition],
    ) -> Result<Vec<(TopicPartition, i64)>, Error> {
        let mut numbers: Vec<i32> = tps.iter().map(|e| e.partition).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let mut loaded = checkpoint::load(
            self.checkpoints.as_ref(),
            &self.topics.checkpoints,
            &self.opts.group,
            &self.topics.metrics,
            &numbers,
            Duration::from_secs(60),
        )?;
        for p in numbers {
            let part = match loaded.remove(&p) {
                Some(cp) if cp.fingerprint == self.fingerprint => {
                    let (scorer, r) = Scorer::restore(
                        self.pipeline.clone(),
                        self.model.clone(),
                        self.opts.scorer.clone(),
                        cp.state,
                    )?;
                    PartitionRestored {
                        partition: p,
                        series: r.series,
                        refused: r.refused,
                    }
                    .emit(&self.stats);
                    let read_at = [Input::Metrics, Input::Logs]
                        .map(|i| scorer.clock_ms(i).map(|n| (Instant::now(), n)));
                    Partition {
                        clock: Clock::starting_at(scorer.newest_ms()),
                        scorer,
                        next: cp.offsets.into_iter().collect(),
                        repair: BTreeMap::new(),
                        dirty: false,
                        read_at,
                        quiet_since: std::time::Instant::now(),
                    }
                }
                other => {
                    PartitionStarted {
                        partition: p,
                        mismatch: other.is_some(),
                    }
                    .emit(&self.stats);
                    Partition {
                        scorer: self.fresh()?,
                        next: BTreeMap::new(),
                        repair: BTreeMap::new(),
                        dirty: false,
                        read_at: [None, None],
                        quiet_since: std::time::Instant::now(),
                        clock: Clock::default(),
                    }
                }
            };
            self.parts.insert(p, part);
        }
        // Start each topic-partition where its state stops.
        Ok(tps
            .iter()
            .filter_map(|tp| {
                let o = *self.parts.get(&tp.partition)?.next.get(&tp.topic)?;
                Some((tp.clone(), o))
            })
            .collect())
    }

    /// Give up every partition (eager rebalance or shutdown): checkpoint
    /// and commit what is dirty, then drop the states.
    pub(crate) fn revoke(&mut self, commit: &mut dyn Commit) -> Result<(), Error> {
        let r = self.checkpoint(commit);
        let read: Vec<(String, i32)> = self
            .parts
            .iter()
            .flat_map(|(p, part)| part.next.keys().map(move |t| (t.clone(), *p)))
            .collect();
        let owned = self.partitions();
        // On a failed checkpoint the runner stops; the states go either way,
        // since the partitions are no longer ours.
        self.parts.clear();
        // Whoever owns them now checks where their services arrive.
        for p in &owned {
            self.homes.forget(*p);
        }
        PartitionsRevoked {
            read: &read,
            partitions: &owned,
        }
        .emit(&self.stats);
        r
    }

    /// Wait for every event, write each dirty partition's checkpoint, wait
    /// for those, then commit the offsets they stop at. Refuses to commit
    /// when any message since the last checkpoint failed: the next start
    /// replays those records instead.
    pub(crate) fn checkpoint(&mut self, commit: &mut dyn Commit) -> Result<(), Error> {
        if !self.parts.values().any(|p| p.dirty) {
            return Ok(());
        }
        let flush = Duration::from_secs(60);
        self.publisher.flush(flush)?;
        self.check_deliveries()?;
        self.epoch += 1;
        let mut offsets = Vec::new();
        let mut written = Vec::new();
        for (p, part) in self.parts.iter_mut().filter(|(_, x)| x.dirty) {
            let cp = PartitionCheckpointRef {
                offsets: part.next.iter().map(|(t, o)| (t.as_str(), *o)).collect(),
                fingerprint: &self.fingerprint,
                state: part.scorer.state_ref(),
            };
            let n = checkpoint::write(
                &self.publisher,
                &self.topics.checkpoints,
                &self.opts.group,
                &self.topics.metrics,
                *p,
                self.epoch,
                &cp,
            )?;
            written.push((*p, n, part.next.clone()));
            for (t, o) in &part.next {
                offsets.push((TopicPartition::new(t.clone(), *p), *o));
            }
            part.dirty = false;
        }
        self.publisher.flush(flush)?;
        self.check_deliveries()?;
        // Counted only now: the broker has acknowledged every chunk.
        for (partition, bytes, offsets) in &written {
            CheckpointWritten {
                partition: *partition,
                epoch: self.epoch,
                bytes: *bytes,
                offsets,
            }
            .emit(&self.stats);
        }
        match commit.commit(&offsets) {
            // Evicted from the group (a broker outage longer than the
            // session) or mid-rebalance: the checkpoints just written hold
            // these offsets, the member rejoins by itself and the next
            // checkpoint commits again. Stopping here would take the
            // scorer down exactly when the broker comes back.
            Err(e) if e.is_group_moved_on() => {
                tracing::warn!(
                    "offsets not committed: {e}; the group moved on (this member rejoins; the checkpoints written hold the offsets)"
                );
                Ok(())
            }
            r => r.map_err(Error::Commit),
        }
    }

    /// Fails with the number of messages that failed since the last
    /// check (every report is in: the caller flushed first).
    fn check_deliveries(&mut self) -> Result<(), Error> {
        let failed = self.stats.delivery_failed.get();
        if failed != self.failed_at_last_checkpoint {
            let since = failed - self.failed_at_last_checkpoint;
            self.failed_at_last_checkpoint = failed;
            return Err(Error::Delivery(since));
        }
        Ok(())
    }

    /// Keep the first failure met inside a rebalance for the loop.
    fn fail(&mut self, e: Error) {
        RunStoppedError { error: &e }.emit(&self.stats);
        self.error.get_or_insert(e);
    }
}

impl Rebalance for Worker {
    fn assigned(&mut self, parts: &[TopicPartition]) -> Option<Vec<(TopicPartition, i64)>> {
        match self.assign(parts) {
            Ok(starts) => {
                PartitionsAssigned {
                    partitions: &self.partitions(),
                }
                .emit(&self.stats);
                Some(starts)
            }
            Err(e) => {
                self.fail(e);
                None
            }
        }
    }

    fn revoked(&mut self, _: &[TopicPartition], commit: &mut dyn Commit) {
        if let Err(e) = self.revoke(commit) {
            self.fail(e);
        }
    }
}
