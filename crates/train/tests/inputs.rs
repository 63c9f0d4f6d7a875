//! Reading history: the simulator's CSV and Parquet give the same series,
//! NAB files read as one series, and every bad input is a clear error
//! naming the file (and column or row), never a panic.

mod common;

use std::path::PathBuf;

use forewarn_train::history::{expand, read};
use forewarn_train::synthetic::Fleet;
use forewarn_train::{Error, Trainer};

fn small() -> Fleet {
    Fleet {
        services: 2,
        duration_ms: 600_000,
        ..Fleet::default()
    }
}

#[test]
fn csv_and_parquet_of_the_simulator_layout_give_the_same_series() {
    let dir = common::scratch("same");
    let h = small().generate();
    common::write_csv(&h, &dir.join("metrics.csv"));
    common::write_parquet(&h, &dir.join("metrics.parquet"));
    let csv = read(&[dir.join("metrics.csv")]).unwrap();
    let pq = read(&[dir.join("metrics.parquet")]).unwrap();
    assert_eq!(
        csv.series, h.series,
        "CSV text round-trips the values exactly"
    );
    assert_eq!(pq.series, h.series);
    assert_eq!(csv.rows, h.rows);
    assert_ne!(csv.hash, pq.hash, "the hash is of the file bytes");
    // A directory stands for its metrics.parquet.
    assert_eq!(
        expand(std::slice::from_ref(&dir)).unwrap(),
        [dir.join("metrics.parquet")]
    );
}

#[test]
fn nab_files_are_one_series_named_after_the_file() {
    let dir = common::scratch("nab");
    let path = dir.join("machine_temperature.csv");
    std::fs::write(
        &path,
        "timestamp,value\n2014-04-01 00:05:00,2.5\n2014-04-01 00:00:00,1.5\n2014-04-01 00:10:00,\n",
    )
    .unwrap();
    let h = read(std::slice::from_ref(&path)).unwrap();
    assert_eq!(h.series.len(), 1);
    let s = &h.series[0];
    assert_eq!(
        (
            s.key.service.as_str(),
            s.key.instance.as_str(),
            s.key.metric.as_str()
        ),
        ("machine_temperature", "", "value")
    );
    assert_eq!(
        s.ts,
        [1_396_310_400_000, 1_396_310_700_000, 1_396_311_000_000]
    );
    assert_eq!(s.values[..2], [1.5, 2.5]);
    assert!(
        s.values[2].is_nan(),
        "an empty value is missing, not an error"
    );
}

#[test]
fn real_nab_files_read_when_present() {
    let dir = PathBuf::from("/work/shared/datasets/nab/data/realKnownCause");
    let Ok(files) = expand(&[dir]) else {
        eprintln!("NAB data not present; skipped");
        return;
    };
    let h = read(&files).unwrap();
    assert_eq!(h.series.len(), files.len());
    assert!(
        h.series
            .iter()
            .all(|s| s.len() > 1000 && s.ts.windows(2).all(|w| w[0] <= w[1]))
    );
}

