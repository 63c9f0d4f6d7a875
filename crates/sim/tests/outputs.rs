//! The files: the same seed gives the same bytes for every output file
//! (whatever the thread count), different seeds differ, and the CSV, the
//! Parquet file, the JSONL logs and the in-memory [`Fleet`] all hold the
//! same data.

#![cfg(feature = "parquet")]

mod common;

use std::path::Path;

use common::scratch;
use forewarn_core::contracts::LogRecord;
use forewarn_sim::{
    Fleet, LABELS_JSON, LOGS_JSONL, Labels, METRICS_CSV, METRICS_PARQUET, OutputFormat, SimConfig,
    simulate,
};
use polars::prelude::*;

const FILES: [&str; 4] = [METRICS_PARQUET, METRICS_CSV, LOGS_JSONL, LABELS_JSON];

fn small(seed: u64) -> SimConfig {
    let mut cfg = SimConfig {
        services: 7,
        instances_per_service: 2,
        duration: "8h".parse().unwrap(),
        interval: "30s".parse().unwrap(),
        seed,
        ..SimConfig::default()
    };
    cfg.output.rows_per_group = 10_000; // several row groups
    cfg
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn same_seed_same_bytes_for_every_file_and_thread_count() {
    let (a, b, c) = (scratch("same-a"), scratch("same-b"), scratch("same-c"));
    let mut cfg = small(5);
    cfg.output.threads = 1;
    let sa = simulate(&cfg, &a, false).unwrap();
    cfg.output.threads = 2;
    simulate(&cfg, &b, false).unwrap();
    cfg.output.threads = 3;
    simulate(&cfg, &c, false).unwrap();
    for name in FILES {
        let bytes = read(&a, name);
        assert!(!bytes.is_empty(), "{name} empty");
        assert!(
            read(&b, name) == bytes,
            "{name} differs between 1 and 2 threads"
        );
        assert!(
            read(&c, name) == bytes,
            "{name} differs between 1 and 3 threads"
        );
    }
    assert_eq!(sa.files.len(), 4);
    assert_eq!(sa.metric_rows, 960 * 14 * 13);
    for dir in [a, b, c] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn different_seeds_differ() {
    let (a, b) = (scratch("seed-a"), scratch("seed-b"));
    simulate(&small(5), &a, false).unwrap();
    simulate(&small(6), &b, false).unwrap();
    for name in FILES {
        assert!(
            read(&a, name) != read(&b, name),
            "{name} is the same for two seeds"
        );
    }
    for dir in [a, b] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn csv_parquet_jsonl_and_fleet_hold_the_same_data() {
    let dir = scratch("consistent");
    let cfg = small(8);
    let summary = simulate(&cfg, &dir, false).unwrap();

    // In memory.
    let fleet = Fleet::new(&cfg).unwrap();
    let labels = fleet.labels().clone();
    let mut rows: Vec<(String, String, String, String, f64)> = Vec::new();
    let mut logs: Vec<LogRecord> = Vec::new();
    for step in fleet {
        for s in step.metrics {
            let ts = s.ts.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            rows.push((ts, s.service, s.instance, s.metric, s.value));
        }
        logs.extend(step.logs);
    }
    assert_eq!(rows.len() as u64, summary.metric_rows);

    // CSV.
    let csv = String::from_utf8(read(&dir, METRICS_CSV)).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("ts,service,instance,metric,value"));
    let mut n = 0;
    for (line, row) in lines.zip(&rows) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(
            (f[0], f[1], f[2], f[3]),
            (
                row.0.as_str(),
                row.1.as_str(),
                row.2.as_str(),
                row.3.as_str()
            )
        );
        assert_eq!(f[4].parse::<f64>().unwrap(), row.4, "{line}");
        n += 1;
    }
    assert_eq!(n, rows.len());

    // Parquet.
    let file = std::fs::File::open(dir.join(METRICS_PARQUET)).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    assert_eq!(df.height(), rows.len());
    let ts = df.column("ts").unwrap();
    assert_eq!(
        ts.dtype(),
        &DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
    );
    let ts = ts.datetime().unwrap().physical().clone();
    let service = df.column("service").unwrap().str().unwrap().clone();
    let metric = df.column("metric").unwrap().str().unwrap().clone();
    let value = df.column("value").unwrap().f64().unwrap().clone();
    let t0 = labels.start.timestamp_millis();
    for (i, row) in rows.iter().enumerate().step_by(97) {
        assert_eq!(service.get(i), Some(row.1.as_str()));
        assert_eq!(metric.get(i), Some(row.3.as_str()));
        assert_eq!(value.get(i), Some(row.4));
        let step = (i / (7 * 2 * 13)) as i64;
        assert_eq!(ts.get(i), Some(t0 + step * 30_000));
    }
    let csv_sum: f64 = rows.iter().map(|r| r.4).sum();
    let pq_sum: f64 = value.into_no_null_iter().sum();
    assert_eq!(csv_sum, pq_sum);

    // Logs and labels.
    let jsonl = String::from_utf8(read(&dir, LOGS_JSONL)).unwrap();
    let parsed: Vec<LogRecord> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed, logs);
    assert_eq!(parsed.len() as u64, summary.log_lines);
    for l in jsonl.lines().take(50) {
        forewarn_core::decode::decode_log(l.as_bytes()).unwrap();
    }
    assert_eq!(Labels::read(&dir.join(LABELS_JSON)).unwrap(), labels);
    let _ = std::fs::remove_dir_all(dir);
}

