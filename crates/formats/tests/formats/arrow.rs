//! Arrow IPC streams: round trips, the accepted column types, and errors
//! naming the column and row.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::types::Int8Type;
use arrow_array::{
    ArrayRef, DictionaryArray, Float32Array, Float64Array, Int64Array, LargeStringArray,
    RecordBatch, StringArray, StringViewArray, TimestampMillisecondArray, TimestampNanosecondArray,
};
use arrow_ipc::writer::{FileWriter, StreamWriter};
use arrow_schema::{Field, Schema};
use chrono::{DateTime, TimeZone, Utc};
use forewarn_core::contracts::MetricSample;
use forewarn_formats::{Format, FormatError, encode_arrow_ipc, encode_arrow_ipc_chunked};

use crate::{err, ok};

fn sample(i: usize, ts: DateTime<Utc>) -> MetricSample {
    let mut labels = BTreeMap::new();
    if i.is_multiple_of(3) {
        labels.insert("region".into(), format!("eu-{}", i % 2));
        labels.insert("tier".into(), "gold".into());
    }
    MetricSample {
        schema_version: 1,
        ts,
        service: format!("svc-{}", i % 4),
        instance: if i.is_multiple_of(5) {
            String::new()
        } else {
            format!("pod-{i}")
        },
        metric: ["cpu", "memory_rss_bytes", "http_requests_total"][i % 3].into(),
        value: i as f64 * 1.5 - 7.25,
        labels,
    }
}

fn samples(n: usize) -> Vec<MetricSample> {
    let t0 = Utc.timestamp_opt(1_767_225_600, 123_456_789).unwrap();
    (0..n)
        .map(|i| sample(i, t0 + chrono::Duration::milliseconds(i as i64 * 10)))
        .collect()
}

#[test]
fn round_trip_equals_input() {
    let input = samples(1000);
    assert_eq!(ok(Format::Arrow, &encode_arrow_ipc(&input)), input);
    assert_eq!(
        ok(Format::Arrow, &encode_arrow_ipc_chunked(&input, 64)),
        input
    );
    assert!(ok(Format::Arrow, &encode_arrow_ipc(&[])).is_empty());
}

#[test]
fn round_trip_outside_the_nanosecond_range() {
    let far = Utc.with_ymd_and_hms(2400, 1, 1, 0, 0, 0).unwrap();
    let input = vec![
        sample(0, far),
        sample(1, Utc.timestamp_opt(-5, 1000).unwrap()),
    ];
    assert_eq!(ok(Format::Arrow, &encode_arrow_ipc(&input)), input);
}

fn stream(columns: Vec<(&str, ArrayRef)>) -> Vec<u8> {
    batches_stream(vec![columns])
}

fn batches_stream(batches: Vec<Vec<(&str, ArrayRef)>>) -> Vec<u8> {
    let batches: Vec<RecordBatch> = batches
        .into_iter()
        .map(|cols| {
            let schema = Schema::new(
                cols.iter()
                    .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
                    .collect::<Vec<_>>(),
            );
            RecordBatch::try_new(Arc::new(schema), cols.into_iter().map(|(_, a)| a).collect())
                .unwrap()
        })
        .collect();
    let mut w = StreamWriter::try_new(Vec::new(), &batches[0].schema()).unwrap();
    for b in &batches {
        w.write(b).unwrap();
    }
    w.into_inner().unwrap()
}

