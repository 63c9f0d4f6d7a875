//! [`run`]: one `forewarn score` process. A synchronous loop on one
//! thread polls the consumer, hands each record to the worker, and every
//! [`ScoreOptions::checkpoint_every`] checkpoints and commits. Rebalances
//! arrive inside `poll`, through [`Ctx::rebalance`]: on revocation the
//! owned partitions are checkpointed and committed before they are given
//! up; on assignment each partition's state is taken from memory, the
//! checkpoint topic or nothing, and its offsets are set to where that
//! state stops. Setting `stop` (SIGTERM does, in the CLI) finishes the
//! record in hand, publishes, checkpoints, commits and leaves the group.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use forewarn_config::PipelineConfig;
use forewarn_models::artifact::Model;
use forewarn_scorer::ScorerOptions;
use rdkafka::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaRespErr;

use crate::metrics::Stats;
use crate::worker::Worker;
use crate::{Error, ScoreOptions, client_config};

/// What a run did, when it stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read (all topics).
    pub consumed: u64,
    /// Metric samples decoded.
    pub decoded: u64,
    /// Records sent to the dead-letter topic.
    pub rejected: u64,
    /// Events published (predictions and optimizations).
    pub events: u64,
}

/// The consumer's context: the worker, reachable from rebalance callbacks.
pub(crate) struct Ctx {
    worker: Mutex<Worker>,
    error: Mutex<Option<Error>>,
}

impl Ctx {
    fn worker(&self) -> MutexGuard<'_, Worker> {
        // A panic while holding the lock cannot leave the worker half
        // updated in a way that matters more than stopping would.
        self.worker.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, e: Error) {
        tracing::error!("{e}");
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(e);
    }

    fn take_error(&self) -> Option<Error> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl ClientContext for Ctx {
    fn stats(&self, statistics: rdkafka::Statistics) {
        self.worker().lag(&statistics);
    }
}

impl ConsumerContext for Ctx {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        let mut w = self.worker();
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                if let Err(e) = w.assign(tpl) {
                    self.fail(e);
                    return;
                }
                if let Err(e) = consumer.assign(tpl) {
                    self.fail(Error::Kafka(format!("assign: {e}")));
                    return;
                }
                w.stats.ready.store(true, Ordering::Relaxed);
                tracing::info!(partitions = ?w.partitions(), "partitions assigned");
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                let owned = w.partitions();
                if let Err(e) = w.revoke(consumer) {
                    self.fail(e);
                }
                if let Err(e) = consumer.unassign() {
                    tracing::warn!("unassign: {e}");
                }
                tracing::info!(partitions = ?owned, "partitions revoked (checkpointed)");
            }
            other => {
                tracing::error!("rebalance error: {other:?}");
                let _ = consumer.unassign();
            }
        }
    }
}

/// Run one scorer process until `stop` is set or an error occurs.
pub fn run(
    pipeline: PipelineConfig,
    model: Model,
    scorer_opts: ScorerOptions,
    opts: ScoreOptions,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) -> Result<Summary, Error> {
    let every = opts.checkpoint_every;
    let mut cfg = client_config(&opts.brokers, &opts.client);
    cfg.set("group.id", &opts.group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("partition.assignment.strategy", "range")
        .set("fetch.wait.max.ms", "10")
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "1000")
        .set("statistics.interval.ms", "5000");
    for (k, v) in &opts.client {
        cfg.set(k, v);
    }
    let worker = Worker::new(pipeline, model, scorer_opts, opts, Arc::clone(&stats))?;
    let topics = worker.topics().clone();
    let ctx = Ctx {
        worker: Mutex::new(worker),
        error: Mutex::new(None),
    };
    let consumer: BaseConsumer<Ctx> = cfg
        .create_with_context(ctx)
        .map_err(|e| Error::Kafka(format!("consumer: {e}")))?;
    let mut subscribe = vec![topics.metrics.as_str()];
    if let Some(l) = &topics.logs {
        subscribe.push(l);
    }
    consumer
        .subscribe(&subscribe)
        .map_err(|e| Error::Kafka(format!("subscribe: {e}")))?;
    let mut next_checkpoint = Instant::now() + every;
    let mut next_housekeeping = Instant::now();
    let result = loop {
        if stop.load(Ordering::Relaxed) {
            break Ok(());
        }
        if let Some(e) = consumer.context().take_error() {
            break Err(e);
        }
        match consumer.poll(Duration::from_millis(50)) {
            Some(Ok(m)) => {
                let handled = consumer.context().worker().handle(&m);
                drop(m);
                match handled {
                    Ok(None) => {}
                    Ok(Some(s)) => {
                        let to = Offset::Offset(s.offset);
                        if let Err(e) =
                            consumer.seek(&s.topic, s.partition, to, Duration::from_secs(10))
                        {
                            break Err(Error::Kafka(format!(
                                "seek {}/{} to {}: {e}",
                                s.topic, s.partition, s.offset
                            )));
                        }
                    }
                    Err(e) => break Err(e),
                }
            }
            Some(Err(e)) => tracing::warn!("consumer: {e}"),
            None => {}
        }
        let now = Instant::now();
        let mut w = consumer.context().worker();
        w.poll_producer();
        if now >= next_housekeeping {
            w.housekeeping();
            next_housekeeping = now + Duration::from_secs(1);
        }
        if now >= next_checkpoint {
            if let Err(e) = w.checkpoint(&consumer) {
                break Err(e);
            }
            next_checkpoint = now + every;
        }
    };
    stats.ready.store(false, Ordering::Relaxed);
    if result.is_ok() {
        // Graceful stop: publish, checkpoint and commit what is in hand,
        // then leave the group (its revocation finds nothing dirty).
        consumer.context().worker().checkpoint(&consumer)?;
        consumer.unsubscribe();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !consumer.context().worker().partitions().is_empty() {
            let _ = consumer.poll(Duration::from_millis(50));
        }
        if let Some(e) = consumer.context().take_error() {
            return Err(e);
        }
    }
    result?;
    let all = |t: &str| stats.consumed_of(t);
    Ok(Summary {
        consumed: all(&topics.metrics) + topics.logs.as_deref().map_or(0, all),
        decoded: stats.decoded.get(),
        rejected: stats.rejected_total(),
        events: stats.published_to(&topics.predictions) + stats.published_to(&topics.optimizations),
    })
}
