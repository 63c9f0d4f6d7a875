//! What the dashboard is fed: [`Input`], one event of a topic named in the
//! pipeline's sinks (predicted issues, remediation outcomes, service
//! events) or the mere arrival of a metric sample (only its key, the
//! service, is read: no decoding of the metrics stream), and
//! [`FeedTopics::decode`], which turns a Kafka record into one.

use forewarn_core::contracts::MetricSample;
use forewarn_kafka::Record;
use forewarn_ledger::Entry;

/// One thing that happened, as the dashboard sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// An event for the ledger: a predicted issue, a remediation outcome,
    /// a service event.
    Entry(Box<Entry>),
    /// A metric sample of `service` arrived: the service is reporting.
    /// Samples of the health, latency and error-rate roles (the
    /// pipeline's `roles`) are decoded and carried for the ledger (status,
    /// SLIs); others are not decoded at all.
    Seen {
        /// The record's key.
        service: String,
        /// The sample, when it is one of those roles' (the field's name
        /// is historical).
        health: Option<Box<MetricSample>>,
    },
}

impl Input {
    /// The service the input is about.
    pub fn service(&self) -> &str {
        match self {
            Self::Entry(e) => match &**e {
                Entry::Prediction(p) => &p.service,
                Entry::Outcome(o) => &o.service,
                Entry::Service(s) => &s.service,
                Entry::Sample(m) => &m.service,
                Entry::Audit(a) => &a.outcome.service,
            },
            Self::Seen { service, .. } => service,
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
    /// Metric samples (keys only, but for the health, latency and
    /// error-rate roles' samples), if read at all.
    pub metrics: Option<String>,
    /// The health metric's name (`roles.health`, e.g. `health_up`).
    pub health_metric: String,
    /// The latency and error-rate roles' metrics (`roles.latency_p99`,
    /// `roles.error_rate`), whose samples feed the ledger's latency and
    /// error-rate SLIs.
    pub sli_metrics: Vec<String>,
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
        let entry = |e: Entry| Ok(Input::Entry(Box::new(e)));
        if r.topic == self.predictions {
            entry(Entry::Prediction(
                serde_json::from_slice(&r.payload).map_err(json)?,
            ))
        } else if r.topic == self.outcomes {
            entry(Entry::Outcome(
                serde_json::from_slice(&r.payload).map_err(json)?,
            ))
        } else if r.topic == self.service_events {
            entry(Entry::Service(
                serde_json::from_slice(&r.payload).map_err(json)?,
            ))
        } else if self.metrics.as_deref() == Some(r.topic.as_str()) {
            let service = match std::str::from_utf8(&r.key) {
                Ok(k) if !k.is_empty() => k.to_string(),
                _ => return Err(DecodeError::NoKey(r.topic.clone())),
            };
            Ok(Input::Seen {
                health: self.health_sample(&r.payload).map(Box::new),
                service,
            })
        } else {
            Err(DecodeError::Topic(r.topic.clone()))
        }
    }

    /// The payload as a sample the ledger uses (the health, latency or
    /// error-rate role's), when it is one: decoded only when one of those
    /// names appears in it (a byte search), so the rest of the metrics
    /// stream is not decoded.
    fn health_sample(&self, payload: &[u8]) -> Option<MetricSample> {
        let wanted = |m: &str| m == self.health_metric || self.sli_metrics.iter().any(|s| s == m);
        let named = std::iter::once(&self.health_metric)
            .chain(&self.sli_metrics)
            .map(|n| n.as_bytes())
            .any(|n| !n.is_empty() && payload.windows(n.len()).any(|w| w == n));
        if !named {
            return None;
        }
        serde_json::from_slice::<MetricSample>(payload)
            .ok()
            .filter(|m| wanted(&m.metric))
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
            health_metric: "health_up".into(),
            sli_metrics: vec!["latency_p99_ms".into()],
        };
        let e = forewarn_core::contracts::ServiceEvent::new(
            "api",
            "",
            forewarn_core::contracts::ServiceEventKind::Crashed,
            "2023-11-14T22:13:20Z".parse().unwrap(),
            0,
        );
        let got = t
            .decode(&record("s", "api", &serde_json::to_string(&e).unwrap()))
            .unwrap();
        assert_eq!(got, Input::Entry(Box::new(Entry::Service(e))));
        assert_eq!(
            t.decode(&record("m", "db", r#"{"metric":"cpu","value":1}"#))
                .unwrap(),
            Input::Seen {
                service: "db".into(),
                health: None,
            }
        );
        let health =
            r#"{"ts":"2023-11-14T22:13:20Z","service":"db","metric":"health_up","value":0}"#;
        match t.decode(&record("m", "db", health)).unwrap() {
            Input::Seen {
                health: Some(m), ..
            } => assert_eq!(m.value, 0.0),
            other => panic!("{other:?}"),
        }
        // A latency-role sample goes to the ledger too.
        let p99 =
            r#"{"ts":"2023-11-14T22:13:20Z","service":"db","metric":"latency_p99_ms","value":80}"#;
        match t.decode(&record("m", "db", p99)).unwrap() {
            Input::Seen {
                health: Some(m), ..
            } => assert_eq!(m.metric, "latency_p99_ms"),
            other => panic!("{other:?}"),
        }
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
