//! [`Error`]: what stops the streaming scorer, one variant per stage
//! (connect and start-up checks, consume, produce, flush, commit, encode,
//! checkpoint, scorer, delivery),
//! each keeping its source, so the loop tells a transient consumer error
//! (logged, polled again) from one that ends the run.

use forewarn_kafka::Error as KafkaError;

/// Errors of the runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Creating the topics of a pipeline failed.
    #[error("could not create the pipeline's topics: {0}")]
    Topics(#[source] KafkaError),
    /// A Kafka client could not be created.
    #[error("could not set up the Kafka clients: {0}")]
    Connect(#[source] KafkaError),
    /// No broker answered by the start-up deadline (the message names
    /// the addresses and librdkafka's reason).
    #[error(transparent)]
    Unreachable(KafkaError),
    /// Topics the pipeline names do not exist on the broker.
    #[error(
        "the pipeline's topic(s) {} do not exist on {brokers} (a broker that does not create topics on first use); create them, or start with --create-topics N (N partitions each, the checkpoint topic compacted)",
        topics.join(", ")
    )]
    MissingTopics {
        /// The bootstrap brokers.
        brokers: String,
        /// The topics missing.
        topics: Vec<String>,
    },
    /// Subscribing, polling or seeking failed.
    #[error("consume: {0}")]
    Consume(#[source] KafkaError),
    /// A message could not be queued.
    #[error("could not produce to {topic}: {source}")]
    Produce {
        /// The topic.
        topic: String,
        /// Why.
        #[source]
        source: KafkaError,
    },
    /// Waiting for delivery reports failed.
    #[error("flush: {0}")]
    Flush(#[source] KafkaError),
    /// Offsets could not be committed.
    #[error("commit: {0}")]
    Commit(#[source] KafkaError),
    /// An event could not be serialised.
    #[error("could not encode an event: {0}")]
    Encode(#[from] serde_json::Error),
    /// A checkpoint could not be written or read.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The pipeline or model cannot be scored.
    #[error("scorer: {0}")]
    Scorer(#[from] forewarn_scorer::Error),
    /// Messages were not acknowledged (this many since the last
    /// checkpoint); offsets were not committed past them.
    #[error(
        "{0} message(s) were never acknowledged by the broker; offsets were not committed past them, so a restart replays them"
    )]
    Delivery(u64),
}

impl Error {
    /// Whether the loop may go on (a failed poll: the client recovers by
    /// itself); anything else stops the run.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Consume(e) if e.is_transient())
    }
}

/// Why a checkpoint could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The state could not be serialised.
    #[error("could not encode the state: {0}")]
    Encode(#[from] rmp_serde::encode::Error),
    /// The checkpoint topic could not be read.
    #[error("could not read the checkpoint topic: {0}")]
    Read(#[source] KafkaError),
}