fn strs(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn good_columns() -> Vec<(&'static str, ArrayRef)> {
    vec![
        (
            "ts",
            Arc::new(Int64Array::from(vec![1_000, 2_000])) as ArrayRef,
        ),
        ("service", strs(&[Some("api"), Some("api")])),
        ("metric", strs(&[Some("cpu"), Some("mem")])),
        (
            "value",
            Arc::new(Float64Array::from(vec![0.5, 2.0])) as ArrayRef,
        ),
    ]
}

#[test]
fn accepts_every_documented_column_type() {
    // Int64 milliseconds, plain Utf8, no instance or labels column, an
    // extra column that is ignored.
    let mut cols = good_columns();
    cols.push(("note", strs(&[None, Some("x")])));
    let s = ok(Format::Arrow, &stream(cols));
    assert_eq!(s.len(), 2);
    assert_eq!(s[1].ts.timestamp_millis(), 2_000);
    assert_eq!((s[1].instance.as_str(), s[1].value), ("", 2.0));

    // Timestamp(ms, +02:00), LargeUtf8, Utf8View, Int8 dictionary, Float32,
    // null instance.
    let dict: DictionaryArray<Int8Type> = vec!["cpu", "cpu"].into_iter().collect();
    let s = ok(
        Format::Arrow,
        &stream(vec![
            (
                "ts",
                Arc::new(TimestampMillisecondArray::from(vec![5, 6]).with_timezone("+02:00")),
            ),
            (
                "service",
                Arc::new(LargeStringArray::from(vec!["db", "db"])),
            ),
            (
                "instance",
                Arc::new(StringViewArray::from(vec![Some("db-0"), None])),
            ),
            ("metric", Arc::new(dict)),
            ("value", Arc::new(Float32Array::from(vec![1.5, -2.0]))),
        ]),
    );
    assert_eq!(
        (s[0].ts.timestamp_millis(), s[0].service.as_str()),
        (5, "db")
    );
    assert_eq!(
        (s[0].instance.as_str(), s[1].instance.as_str()),
        ("db-0", "")
    );
    assert_eq!((s[0].metric.as_str(), s[1].value), ("cpu", -2.0));

    // Timestamp(ns) and Int64 values.
    let s = ok(
        Format::Arrow,
        &stream(vec![
            ("ts", Arc::new(TimestampNanosecondArray::from(vec![7]))),
            ("service", strs(&[Some("api")])),
            ("metric", strs(&[Some("n")])),
            ("value", Arc::new(Int64Array::from(vec![42]))),
        ]),
    );
    assert_eq!((s[0].ts.timestamp_nanos_opt(), s[0].value), (Some(7), 42.0));
}

fn column_err(bytes: &[u8]) -> (String, Option<usize>, String) {
    match err(Format::Arrow, bytes) {
        e @ FormatError::ArrowColumn { .. } => {
            let FormatError::ArrowColumn { column, row, .. } = &e else {
                unreachable!()
            };
            (column.clone(), *row, e.to_string())
        }
        other => panic!("{other:?}"),
    }
}

fn replace(name: &'static str, array: ArrayRef) -> Vec<u8> {
    let cols = good_columns()
        .into_iter()
        .map(|(n, a)| {
            if n == name {
                (n, array.clone())
            } else {
                (n, a)
            }
        })
        .collect();
    stream(cols)
}

#[test]
fn column_errors_name_column_and_row() {
    let missing = stream(
        good_columns()
            .into_iter()
            .filter(|(n, _)| *n != "value")
            .collect(),
    );
    let (c, r, msg) = column_err(&missing);
    assert_eq!((c.as_str(), r), ("value", None));
    assert!(
        msg.contains("missing required column (stream has: ts, service, metric)"),
        "{msg}"
    );

    let (c, _, msg) = column_err(&replace("value", strs(&[Some("1"), Some("2")])));
    assert_eq!(c, "value");
    assert!(
        msg.contains("has type Utf8, expected Float64, Float32 or Int64"),
        "{msg}"
    );

    let (c, _, msg) = column_err(&replace("ts", Arc::new(Float64Array::from(vec![1.0, 2.0]))));
    assert_eq!(c, "ts");
    assert!(msg.contains("expected Timestamp"), "{msg}");

    let (c, r, msg) = column_err(&replace("service", strs(&[Some("api"), None])));
    assert_eq!((c.as_str(), r), ("service", Some(1)));
    assert_eq!(
        msg,
        "arrow column `service` row 1 (batch 0): null in a required column"
    );

    let (c, r, msg) = column_err(&replace("metric", strs(&[Some(" "), Some("m")])));
    assert_eq!((c.as_str(), r), ("metric", Some(0)));
    assert!(msg.contains("must not be empty"), "{msg}");

    let nan = Arc::new(Float64Array::from(vec![1.0, f64::NAN]));
    let (c, r, msg) = column_err(&replace("value", nan));
    assert_eq!((c.as_str(), r), ("value", Some(1)));
    assert!(msg.contains("must be finite, got NaN"), "{msg}");

    let null_ts = Arc::new(Int64Array::from(vec![Some(1), None]));
    assert_eq!(column_err(&replace("ts", null_ts)).1, Some(1));

    let huge = Arc::new(Int64Array::from(vec![1, i64::MAX]));
    let (_, _, msg) = column_err(&replace("ts", huge));
    assert!(msg.contains("out of the supported time range"), "{msg}");
}

#[test]
fn a_bad_later_batch_appends_nothing_and_rows_count_across_batches() {
    let mut bad = good_columns();
    bad[3].1 = Arc::new(Float64Array::from(vec![1.0, f64::INFINITY]));
    let bytes = batches_stream(vec![good_columns(), bad]);
    let (c, r, msg) = column_err(&bytes);
    assert_eq!((c.as_str(), r), ("value", Some(3)));
    assert!(msg.contains("row 3 (batch 1)"), "{msg}");
}

#[test]
fn truncated_garbage_and_non_stream_bytes_are_errors() {
    let bytes = encode_arrow_ipc_chunked(&samples(50), 10);
    // Every proper prefix, including the ones that end on a message
    // boundary (only the end-of-stream marker tells those apart).
    for cut in 0..bytes.len() {
        let e = err(Format::Arrow, &bytes[..cut]);
        assert!(!e.to_string().is_empty());
    }
    let e = err(Format::Arrow, &bytes[..bytes.len() - 8]);
    assert!(e.to_string().contains("end-of-stream marker"), "{e}");

    let e = err(
        Format::Arrow,
        b"definitely not arrow\xff\xff\xff\xff\0\0\0\0",
    );
    assert!(matches!(e, FormatError::ArrowStream { .. }), "{e}");
    err(Format::Arrow, b"");
    err(Format::Arrow, &[0xFF; 64]);

    // An IPC *file* is not a stream.
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new(
            "value",
            arrow_schema::DataType::Float64,
            false,
        )])),
        vec![Arc::new(Float64Array::from(vec![1.0]))],
    )
    .unwrap();
    let mut w = FileWriter::try_new(Vec::new(), &batch.schema()).unwrap();
    w.write(&batch).unwrap();
    let file = w.into_inner().unwrap();
    err(Format::Arrow, &file);

    // Corrupting single bytes never panics and never half-appends.
    let mut out = Vec::new();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x5A;
        if forewarn_formats::decode(Format::Arrow, &b, &mut out).is_ok() {
            assert_eq!(out.len(), 50);
        }
        out.clear();
    }
}

/// A small stream's worth of samples for the corruption property.
pub(crate) fn samples_for_fuzz() -> Vec<MetricSample> {
    samples(12)
}

/// The batches that made arrow-buffer assert (the `arrow_ipc` fuzz target's
/// inputs: a buffer whose length is not a multiple of its element width,
/// one shorter than its column needs) are refused before the IPC reader
/// runs, naming the column and the buffer, and nothing panics, caught or
/// not.
#[test]
fn malformed_buffers_are_refused_before_the_reader_without_a_panic() {
    use std::cell::Cell;
    thread_local!(static PANICS: Cell<usize> = const { Cell::new(0) });
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.with(|p| p.set(p.get() + 1));
        prev(info);
    }));
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/regressions/arrow_ipc"
    ));
    let mut layout = 0;
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        files += 1;
        let msg = err(Format::Arrow, &bytes).to_string();
        if msg.contains(" buffer of ") {
            layout += 1;
        }
    }
    assert_eq!(PANICS.with(Cell::get), 0, "a panic, caught or not");
    assert!(files >= 20, "{files} inputs");
    assert!(
        layout >= 10,
        "only {layout} of {files} refused for a buffer's size"
    );
}
