//! The fast path against the contract decoder: on generated records (valid
//! ones, and ones broken in every way the contract refuses) both give the
//! same sample or both refuse; and a refused record is still decoded by
//! the contract decoder, so its error names the field.

use chrono::{DateTime, Utc};
use forewarn_core::decode::decode_metric;
use proptest::prelude::*;

use super::scan::scan;
use super::{fast, utc_seconds};
use crate::{Format, FormatError, decode};

/// A JSON string literal for `s`, escaped the way a shipper might (some
/// escape `/` or write non-ASCII as `\u` escapes).
fn quote(s: &str, escape_all: bool) -> String {
    if !escape_all {
        return serde_json::to_string(s).expect("a string");
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z][a-z0-9_-]{0,12}",
        1 => Just(String::new()),
        1 => Just("  ".to_string()),
        1 => "[ -~éü€\t\n\"\\\\/]{0,8}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<f64>().prop_filter("finite", |v| v.is_finite()).prop_map(|v| format!("{v:?}")),
        2 => any::<i64>().prop_map(|v| v.to_string()),
        1 => Just("1e400".to_string()),
        1 => Just("-0".to_string()),
        1 => Just("\"3\"".to_string()),
        1 => Just("null".to_string()),
        1 => Just("NaN".to_string()),
        1 => Just("01".to_string()),
        1 => Just("1.".to_string()),
        1 => Just("18446744073709551616".to_string()),
    ]
}

fn ts() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (0u32..3000, 1u32..13, 1u32..29, 0u32..24, 0u32..60, 0u32..61).prop_map(
            |(y, mo, d, h, mi, s)| format!("\"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z\"")
        ),
        1 => Just("\"2026-01-01 00:00:10+02:00\"".to_string()),
        1 => Just("\"2026-01-01T00:00:10.123456789-05:30\"".to_string()),
        1 => Just("\"2026-02-30T00:00:00Z\"".to_string()),
        1 => Just("\"2026-01-01\"".to_string()),
        1 => Just("1767225600".to_string()),
        1 => Just("\"\\u0032026-01-01T00:00:10Z\"".to_string()),
    ]
}

fn version() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("1".to_string()),
        1 => Just("0".to_string()),
        1 => Just("2".to_string()),
        1 => Just("-1".to_string()),
        1 => Just("1.0".to_string()),
        1 => Just("4294967296".to_string()),
    ]
}

fn labels() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::collection::vec((name(), name(), any::<bool>()), 0..4).prop_map(|kv| {
            let inner: Vec<String> = kv
                .iter()
                .map(|(k, v, e)| format!("{}:{}", quote(k, *e), quote(v, !*e)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }),
        1 => Just("{\"a\":3}".to_string()),
        1 => Just("{\"a\":\"x\",\"a\":\"y\"}".to_string()),
        1 => Just("null".to_string()),
        1 => Just("[]".to_string()),
    ]
}

