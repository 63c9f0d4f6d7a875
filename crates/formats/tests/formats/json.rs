//! Forewarn's JSON contract goes through `forewarn_core::decode`.

use forewarn_formats::{Format, FormatError};

use crate::{err, ok};

#[test]
fn decodes_the_contract() {
    let s = ok(
        Format::Json,
        br#"{"schema_version":1,"ts":"2026-01-01T00:00:10Z","service":"api","instance":"api-0",
            "metric":"memory_rss_bytes","value":1.2e9,"labels":{"region":"eu"}}"#,
    );
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].metric, "memory_rss_bytes");
    assert_eq!(s[0].labels["region"], "eu");
}

#[test]
fn errors_carry_the_json_path() {
    let e = err(
        Format::Json,
        br#"{"ts":"2026-01-01T00:00:00Z","service":"api","metric":"m","value":1,"labels":{"a":3}}"#,
    );
    let FormatError::Json(inner) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(inner.field(), Some("labels.a"));
    assert!(e.to_string().starts_with("json record: labels.a:"), "{e}");

    let e = err(Format::Json, b"\x00garbage");
    assert!(e.to_string().contains("line 1"), "{e}");
}
