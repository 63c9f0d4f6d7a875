//! [`Error`]: what can go wrong at the Kafka edge, one variant per stage
//! (client set-up, start-up probe, subscribe, poll, seek, commit, produce,
//! flush, topic administration, the in-memory broker), each keeping its source (boxed: librdkafka's error is large), so a
//! caller decides from the variant whether to retry, skip or stop.

use std::time::Duration;

use rdkafka::error::KafkaError;

/// Errors of the Kafka edge.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A client (producer, consumer, admin) could not be created: a
    /// setting was refused.
    #[error("could not create the Kafka {client}: {source}")]
    Client {
        /// Which client.
        client: &'static str,
        /// The client library's reason.
        source: Box<KafkaError>,
    },
    /// Subscribing to topics failed.
    #[error("could not subscribe to {topics}: {source}")]
    Subscribe {
        /// The topics, comma-separated.
        topics: String,
        /// The client library's reason.
        source: Box<KafkaError>,
    },
    /// A poll returned an error instead of a record. Transient: the
    /// client retries on its own; see [`Error::is_transient`].
    #[error("consume: {0}")]
    Consume(Box<KafkaError>),
    /// Partitions could not be assigned or unassigned.
    #[error("could not change the assignment: {0}")]
    Assign(Box<KafkaError>),
    /// A seek failed.
    #[error("could not seek {topic}/{partition} to {offset}: {source}")]
    Seek {
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
        /// Offset sought.
        offset: i64,
        /// The client library's reason.
        source: Box<KafkaError>,
    },
    /// Offsets could not be stored or committed.
    #[error("could not commit offsets: {0}")]
    Commit(Box<KafkaError>),
    /// The metadata or watermarks of a topic could not be read.
    #[error("could not read the metadata of {topic}: {source}")]
    Metadata {
        /// Topic.
        topic: String,
        /// The client library's reason.
        source: Box<KafkaError>,
    },
    /// A topic has no partitions (it does not exist).
    #[error("topic {0} has no partitions")]
    NoPartitions(String),
    /// Reading a topic to its end took too long.
    #[error("reading {topic} to its end took longer than {after:?}")]
    Timeout {
        /// Topic.
        topic: String,
        /// The time allowed.
        after: Duration,
    },
    /// A message was refused for good when queued.
    #[error("could not produce to {topic}: {source}")]
    Produce {
        /// The topic.
        topic: String,
        /// The client library's reason.
        source: Box<KafkaError>,
    },
    /// Reports were still missing when the flush timed out.
    #[error("flush timed out with deliveries outstanding: {0}")]
    Flush(Box<KafkaError>),
    /// A topic could not be created.
    #[error("could not create topic {topic}: {reason}")]
    CreateTopic {
        /// The topic.
        topic: String,
        /// The broker's or client's reason.
        reason: String,
    },
    /// No broker answered before the start-up deadline.
    #[error("no Kafka broker of {brokers} answered within {after:?}: {reason}")]
    Unreachable {
        /// The bootstrap addresses tried.
        brokers: String,
        /// The time allowed.
        after: Duration,
        /// librdkafka's last word (it names the address).
        reason: String,
    },
    /// A topic's configuration could not be read (the broker may not
    /// implement DescribeConfigs).
    #[error("could not read the configuration of topic {topic}: {reason}")]
    DescribeConfigs {
        /// The topic.
        topic: String,
        /// The broker's or client's reason.
        reason: String,
    },
    /// The in-memory broker refused a call (unknown topic, a member no
    /// longer in its group).
    #[error("in-memory broker: {0}")]
    Memory(String),
}

impl Error {
    /// Whether the call may simply be made again (a failed poll: the
    /// client reconnects and refetches by itself). Everything else means
    /// the run cannot go on as it is.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Consume(_))
    }

    /// Whether a commit was refused because this member's place in the
    /// group is no longer current: it was evicted (after a broker outage
    /// longer than the session timeout), a rebalance is under way, or the
    /// coordinator moved. Nothing is lost: the member rejoins by itself
    /// and whoever owns a partition next resumes from its checkpoint, so
    /// the caller goes on (and commits again at the next checkpoint).
    pub fn is_group_moved_on(&self) -> bool {
        use rdkafka::types::RDKafkaErrorCode as C;
        let Error::Commit(e) = self else {
            return false;
        };
        matches!(
            e.rdkafka_error_code(),
            Some(
                C::UnknownMemberId
                    | C::IllegalGeneration
                    | C::RebalanceInProgress
                    | C::NotCoordinator
                    | C::CoordinatorNotAvailable
                    | C::CoordinatorLoadInProgress
                    | C::AssignmentLost
                    | C::State
            )
        )
    }
}

#[cfg(test)]
mod tests {
    use rdkafka::error::KafkaError;
    use rdkafka::types::RDKafkaErrorCode as C;

    use super::Error;

    #[test]
    fn a_commit_refused_by_a_group_that_moved_on_is_not_fatal() {
        let commit = |c| Error::Commit(Box::new(KafkaError::ConsumerCommit(c)));
        assert!(commit(C::UnknownMemberId).is_group_moved_on());
        assert!(commit(C::RebalanceInProgress).is_group_moved_on());
        assert!(commit(C::IllegalGeneration).is_group_moved_on());
        // A refusal for any other reason still stops the run.
        assert!(!commit(C::TopicAuthorizationFailed).is_group_moved_on());
        assert!(
            !Error::Consume(Box::new(KafkaError::ConsumerCommit(C::UnknownMemberId)))
                .is_group_moved_on()
        );
    }
}