/// One record: the contract's fields, each present or not, in any order,
/// sometimes with an unknown or repeated field, trailing bytes or
/// whitespace.
fn record() -> impl Strategy<Value = Vec<u8>> {
    (
        (
            proptest::option::weighted(0.3, version()),
            proptest::option::weighted(0.97, ts()),
            proptest::option::weighted(0.97, (name(), any::<bool>())),
            proptest::option::weighted(0.7, (name(), any::<bool>())),
            proptest::option::weighted(0.97, (name(), any::<bool>())),
            proptest::option::weighted(0.97, value()),
            proptest::option::weighted(0.4, labels()),
        ),
        prop_oneof![
            20 => Just(""),
            1 => Just(",\"zone\":\"eu\""),
            1 => Just(",\"service\":\"again\""),
            1 => Just(",\"instance\":null"),
        ],
        prop_oneof![10 => Just(""), 1 => Just(" \n"), 1 => Just(" x"), 1 => Just("{}")],
        any::<prop::sample::Index>(),
    )
        .prop_map(
            |((v, ts, service, instance, metric, value, labels), extra, tail, rot)| {
                let mut fields = Vec::new();
                let text = |k: &str, (s, e): (String, bool)| format!("\"{k}\":{}", quote(&s, e));
                if let Some(v) = v {
                    fields.push(format!("\"schema_version\":{v}"));
                }
                if let Some(ts) = ts {
                    fields.push(format!("\"ts\":{ts}"));
                }
                fields.extend(service.map(|s| text("service", s)));
                fields.extend(instance.map(|s| text("instance", s)));
                fields.extend(metric.map(|s| text("metric", s)));
                if let Some(value) = value {
                    fields.push(format!("\"value\":{value}"));
                }
                if let Some(l) = labels {
                    fields.push(format!("\"labels\":{l}"));
                }
                if !fields.is_empty() {
                    let k = rot.index(fields.len());
                    fields.rotate_left(k);
                }
                format!("{{ {}{extra} }}{tail}", fields.join(", ")).into_bytes()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn fast_path_equals_the_contract_decoder(bytes in record()) {
        let slow = decode_metric(&bytes).ok();
        prop_assert_eq!(fast(&bytes), slow, "{}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_bytes_agree_too(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assert_eq!(fast(&bytes), decode_metric(&bytes).ok());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// The hand-read timestamps equal chrono's reading, on the canonical
    /// shape with any digits (invalid dates, hour 24, second 60, long
    /// fractions) and near misses.
    #[test]
    fn utc_seconds_equals_chrono(
        ts in "[0-9]{4}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{0,11})?[Zz+]"
    ) {
        let chrono = ts.parse::<DateTime<Utc>>().ok();
        if let Some(fast) = utc_seconds(&ts) {
            prop_assert_eq!(Some(fast), chrono, "{}", ts);
        }
    }
}

#[test]
fn utc_seconds_reads_the_common_forms() {
    for ts in [
        "2026-01-01T00:00:10Z",
        "2026-12-31T23:59:59.5Z",
        "2024-02-29T12:00:00.123456789Z",
        "0000-01-01T00:00:00Z",
    ] {
        assert_eq!(utc_seconds(ts), ts.parse::<DateTime<Utc>>().ok(), "{ts}");
        assert!(utc_seconds(ts).is_some(), "{ts}");
    }
    for ts in [
        "2026-01-01T00:00:60Z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T00:00:00+00:00",
    ] {
        assert_eq!(utc_seconds(ts), None, "{ts}");
    }
}

#[test]
fn valid_records_take_the_fast_path() {
    let b = br#"{"ts":"2026-01-01T00:00:10Z","service":"api","instance":"api-0","metric":"m","value":2}"#;
    assert_eq!(fast(b), decode_metric(b).ok());
    assert!(fast(b).is_some());
}

#[test]
fn refused_records_keep_the_contract_decoders_reason() {
    let cases: [(&[u8], &str); 5] = [
        (
            br#"{"ts":"2026-01-01T00:00:00Z","service":"api","metric":"m","value":1,"labels":{"a":3}}"#,
            "json record: labels.a: invalid type: integer `3`, expected a string",
        ),
        (
            br#"{"ts":"2026-01-01T00:00:00Z","service":" ","metric":"m","value":1}"#,
            "json record: service: must not be empty",
        ),
        (
            br#"{"schema_version":9,"ts":"2026-01-01T00:00:00Z","service":"a","metric":"m","value":1}"#,
            "json record: schema_version: 9 is newer than the supported 1",
        ),
        (
            br#"{"ts":"2026-01-01T00:00:00Z","service":"a","metric":"m","value":1,"zone":"x"}"#,
            "json record: zone: unknown field `zone`, expected one of `schema_version`, `ts`, `service`, `instance`, `metric`, `value`, `labels`",
        ),
        (b"{\"ts\":", "json record: malformed input at line 1 column 6: EOF while parsing a value"),
    ];
    for (bytes, reason) in cases {
        assert_eq!(fast(bytes), None);
        let mut out = Vec::new();
        let e: FormatError = decode(Format::Json, bytes, &mut out).expect_err("refused");
        assert_eq!(e.to_string(), reason);
        assert_eq!(
            e.to_string(),
            FormatError::Json(decode_metric(bytes).unwrap_err()).to_string()
        );
        assert!(out.is_empty());
    }
}

/// The scan reads the common shape (so the property tests above hold it
/// to the contract decoder too) and leaves every other shape to the next
/// tier, whose answer stands.
#[test]
fn the_scan_reads_the_common_shape_and_nothing_else() {
    let common = [
        r#"{"ts":"2026-01-01T00:00:10Z","service":"api","metric":"cpu","value":0.5}"#,
        r#" { "schema_version" : 1 , "ts":"2026-01-01T00:00:10.25Z", "service":"api",
            "instance":"i-1", "metric":"cpu", "value":-12e-3, "labels": { } }
"#,
        r#"{"value":3,"metric":"m","service":"zürich","ts":"2026-01-01 00:00:10+02:00"}"#,
    ];
    for r in common {
        assert!(scan(r.as_bytes()).is_some(), "{r}");
        let sample = fast(r.as_bytes());
        assert!(sample.is_some(), "{r}");
        assert_eq!(sample, decode_metric(r.as_bytes()).ok(), "{r}");
    }
    let base = r#""ts":"2026-01-01T00:00:10Z","service":"api","metric":"cpu""#;
    let others = [
        format!(r#"{{{base},"value":1,"labels":{{"a":"b"}}}}"#),
        format!(r#"{{{base},"value":1,"zone":"eu"}}"#),
        format!(r#"{{{base},"value":1,"value":2}}"#),
        format!(r#"{{{base},"value":1}} x"#),
        format!(r#"{{{base},"value":01}}"#),
        format!(r#"{{{base},"value":1.}}"#),
        format!(r#"{{{base},"value":"1"}}"#),
        format!(r#"{{{base},"value":1,"instance":null}}"#),
        format!(r#"{{{base},"value":1,"schema_version":1.0}}"#),
        r#"{"ts":"2026-01-01T00:00:10Z","service":"a\u0070i","metric":"cpu","value":1}"#.into(),
    ];
    for r in &others {
        assert!(scan(r.as_bytes()).is_none(), "{r}");
    }
    // The labels and the escape are the serde tier's to read.
    assert!(fast(others[0].as_bytes()).is_some());
    assert_eq!(
        fast(others[9].as_bytes()).map(|s| s.service),
        Some("api".into())
    );
}
