//! CSV and JSONL output work in every build; Parquet needs the `parquet`
//! feature and is refused cleanly without it.

mod common;

use common::scratch;
use forewarn_sim::{Error, OutputFormat, SimConfig, simulate};

#[test]
fn csv_output_works_and_parquet_needs_its_feature() {
    let dir = scratch("csv-only");
    let mut cfg = SimConfig {
        services: 4,
        duration: "2h".parse().unwrap(),
        interval: "60s".parse().unwrap(),
        ..SimConfig::default()
    };
    cfg.output.format = OutputFormat::Csv;
    let s = simulate(&cfg, &dir, false).unwrap();
    let csv = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count() as u64, s.metric_rows + 1);
    cfg.output.format = OutputFormat::Parquet;
    let result = simulate(&cfg, &dir, false);
    if cfg!(feature = "parquet") {
        assert!(result.is_ok());
    } else {
        assert!(matches!(result, Err(Error::Config(_))));
    }
    let _ = std::fs::remove_dir_all(dir);
}
