//! prometheus-kafka-adapter's JSON messages.

use forewarn_formats::{Format, FormatError};

use crate::{err, ok};

/// As written by telefonica/prometheus-kafka-adapter (JSON serialization).
const ADAPTER: &str = r#"{"timestamp":"2024-05-01T12:00:15Z","value":"1.2582912e+08","name":"process_resident_memory_bytes","labels":{"__name__":"process_resident_memory_bytes","instance":"10.0.3.17:9100","job":"checkout","namespace":"shop","pod":"checkout-7d9f8-abcde"}}"#;

#[test]
fn decodes_an_adapter_message() {
    let s = ok(Format::Prometheus, ADAPTER.as_bytes());
    assert_eq!(s.len(), 1);
    let s = &s[0];
    assert_eq!(s.metric, "process_resident_memory_bytes");
    assert_eq!(s.service, "checkout");
    assert_eq!(s.instance, "10.0.3.17:9100");
    assert_eq!(s.value, 125829120.0);
    assert_eq!(s.ts.to_rfc3339(), "2024-05-01T12:00:15+00:00");
    let keys: Vec<&str> = s.labels.keys().map(String::as_str).collect();
    assert_eq!(keys, ["namespace", "pod"]);
}

#[test]
fn service_label_wins_over_job_which_stays_a_label() {
    let msg = r#"{"timestamp":"2024-05-01T12:00:15.5+02:00","value":"3","labels":{"__name__":"up","job":"node","service":"db"}}"#;
    let s = &ok(Format::Prometheus, msg.as_bytes())[0];
    assert_eq!((s.service.as_str(), s.metric.as_str()), ("db", "up"));
    assert_eq!(s.labels["job"], "node");
    assert_eq!(s.instance, "");
    assert_eq!(s.ts.timestamp_millis(), 1714557615500);
}

#[test]
fn errors_carry_the_json_path() {
    let with = |value: &str, labels: &str| {
        format!(
            r#"{{"timestamp":"2024-05-01T12:00:15Z","value":{value},"name":"up","labels":{labels}}}"#
        )
    };
    let cases = [
        (
            with(r#""NaN""#, r#"{"job":"a"}"#),
            "value",
            "must be finite, got `NaN`",
        ),
        (
            with(r#""+Inf""#, r#"{"job":"a"}"#),
            "value",
            "must be finite, got `+Inf`",
        ),
        (
            with(r#""-Inf""#, r#"{"job":"a"}"#),
            "value",
            "must be finite",
        ),
        (
            with(r#""high""#, r#"{"job":"a"}"#),
            "value",
            "`high` is not a number",
        ),
        (with("1.5", r#"{"job":"a"}"#), "value", "invalid type"),
        (with(r#""1""#, r#"{"job":7}"#), "labels.job", "invalid type"),
        (
            with(r#""1""#, r#"{"instance":"x"}"#),
            "labels",
            "neither a `service` nor a `job`",
        ),
        (with(r#""1""#, r#"{"job":""}"#), "labels", "empty"),
        (
            r#"{"timestamp":"yesterday","value":"1","name":"up","labels":{"job":"a"}}"#.into(),
            "timestamp",
            "not an RFC 3339 time",
        ),
        (
            r#"{"timestamp":"2024-05-01T12:00:15Z","name":"up","labels":{"job":"a"}}"#.into(),
            ".",
            "missing field `value`",
        ),
        (
            r#"{"timestamp":"2024-05-01T12:00:15Z","value":"1","labels":{"job":"a"}}"#.into(),
            "name",
            "no `__name__` label",
        ),
        (format!("{ADAPTER} {{}}"), ".", "trailing characters"),
        ("{\"timestamp\":".into(), "timestamp", "EOF"),
        ("\u{1}garbage".into(), ".", "expected value"),
    ];
    for (msg, path, reason) in cases {
        let e = err(Format::Prometheus, msg.as_bytes());
        let FormatError::Prometheus { path: p, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(p, path, "{msg}: {e}");
        assert!(e.to_string().contains(reason), "{msg}: {e}");
    }
}