/// The `ARROW:schema` metadata of a Parquet file.
fn arrow_schema_of(bytes: Vec<u8>) -> Option<String> {
    let mut reader = ParquetReader::new(std::io::Cursor::new(bytes));
    let meta = reader.get_metadata().unwrap();
    meta.key_value_metadata()
        .iter()
        .flatten()
        .find(|kv| kv.key == "ARROW:schema")
        .and_then(|kv| kv.value.clone())
}

#[test]
fn parquet_declares_plain_string_columns_for_every_reader() {
    // The key columns are written from dictionaries, but the Arrow schema
    // in the file must be the one of plain strings: readers built without
    // polars' categorical support would refuse a dictionary type.
    let dir = scratch("schema");
    let mut cfg = small(3);
    cfg.output.format = OutputFormat::Parquet;
    simulate(&cfg, &dir, false).unwrap();
    let mut df = DataFrame::empty_with_schema(&Schema::from_iter([
        Field::new(
            "ts".into(),
            DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)),
        ),
        Field::new("service".into(), DataType::String),
        Field::new("instance".into(), DataType::String),
        Field::new("metric".into(), DataType::String),
        Field::new("value".into(), DataType::Float64),
    ]));
    let mut plain = Vec::new();
    ParquetWriter::new(&mut plain).finish(&mut df).unwrap();
    let expected = arrow_schema_of(plain);
    assert!(expected.is_some());
    assert_eq!(arrow_schema_of(read(&dir, METRICS_PARQUET)), expected);
    let df = ParquetReader::new(std::fs::File::open(dir.join(METRICS_PARQUET)).unwrap())
        .finish()
        .unwrap();
    for name in ["service", "instance", "metric"] {
        assert_eq!(df.column(name).unwrap().dtype(), &DataType::String);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn formats_and_no_logs_write_only_what_was_asked() {
    let dir = scratch("formats");
    let mut cfg = small(9);
    cfg.output.format = OutputFormat::Parquet;
    cfg.logs.enabled = false;
    let s = simulate(&cfg, &dir, false).unwrap();
    let names: Vec<&str> = s.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, [METRICS_PARQUET, LABELS_JSON]);
    assert!(!dir.join(METRICS_CSV).exists() && !dir.join(LOGS_JSONL).exists());
    assert_eq!(s.log_lines, 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn invalid_config_is_refused_with_every_problem() {
    let cfg = SimConfig {
        services: 0,
        interval: "0s".parse().unwrap(),
        ..SimConfig::default()
    };
    let dir = scratch("invalid");
    let err = simulate(&cfg, &dir, false).unwrap_err().to_string();
    let _ = std::fs::remove_dir_all(dir);
    assert!(
        err.contains("services:") && err.contains("interval:"),
        "{err}"
    );
}
