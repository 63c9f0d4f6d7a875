//! Where observations go: Kafka (metric samples to the metrics topic, log
//! records to the logs topic, service events to the service-events topic,
//! each keyed by service), or, without a broker, one JSON line each
//! (`{"topic": …, "key": …, "value": …}`: what would have been produced)
//! to a file or stderr. A failed send is logged, never fatal: the
//! supervised service matters more than its reports.

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use forewarn_core::contracts::{LogRecord, MetricSample, ServiceEvent};
use forewarn_kafka::Producer;
use serde::Serialize;

/// The topics written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    /// Metric samples.
    pub metrics: String,
    /// Log records; `None` to not publish them.
    pub logs: Option<String>,
    /// Service events.
    pub events: String,
}

impl Default for Topics {
    fn default() -> Self {
        Self {
            metrics: "forewarn.metrics".into(),
            logs: Some("forewarn.logs".into()),
            events: "forewarn.service-events".into(),
        }
    }
}

enum Output {
    Lines(Mutex<Box<dyn Write + Send>>),
    Kafka(Producer),
}

/// Publishes what `watch` observes.
pub struct Publisher {
    output: Output,
    topics: Topics,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.output {
            Output::Lines(_) => "lines",
            Output::Kafka(_) => "kafka",
        };
        f.debug_struct("Publisher")
            .field("output", &kind)
            .field("topics", &self.topics)
            .finish()
    }
}

impl Publisher {
    /// JSON lines to `out`.
    pub fn lines(out: Box<dyn Write + Send>, topics: Topics) -> Self {
        Self {
            output: Output::Lines(Mutex::new(out)),
            topics,
        }
    }

    /// Records produced with `producer`.
    pub fn kafka(producer: Producer, topics: Topics) -> Self {
        Self {
            output: Output::Kafka(producer),
            topics,
        }
    }

    /// The topics written.
    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    /// One metric sample.
    pub fn metric(&self, s: &MetricSample) {
        self.send(&self.topics.metrics, &s.service, s);
    }

    /// One log record (dropped when no logs topic is set).
    pub fn log(&self, r: &LogRecord) {
        if let Some(t) = &self.topics.logs {
            self.send(t, &r.service, r);
        }
    }

    /// One service event; also logged.
    pub fn event(&self, e: &ServiceEvent) {
        tracing::info!(
            kind = ?e.kind,
            service = %e.service,
            instance = %e.instance,
            restarts = e.restarts,
            reason = %e.reason,
            "Service event."
        );
        self.send(&self.topics.events, &e.service, e);
    }

    fn send<T: Serialize>(&self, topic: &str, key: &str, value: &T) {
        match &self.output {
            Output::Lines(out) => {
                let line = serde_json::json!({"topic": topic, "key": key, "value": value});
                let mut text = line.to_string();
                text.push('\n');
                if let Ok(mut w) = out.lock()
                    && let Err(e) = w.write_all(text.as_bytes()).and_then(|()| w.flush())
                {
                    tracing::warn!(error = %e, "Could not write an observation.");
                }
            }
            Output::Kafka(p) => {
                let payload = match serde_json::to_vec(value) {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!(error = %e, "Could not encode an observation.");
                        return;
                    }
                };
                if let Err(e) = p.send(topic, key.as_bytes(), &payload) {
                    tracing::warn!(error = %e, topic, "Could not produce an observation.");
                }
                p.poll();
            }
        }
    }

    /// Wait up to `timeout` for everything sent to be delivered.
    pub fn flush(&self, timeout: Duration) {
        match &self.output {
            Output::Lines(out) => {
                if let Ok(mut w) = out.lock() {
                    let _ = w.flush();
                }
            }
            Output::Kafka(p) => {
                if let Err(e) = p.flush(timeout) {
                    tracing::warn!(error = %e, "Not every observation was delivered.");
                }
            }
        }
    }
}
