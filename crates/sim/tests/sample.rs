//! The committed sample in `datasets/sample/` is exactly what its
//! documented command produces, stays under 5 MB, and holds the scenarios
//! the other crates' tests rely on.

#![cfg(feature = "parquet")]

mod common;

use std::path::PathBuf;

use common::scratch;
use forewarn_sim::{
    Compression, IncidentKind, Labels, OutputFormat, SimConfig, TrapKind, simulate,
};

/// `forewarn simulate --services 7 --duration 2d --interval 60s --seed 42
/// --format parquet --compression zstd --out datasets/sample`
fn sample_config() -> SimConfig {
    let mut cfg = SimConfig {
        services: 7,
        duration: "2d".parse().unwrap(),
        interval: "60s".parse().unwrap(),
        seed: 42,
        ..SimConfig::default()
    };
    cfg.output.format = OutputFormat::Parquet;
    cfg.output.compression = Compression::Zstd;
    cfg
}

fn sample_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"))
        .join("../../datasets/sample")
}

#[test]
fn committed_sample_matches_its_command_byte_for_byte() {
    let dir = scratch("sample");
    simulate(&sample_config(), &dir, false).unwrap();
    let mut total = 0;
    for name in ["metrics.parquet", "logs.jsonl", "labels.json"] {
        let fresh = std::fs::read(dir.join(name)).unwrap();
        let committed = std::fs::read(sample_dir().join(name)).unwrap();
        total += committed.len();
        assert!(
            fresh == committed,
            "datasets/sample/{name} is stale: regenerate it with the command in datasets/README.md"
        );
    }
    assert!(total <= 5_000_000, "sample is {total} bytes");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn committed_sample_has_the_promised_scenarios() {
    let labels = Labels::read(&sample_dir().join("labels.json")).unwrap();
    for kind in [
        IncidentKind::MemoryLeak,
        IncidentKind::DiskFill,
        IncidentKind::PoolExhaustion,
        IncidentKind::LatencyCreep,
        IncidentKind::CascadingFailure,
    ] {
        assert!(labels.incidents.iter().any(|i| i.kind == kind), "no {kind}");
    }
    for kind in TrapKind::ALL {
        assert!(labels.traps.iter().any(|t| t.kind == kind), "no {kind}");
    }
}