fn err(files: &[PathBuf]) -> String {
    let e: Error = read(files).unwrap_err();
    e.to_string()
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = common::scratch("bad");
    let w = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let no_metric = w(
        "no_metric.csv",
        "ts,service,instance,value\n2026-01-05T00:00:00Z,api,0,1\n",
    );
    let e = err(&[no_metric]);
    assert!(
        e.contains(
            "no_metric.csv: column `metric`: missing (found columns: ts, service, instance, value)"
        ),
        "{e}"
    );

    let bad_ts = w(
        "bad_ts.csv",
        "ts,service,instance,metric,value\n2026-01-05T00:00:00Z,api,0,cpu,1\nnoon,api,0,cpu,2\n",
    );
    let e = err(&[bad_ts]);
    assert!(
        e.contains("bad_ts.csv: row 2, column `ts`: cannot parse timestamp \"noon\""),
        "{e}"
    );

    let bad_value = w(
        "bad_value.csv",
        "timestamp,value\n2014-04-01 00:00:00,1.5\n2014-04-01 00:05:00,high\n",
    );
    let e = err(&[bad_value]);
    assert!(
        e.contains("bad_value.csv: row 2, column `value`: cannot parse \"high\" as a number"),
        "{e}"
    );

    let null_key = w(
        "null_key.csv",
        "ts,service,instance,metric,value\n2026-01-05T00:00:00Z,,0,cpu,1\n",
    );
    let e = err(&[null_key]);
    assert!(
        e.contains("null_key.csv: row 1, column `service`: missing value"),
        "{e}"
    );

    let header_only = w("header_only.csv", "ts,service,instance,metric,value\n");
    let e = err(&[header_only]);
    assert!(
        e.starts_with("no training data:") && e.contains("header_only.csv held no rows"),
        "{e}"
    );

    let empty = w("empty.csv", "");
    let e = err(&[empty]);
    assert!(
        e.starts_with(&format!(
            "{}: cannot read CSV",
            dir.join("empty.csv").display()
        )),
        "{e}"
    );

    let garbage = w("garbage.parquet", "this is not parquet");
    let e = err(&[garbage]);
    assert!(e.contains("garbage.parquet: cannot read Parquet"), "{e}");

    let unknown = w("metrics.json", "{}");
    assert!(err(&[unknown]).contains("metrics.json: unknown file type"));

    let missing = dir.join("missing.csv");
    let e = err(std::slice::from_ref(&missing));
    assert!(e.starts_with(&missing.display().to_string()), "{e}");
    let e = expand(&[missing]).unwrap_err().to_string();
    assert!(e.ends_with("missing.csv: no such file or directory"), "{e}");
    let e = expand(&[common::scratch("empty-dir")])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("directory holds no .csv or .parquet file"),
        "{e}"
    );

    assert!(err(&[]).contains("no input files"));
}

#[test]
fn training_reports_bad_inputs_and_settings_too() {
    let pipeline = common::pipeline();
    let dir = common::scratch("train-bad");
    let p = dir.join("x.csv");
    std::fs::write(&p, "ts,service,instance,metric\n").unwrap();
    let trainer = Trainer::new(&pipeline).config(common::quick());
    let e = trainer.train_files(&[p], "m").unwrap_err().to_string();
    assert!(e.contains("x.csv: column `value`: missing"), "{e}");
    let e = trainer
        .train_history(&small().generate(), "a/b")
        .unwrap_err()
        .to_string();
    assert!(e.contains("must be a single directory name"), "{e}");
    let mut cfg = common::quick();
    cfg.anomaly.features = vec!["7m.mean".into()];
    let e = Trainer::new(&pipeline)
        .config(cfg)
        .train_history(&small().generate(), "m")
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("anomaly feature `7m.mean` is not computed"),
        "{e}"
    );
    let e = trainer
        .train_history(&forewarn_train::History::from_series(vec![]), "m")
        .unwrap_err();
    assert!(e.to_string().starts_with("no training data"), "{e}");
}

#[test]
fn nab_files_train_when_present() {
    let dir = PathBuf::from("/work/shared/datasets/nab/data/realKnownCause");
    if !dir.is_dir() {
        eprintln!("NAB data not present; skipped");
        return;
    }
    // NAB's series are mostly 5 minutes apart: the default pipeline's 1m
    // window would hold one sample, and training says so.
    let mut pipeline = common::pipeline();
    let e = Trainer::new(&pipeline)
        .config(common::quick())
        .train_files(std::slice::from_ref(&dir), "nab")
        .unwrap_err();
    assert!(e.to_string().contains("sampled every 5m"), "{e}");
    assert_eq!(
        pipeline
            .features
            .at_interval(forewarn_core::HumanDuration::from_secs(300)),
        ["1m"]
    );
    let trained = Trainer::new(&pipeline)
        .config(common::quick())
        .train_files(&[dir], "nab")
        .unwrap();
    let model = &trained.artifact.model;
    assert!(model.trend.is_empty(), "NAB has no capacity or SLO metric");
    assert!(
        model
            .services
            .contains_key("machine_temperature_system_failure")
    );
    assert_eq!(
        model.services.values().next().unwrap().features,
        ["value.5m.mean"]
    );
    assert!(model.fallback.is_some());
    assert_eq!(trained.artifact.metadata.training.files.len(), 7);
}

