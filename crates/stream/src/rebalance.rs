//! The worker's side of a rebalance and of a checkpoint: taking on the
//! partitions of an assignment (state from the checkpoint topic, else
//! cold, each topic-partition started where its state stops), giving them
//! up (checkpoint and commit first), and [`Worker::checkpoint`]: wait until
//! every event produced so far is acknowledged, write each dirty
//! partition's state, wait for that too, and only then commit the offsets
//! the state corresponds to (the periodic checkpoint waits for its state
//! in the background: [`Worker::checkpoint_in_background`]). A crash
//! between two checkpoints replays from the last one, with the state of
//! that moment, so the replay raises the same events with the same ids
//! (at-least-once, duplicates only at id level).

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
use crate::worker::{Partition, Pending, Worker};

impl Worker {
    fn fresh(&self) -> Result<Scorer, Error> {
        let mut scorer = Scorer::new(
            self.pipeline.clone(),
            self.model.clone(),
            self.opts.scorer.clone(),
        )?;
        scorer.expect_inputs();
        Ok(scorer)
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
                    let (mut scorer, r) = Scorer::restore(
                        self.pipeline.clone(),
                        self.model.clone(),
                        self.opts.scorer.clone(),
                        cp.state,
                    )?;
                    scorer.expect_inputs();
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
                        taken_at: Instant::now(),
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
                        taken_at: Instant::now(),
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
    /// replays those records instead. (Revocation and shutdown; the
    /// periodic checkpoint waits in the background, see
    /// [`Worker::checkpoint_in_background`].)
    pub(crate) fn checkpoint(&mut self, commit: &mut dyn Commit) -> Result<(), Error> {
        self.checkpoint_in_background(commit)?;
        self.finish_pending(commit)
    }

    /// The same, but the scorer goes on while the broker takes the chunks
    /// (a checkpoint of a few MB held the loop ~0.1 s, the p99 of events
    /// caused meanwhile): [`Worker::poll_checkpoint`] commits once every
    /// chunk is acknowledged. Events are still all acknowledged before the
    /// state is written, so no state is ever ahead of its events.
    pub(crate) fn checkpoint_in_background(
        &mut self,
        commit: &mut dyn Commit,
    ) -> Result<(), Error> {
        self.finish_pending(commit)?;
        self.pending = self.write_checkpoint()?;
        Ok(())
    }

    /// Commit the checkpoint written in the background once the broker
    /// has acknowledged all of it; fails as soon as any message failed.
    pub(crate) fn poll_checkpoint(&mut self, commit: &mut dyn Commit) -> Result<(), Error> {
        if self.pending.is_none() {
            return Ok(());
        }
        self.check_deliveries()?;
        if self.publisher.chunks_unacked() == 0
            && let Some(pending) = self.pending.take()
        {
            self.committed(pending, commit)?;
        }
        Ok(())
    }

    /// Wait for a checkpoint written in the background, then commit it.
    fn finish_pending(&mut self, commit: &mut dyn Commit) -> Result<(), Error> {
        if let Some(pending) = self.pending.take() {
            self.publisher.flush(Duration::from_secs(60))?;
            self.check_deliveries()?;
            self.committed(pending, commit)?;
        }
        Ok(())
    }

    /// Wait for every event, then queue each dirty partition's checkpoint;
    /// `None` when nothing is dirty.
    fn write_checkpoint(&mut self) -> Result<Option<Pending>, Error> {
        if !self.parts.values().any(|p| p.dirty) {
            return Ok(None);
        }
        self.publisher.flush(Duration::from_secs(60))?;
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
        Ok(Some(Pending {
            epoch: self.epoch,
            offsets,
            written,
        }))
    }

    /// Every chunk of `pending` is acknowledged: count it, commit its
    /// offsets.
    fn committed(&mut self, pending: Pending, commit: &mut dyn Commit) -> Result<(), Error> {
        for (partition, bytes, offsets) in &pending.written {
            CheckpointWritten {
                partition: *partition,
                epoch: pending.epoch,
                bytes: *bytes,
                offsets,
            }
            .emit(&self.stats);
        }
        match commit.commit(&pending.offsets) {
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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use forewarn_kafka::{
        Commit, Deliveries, DeliveryHook, Error as KafkaError, MemoryBroker, MemorySink, Outgoing,
        Record, Sink, TopicPartition,
    };
    use forewarn_models::artifact::Artifact;
    use forewarn_sim::{Fleet, SimConfig};

    use crate::options::{ScoreOptions, Topics};
    use crate::{Stats, worker::Worker};

    /// A producer whose acknowledgements wait until `release`: the broker
    /// taking its time over a large checkpoint.
    struct Held {
        inner: MemorySink,
        release: AtomicBool,
    }

    impl Sink for Held {
        fn send(&self, m: Outgoing<'_>) -> Result<(), KafkaError> {
            self.inner.send(m)
        }
        fn poll(&self) {
            if self.release.load(Ordering::Relaxed) {
                self.inner.poll();
            }
        }
        fn flush(&self, timeout: Duration) -> Result<Deliveries, KafkaError> {
            self.inner.flush(timeout)
        }
        fn deliveries(&self) -> Deliveries {
            self.inner.deliveries()
        }
        fn on_delivery(&self, hook: DeliveryHook) {
            self.inner.on_delivery(hook);
        }
    }

    #[derive(Default)]
    struct Commits(Vec<Vec<(TopicPartition, i64)>>);

    impl Commit for Commits {
        fn commit(&mut self, offsets: &[(TopicPartition, i64)]) -> Result<(), KafkaError> {
            self.0.push(offsets.to_vec());
            Ok(())
        }
    }

    /// The periodic checkpoint does not hold the scorer while the broker
    /// takes the state: records are scored meanwhile, nothing is counted
    /// or committed until every chunk is acknowledged, and then the
    /// offsets committed are those the state stops at, not the later ones.
    #[test]
    fn a_background_checkpoint_commits_its_own_offsets_once_all_acknowledged() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let pipeline = forewarn_config::load(&root.join("datasets/sample/pipeline.yaml")).unwrap();
        let model = Artifact::load_for(&root.join("models/default"), &pipeline.features.hash())
            .unwrap()
            .model;
        let topics = Topics::of(&pipeline);
        let b = MemoryBroker::new();
        for t in [
            &topics.predictions,
            &topics.optimizations,
            &topics.dead_letter,
        ] {
            b.create_topic(t, 1);
        }
        b.create_topic(&topics.checkpoints, 1);
        let sink = Arc::new(Held {
            inner: MemorySink::new(&b),
            release: AtomicBool::new(false),
        });
        let stats = Arc::new(Stats::new(false));
        let mut opts = ScoreOptions::new("memory");
        opts.group = "g".into();
        let mut w = Worker::new(
            pipeline,
            model,
            opts,
            sink.clone(),
            Box::new(b.clone()),
            Arc::clone(&stats),
        )
        .unwrap();
        let tp = TopicPartition::new(topics.metrics.clone(), 0);
        assert_eq!(w.assign(std::slice::from_ref(&tp)).unwrap().len(), 0);
        let cfg = SimConfig {
            services: 2,
            duration: "2h".parse().unwrap(),
            interval: "60s".parse().unwrap(),
            ..SimConfig::default()
        };
        let samples: Vec<Vec<u8>> = Fleet::new(&cfg)
            .unwrap()
            .flat_map(|b| b.metrics)
            .map(|m| serde_json::to_vec(&m).unwrap())
            .collect();
        let record = |offset: usize| Record {
            topic: topics.metrics.clone(),
            partition: 0,
            offset: offset as i64,
            key: Vec::new(),
            payload: samples[offset].clone(),
            headers: Vec::new(),
            timestamp_ms: None,
        };
        let half = samples.len() / 2;
        for o in 0..half {
            assert!(w.handle(&record(o)).unwrap().is_none());
        }
        let mut commits = Commits::default();
        w.checkpoint_in_background(&mut commits).unwrap();
        assert!(w.publisher.chunks_unacked() > 0, "chunks were queued");
        for o in half..samples.len() {
            assert!(w.handle(&record(o)).unwrap().is_none());
            w.poll_producer();
            w.poll_checkpoint(&mut commits).unwrap();
        }
        assert_eq!(
            stats.decoded.get(),
            samples.len() as u64,
            "scored meanwhile"
        );
        assert!(
            commits.0.is_empty(),
            "committed before the state was acknowledged"
        );
        assert_eq!(stats.checkpoints.get(), 0, "counted before acknowledged");
        sink.release.store(true, Ordering::Relaxed);
        w.poll_producer();
        w.poll_checkpoint(&mut commits).unwrap();
        assert_eq!(commits.0, vec![vec![(tp, half as i64)]]);
        assert_eq!(stats.checkpoints.get(), 1);
    }
}
