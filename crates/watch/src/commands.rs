//! Commands from the remediator. Its Kafka executor (`ActionSpec::kafka`)
//! publishes one JSON message per action, keyed by service:
//!
//! ```json
//! {"service":"api","instance":"api-0","issue_id":"…","kind":"memory_exhaustion",
//!  "action":"restart","probability":0.91}
//! ```
//!
//! `watch` consumes that topic (its own consumer group, nothing committed,
//! messages older than its own start ignored) and acts on `restart`
//! messages addressed to its service and instance (an empty instance
//! addresses every instance of the service). Other actions are not
//! `watch`'s to carry out and are ignored.

use std::time::Duration;

use forewarn_kafka::{AcceptAll, ConsumerBuilder, Source};
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::error::Result;

/// One command message.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CommandMessage {
    /// Target service.
    pub service: String,
    /// Target instance; empty for every instance.
    #[serde(default)]
    pub instance: String,
    /// The predicted issue that caused it.
    #[serde(default)]
    pub issue_id: String,
    /// The issue's kind.
    #[serde(default)]
    pub kind: String,
    /// The action, e.g. `restart`.
    pub action: String,
    /// The issue's probability.
    #[serde(default)]
    pub probability: Option<f64>,
}

impl CommandMessage {
    /// Whether this is a restart of `service`/`instance`.
    pub fn restarts(&self, service: &str, instance: &str) -> bool {
        self.action == "restart"
            && self.service == service
            && (self.instance.is_empty() || self.instance == instance)
    }

    /// Why, for the `restarted` event.
    pub fn reason(&self) -> String {
        let mut r = format!("restart command on behalf of issue {:?}", self.issue_id);
        if !self.kind.is_empty() {
            r.push_str(&format!(" ({})", self.kind));
        }
        r
    }
}

/// Where command messages come from.
#[derive(Debug, Clone)]
pub struct CommandSource {
    /// Brokers.
    pub brokers: String,
    /// Pass-through client properties.
    pub client: Vec<(String, String)>,
    /// The command topic.
    pub topic: String,
    /// Consumer group (unique to this process).
    pub group: String,
    /// Messages produced before this time (ms since the epoch) are old
    /// news and ignored.
    pub since_ms: i64,
}

/// Consume `source` on a thread of its own and send each parsed message,
/// until the receiver goes away.
pub fn spawn_consumer(source: CommandSource, tx: mpsc::Sender<CommandMessage>) -> Result<()> {
    let mut consumer = ConsumerBuilder::new(&source.brokers, &source.group)
        .client(&source.client)
        .build()?;
    consumer.subscribe(&[&source.topic])?;
    std::thread::Builder::new()
        .name("watch-commands".into())
        .spawn(move || {
            while !tx.is_closed() {
                let record = match consumer.poll(Duration::from_millis(200), &mut AcceptAll) {
                    Ok(Some(r)) => r,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "Could not read the command topic.");
                        std::thread::sleep(Duration::from_secs(1));
                        continue;
                    }
                };
                if record.timestamp_ms.is_some_and(|ts| ts < source.since_ms) {
                    continue;
                }
                match serde_json::from_slice::<CommandMessage>(&record.payload) {
                    Ok(m) => {
                        if tx.blocking_send(m).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "Ignored a command message that is not one.")
                    }
                }
            }
        })
        .map_err(crate::error::Error::Thread)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remediators_message_addresses_a_service_and_instance() {
        let raw = r#"{"service":"api","instance":"api-0","issue_id":"abc","kind":"memory_exhaustion","action":"restart","probability":0.9}"#;
        let m: CommandMessage = serde_json::from_str(raw).unwrap();
        assert!(m.restarts("api", "api-0"));
        assert!(!m.restarts("api", "api-1"));
        assert!(!m.restarts("db", "api-0"));
        assert!(m.reason().contains("abc"));
        let all: CommandMessage =
            serde_json::from_str(r#"{"service":"api","action":"restart"}"#).unwrap();
        assert!(all.restarts("api", "api-7"));
        let scale: CommandMessage =
            serde_json::from_str(r#"{"service":"api","action":"scale"}"#).unwrap();
        assert!(!scale.restarts("api", ""));
    }
}