#[test]
fn the_committed_simulator_sample_trains() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"))
        .join("../../datasets/sample");
    assert!(
        dir.join("metrics.parquet").is_file(),
        "{} is committed; it must be there",
        dir.display()
    );
    let pipeline = common::pipeline();
    let trained = Trainer::new(&pipeline)
        .config(common::quick())
        .train_files(&[dir], "sample")
        .unwrap();
    assert!(!trained.artifact.model.services.is_empty());
    assert!(
        trained
            .artifact
            .model
            .trend
            .contains_key("memory_rss_bytes")
    );
}

/// Data sampled every 5 minutes needs windows of at least 5 minutes, so
/// its pipeline has no `1m` window: the default anomaly feature is the mean
/// of whatever window is shortest, here `5m.mean` (a fixed `1m.mean`
/// refused to train on such a pipeline).
#[test]
fn five_minute_data_trains_on_its_shortest_window() {
    let yaml = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../pipelines/default.yaml"),
    )
    .unwrap();
    let windows = "    - { name: 1m, length: 1m, panes: 3 }\n    - { name: 5m, length: 5m, panes: 5 }\n    - { name: 1h, length: 1h, panes: 6 }\n";
    assert!(
        yaml.contains(windows),
        "the default pipeline's windows moved"
    );
    let yaml = yaml
        .replace(
            windows,
            "    - { name: 1h, length: 1h, panes: 6 }\n    - { name: 5m, length: 5m, panes: 1 }\n",
        )
        .replace("expected_interval: 60s", "expected_interval: 5m");
    let pipeline = forewarn_config::load_str(&yaml).unwrap();
    let history = Fleet {
        services: 2,
        duration_ms: 2 * 86_400_000,
        interval_ms: 300_000,
        ..Fleet::default()
    }
    .generate();
    let trained = Trainer::new(&pipeline)
        .config(common::quick())
        .train_history(&history, "m")
        .unwrap();
    let model = &trained.artifact.model;
    assert!(!model.services.is_empty(), "no service model was fitted");
    for (service, m) in &model.services {
        assert!(!m.features.is_empty(), "{service}");
        assert!(
            m.features.iter().all(|f| f.ends_with(".5m.mean")),
            "{service}: {:?}",
            m.features
        );
    }
}

/// The default pipeline (windows from 1 minute) on history sampled every
/// 5 minutes: its 1m window would hold at most one sample. Until
/// 2026-12-08 this trained without a word; it is refused, naming the
/// interval found and the window.
#[test]
fn history_sparser_than_a_window_is_refused_naming_both() {
    let pipeline = common::pipeline();
    let day_every = |interval_ms| {
        Fleet {
            services: 2,
            duration_ms: 86_400_000,
            interval_ms,
            ..Fleet::default()
        }
        .generate()
    };
    let train = |history| {
        Trainer::new(&pipeline)
            .config(common::quick())
            .train_history(history, "m")
    };
    let sparse = day_every(300_000);
    let err = train(&sparse).unwrap_err().to_string();
    assert!(err.contains("sampled every 5m"), "{err}");
    assert!(err.contains("window(s) 1m are shorter"), "{err}");
    // The same history at the default's own interval trains.
    let minute = day_every(60_000);
    train(&minute).unwrap();
}
