//! What the dashboard is fed: [`Input`], one event of a topic named in the
//! pipeline's sinks (predicted issues, remediation outcomes, service
//! events) or the mere arrival of a metric sample (only its key, the
//! service, is read: no decoding of the metrics stream), and
//! [`FeedTopics::decode`], which turns a Kafka record into one.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{PredictedIssue, RemediationOutcome, ServiceEvent};
use forewarn_kafka::Record;

/// One thing that happened, as the dashboard sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A predicted-issue event (open, updated, resolved).
    Issue(Box<PredictedIssue>),
    /// A remediation outcome (an action taken or skipped, verified or not).
    Outcome(Box<RemediationOutcome>),
    /// An observed service event from `forewarn watch`.
    Service(Box<ServiceEvent>),
    /// A metric sample of `service` arrived: the service is reporting.
    Seen {
        /// The record's key.
        service: String,
    },
}

impl Input {
    /// The service the input is about.
    pub fn service(&self) -> &str {
        match self {
            Self::Issue(i) => &i.service,
            Self::Outcome(o) => &o.service,
            Self::Service(e) => &e.service,
            Self::Seen { service } => service,
        }
    }

    /// Its event time, when it carries one.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Issue(i) => Some(i.detected_at),
            Self::Outcome(o) => Some(o.ts),
            Self::Service(e) => Some(e.ts),
            Self::Seen { .. } => None,
        }
    }
}

/// The topics the dashboard reads, by role (the pipeline's sinks, and
/// its metrics source when samples should mark services as reporting).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedTopics {
    /// Predicted-issue events.
    pub predictions: String,
    /// Remediation outcomes.
    pub outcomes: String,
    /// Service events of `forewarn watch`.
    pub service_events: String,
    /// Metric samples (keys only), if read at all.
    pub metrics: Option<String>,
}

/// Why a record was not understood.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The record came from a topic the dashboard does not read.
    #[error("record of an unexpected topic {0}")]
    Topic(String),
    /// Its payload is not the topic's contract.
    #[error("{topic}: {source}")]
    Json {
        /// The topic.
        topic: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// A metric sample without a key (producers key by service).
    #[error("{0}: a metric record without a key (service)")]
    NoKey(String),
}

impl FeedTopics {
    /// The input a record of one of these topics stands for.
    pub fn decode(&self, r: &Record) -> Result<Input, DecodeError> {
        let json = |source| DecodeError::Json {
            topic: r.topic.clone(),
            source,
        };
        if r.topic == self.predictions {
            Ok(Input::Issue(Box::new(
                serde_json::from_slice(&r.payload).map_err(json)?,
            )))
        } else if r.topic == self.outcomes {
            Ok(Input::Outcome(Box::new(
                serde_json::from_slice(&r.payload).map_err(json)?,
            )))
        } else if r.topic == self.service_events {
            Ok(Input::Service(Box::new(
                serde_json::from_slice(&r.payload).map_err(json)?,
            )))
        } else if self.metrics.as_deref() == Some(r.topic.as_str()) {
            match std::str::from_utf8(&r.key) {
                Ok(k) if !k.is_empty() => Ok(Input::Seen {
                    service: k.to_string(),
                }),
                _ => Err(DecodeError::NoKey(r.topic.clone())),
            }
        } else {
            Err(DecodeError::Topic(r.topic.clone()))
        }
    }

    /// Every topic, the metrics topic last.
    pub fn all(&self) -> Vec<&str> {
        let mut v = vec![
            self.predictions.as_str(),
            self.outcomes.as_str(),
            self.service_events.as_str(),
        ];
        v.extend(self.metrics.as_deref());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(topic: &str, key: &str, payload: &str) -> Record {
        Record {
            topic: topic.into(),
            partition: 0,
            offset: 0,
            key: key.as_bytes().to_vec(),
            payload: payload.as_bytes().to_vec(),
            headers: Default::default(),
            timestamp_ms: None,
        }
    }

    #[test]
    fn records_are_read_by_the_role_of_their_topic() {
        let t = FeedTopics {
            predictions: "p".into(),
            outcomes: "o".into(),
            service_events: "s".into(),
            metrics: Some("m".into()),
        };
        let e = ServiceEvent::new(
            "api",
            "",
            forewarn_core::contracts::ServiceEventKind::Crashed,
            "2023-11-14T22:13:20Z".parse().unwrap(),
            0,
        );
        let got = t
            .decode(&record("s", "api", &serde_json::to_string(&e).unwrap()))
            .unwrap();
        assert_eq!(got, Input::Service(Box::new(e)));
        assert_eq!(
            t.decode(&record("m", "db", "{}")).unwrap(),
            Input::Seen {
                service: "db".into()
            }
        );
        assert!(matches!(
            t.decode(&record("m", "", "{}")),
            Err(DecodeError::NoKey(_))
        ));
        assert!(matches!(
            t.decode(&record("p", "api", "{\"id\":1}")),
            Err(DecodeError::Json { .. })
        ));
        assert!(matches!(
            t.decode(&record("x", "api", "{}")),
            Err(DecodeError::Topic(_))
        ));
        assert_eq!(t.all(), ["p", "o", "s", "m"]);
    }
}
