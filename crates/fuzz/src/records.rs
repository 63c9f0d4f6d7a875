//! JSON records of the other topics, through the functions their readers
//! call: log records ([`forewarn_core::decode::decode_log`], the scorer's
//! worker), predicted issues and optimization events
//! ([`forewarn_remediate::optimization::decode`], the remediator;
//! [`forewarn_core::decode::decode`], the correlator), service events
//! (the correlator and the report), control messages
//! ([`forewarn_control::follow::decode`]) and every topic the dashboard
//! reads ([`forewarn_dashboard::FeedTopics::decode`]).
//!
//! What is accepted must serialize to JSON that is accepted again (the
//! remediator writes issues into its audit log, the correlator republishes
//! them), and an accepted log record must be one the scorer takes.

use forewarn_core::contracts::{
    CONTROL_KEY, ControlMessage, LogRecord, PredictedIssue, ServiceEvent,
};
use forewarn_core::decode::{decode, decode_log};
use forewarn_dashboard::FeedTopics;
use forewarn_kafka::Record;
use forewarn_scorer::Events;

use crate::files::default_scorer;

fn record(topic: &str, key: &[u8], payload: &[u8]) -> Record {
    Record {
        topic: topic.into(),
        partition: 0,
        offset: 0,
        key: key.to_vec(),
        payload: payload.to_vec(),
        headers: Vec::new(),
        timestamp_ms: None,
    }
}

/// A log record of the logs topic; one that decodes is scored (the
/// template miner and the per-minute log features see its message).
pub fn log_record(data: &[u8]) {
    let Ok(r) = decode_log(data) else { return };
    let json = serde_json::to_vec(&r).expect("a log record serializes");
    let back: LogRecord = decode_log(&json).expect("a decoded log record decodes again");
    assert_eq!(back.service, r.service);
    assert_eq!(back.message, r.message);
    assert_eq!(back.ts, r.ts);
    let mut scorer = default_scorer();
    let mut out = Events::default();
    scorer.on_log(&r, &mut out);
    scorer.on_log(&back, &mut out);
}

/// A predicted-issue record, as the remediator (on the predictions and
/// the optimizations topic) and the correlator decode it.
pub fn predicted_issue(data: &[u8]) {
    use forewarn_remediate::optimization::decode as remediator_decode;
    for (optimizations, topic) in [(None, "predictions"), (Some("opt"), "opt")] {
        if let Ok(issue) = remediator_decode(optimizations, topic, data) {
            let json = serde_json::to_vec(&issue).expect("an issue serializes");
            let back: PredictedIssue =
                serde_json::from_slice(&json).expect("a decoded issue decodes again");
            assert_eq!(back.id, issue.id);
            assert_eq!(back.kind, issue.kind);
            let _ = issue.event_key();
        }
    }
    if let Ok(issue) = decode::<PredictedIssue>(data) {
        let json = serde_json::to_vec(&issue).expect("an issue serializes");
        decode::<PredictedIssue>(&json).expect("a checked issue stays valid through JSON");
    }
}

/// Service events (`forewarn watch`), control messages and every input
/// of the dashboard.
pub fn service_event(data: &[u8]) {
    if let Ok(e) = serde_json::from_slice::<ServiceEvent>(data) {
        let json = serde_json::to_vec(&e).expect("a service event serializes");
        let back: ServiceEvent =
            serde_json::from_slice(&json).expect("a decoded service event decodes again");
        assert_eq!(back.id, e.id);
    }
    if let Some(m) =
        forewarn_control::follow::decode(&record("control", CONTROL_KEY.as_bytes(), data))
    {
        let json = serde_json::to_vec(&m).expect("a control message serializes");
        let _: ControlMessage =
            serde_json::from_slice(&json).expect("a control message decodes again");
    }
    let topics = FeedTopics {
        predictions: "p".into(),
        outcomes: "o".into(),
        service_events: "s".into(),
        metrics: Some("m".into()),
        health_metric: "health_up".into(),
        sli_metrics: vec!["latency_p99".into(), "error_rate".into()],
    };
    for topic in ["p", "o", "s", "m"] {
        if let Ok(input) = topics.decode(&record(topic, b"api", data)) {
            let _ = input.service();
        }
    }
}
