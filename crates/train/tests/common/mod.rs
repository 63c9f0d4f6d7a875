//! Helpers shared by the integration tests: the default pipeline, scratch
//! directories, and writers of the simulator's CSV and Parquet layouts.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};

use forewarn_config::PipelineConfig;
use forewarn_train::{FitConfig, History};
use polars::prelude::{
    Column, DataFrame, DataType, IntoColumn, NamedFrom, ParquetWriter, Series, TimeUnit, TimeZone,
};

/// `pipelines/default.yaml`.
pub(crate) fn pipeline() -> PipelineConfig {
    let path = Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"))
        .join("../../pipelines/default.yaml");
    forewarn_config::load(&path).expect("default pipeline is valid")
}

/// A fresh, empty scratch directory for one test.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("forewarn-train-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Fit settings small enough for unoptimised test builds.
pub(crate) fn quick() -> FitConfig {
    let mut c = FitConfig::default();
    c.anomaly.max_rows_per_service = 400;
    c.anomaly.max_rows_fallback = 600;
    c.trend.sample_budget = 20_000;
    c
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Write `h` as the simulator's `metrics.csv`, rows in time order.
pub(crate) fn write_csv(h: &History, path: &Path) {
    let mut rows: Vec<(i64, usize, usize)> = Vec::new();
    for (s, series) in h.series.iter().enumerate() {
        rows.extend(series.ts.iter().enumerate().map(|(i, t)| (*t, s, i)));
    }
    rows.sort();
    let mut out = String::from("ts,service,instance,metric,value\n");
    for (t, s, i) in rows {
        let k = &h.series[s].key;
        let _ = writeln!(
            out,
            "{},{},{},{},{}",
            rfc3339(t),
            k.service,
            k.instance,
            k.metric,
            h.series[s].values[i]
        );
    }
    std::fs::write(path, out).unwrap();
}

/// Write `h` as the simulator's `metrics.parquet` (`ts` as
/// `Datetime(Milliseconds, UTC)`).
pub(crate) fn write_parquet(h: &History, path: &Path) {
    let (mut ts, mut svc, mut inst, mut metric, mut value) =
        (vec![], vec![], vec![], vec![], vec![]);
    for s in &h.series {
        for (t, v) in s.points() {
            ts.push(t);
            svc.push(s.key.service.clone());
            inst.push(s.key.instance.clone());
            metric.push(s.key.metric.clone());
            value.push(v);
        }
    }
    let ts = Series::new("ts".into(), ts)
        .cast(&DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))
        .unwrap();
    let cols: Vec<Column> = vec![
        ts.into_column(),
        Series::new("service".into(), svc).into_column(),
        Series::new("instance".into(), inst).into_column(),
        Series::new("metric".into(), metric).into_column(),
        Series::new("value".into(), value).into_column(),
    ];
    let mut df = DataFrame::new_infer_height(cols).unwrap();
    ParquetWriter::new(File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}
