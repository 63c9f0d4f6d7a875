//! The thread that keeps a [`LiveSwitch`] on the control topic: it reads
//! the topic from its beginning to its end (the state at start: the
//! latest message wins), marks the switch ready, then waits for new
//! messages (polling every 100 ms, fetches answered within 10 ms), so a
//! flip reaches the switch well within a second. It reads outside any
//! consumer group (every partition assigned by hand): no group to join,
//! nothing committed. A topic that does not exist yet reads as "never
//! flipped" and is looked for again every 2 s; a broker that cannot be
//! reached at start leaves the switch not ready (actions disabled) until
//! it can, and one lost later keeps the last state read.

use std::time::Duration;

use forewarn_core::contracts::{CONTROL_KEY, ControlMessage};
use forewarn_kafka::{Error as KafkaError, Record, Throttle, TopicReader};

use crate::live::LiveSwitch;

/// Where the control topic is.
#[derive(Debug, Clone)]
pub struct ControlTopic {
    /// Bootstrap brokers.
    pub brokers: String,
    /// Pass-through client properties (TLS, SASL).
    pub client: Vec<(String, String)>,
    /// The topic (`sinks.control`).
    pub topic: String,
}

/// Errors of the follower.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thread could not be started.
    #[error("could not start the control-topic thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// The control message in `record`, if it is one (other keys and
/// malformed payloads are logged and ignored).
pub fn decode(record: &Record) -> Option<ControlMessage> {
    if record.key != CONTROL_KEY.as_bytes() {
        return None;
    }
    match serde_json::from_slice::<ControlMessage>(&record.payload) {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::warn!(offset = record.offset, error = %e, "Ignored a control message that is not one.");
            None
        }
    }
}

/// Follow `topic` into `switch` on a thread of its own, for the rest of
/// the process.
pub fn spawn(topic: ControlTopic, switch: LiveSwitch) -> Result<(), Error> {
    std::thread::Builder::new()
        .name("forewarn-control".into())
        .spawn(move || follow(&topic, &switch))
        .map_err(Error::Thread)?;
    Ok(())
}

fn follow(t: &ControlTopic, switch: &LiveSwitch) {
    let errors = Throttle::new(Duration::from_secs(30));
    let warn = |e: &KafkaError| {
        if let Some(n) = errors.admit() {
            tracing::warn!(topic = %t.topic, error = %e, left_out = n, "Could not read the control topic; retrying.");
        }
    };
    let reader = loop {
        match TopicReader::new(&t.brokers, &t.client, &t.topic) {
            Ok(r) => match r.read_to_end(Duration::from_secs(10)) {
                Ok(records) => {
                    let latest = records.iter().rev().find_map(decode);
                    if let Some(m) = latest {
                        switch.apply(m, true);
                    }
                    switch.mark_read();
                    break r;
                }
                Err(e) => warn(&e),
            },
            Err(KafkaError::NoPartitions(_)) => {
                // Nobody created it, so nobody flipped it.
                if !switch.ready() {
                    tracing::info!(topic = %t.topic, "The control topic does not exist (yet): nothing disabled there; looking again every 2 s.");
                    switch.mark_read();
                }
            }
            Err(e) => warn(&e),
        }
        std::thread::sleep(Duration::from_secs(2));
    };
    tracing::info!(topic = %t.topic, enabled = switch.enabled(), "Following the control topic.");
    loop {
        if let Some(r) = reader.next(Duration::from_millis(100))
            && let Some(m) = decode(&r)
        {
            switch.apply(m, false);
        }
    }
}
