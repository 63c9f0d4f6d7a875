//! What the scorer holds per series, by its own count: a series seen three
//! times (the way the README measures memory from outside) costs its
//! windows only as far as they have filled, a packed key and a slot; no
//! series pays for a trend track it does not have, nor a capacity target
//! for a daily profile it never reads. The figures from outside (RSS) are
//! in the README, "Memory per series, measured from outside".

use std::path::Path;

use forewarn_config::{Limits, ServiceConfig, Slo};
use forewarn_core::contracts::RecommendedAction;
use forewarn_models::artifact::Artifact;
use forewarn_scorer::{Events, Scorer, ScorerOptions};
use forewarn_sim::{Fleet, SimConfig};

#[test]
fn a_young_series_holds_well_under_a_kibibyte_of_windows_and_index() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let mut pipeline = forewarn_config::load(&root.join("datasets/sample/pipeline.yaml")).unwrap();
    let model = Artifact::load_for(&root.join("models/default"), &pipeline.features.hash())
        .unwrap()
        .model;
    let cfg = SimConfig {
        services: 200,
        duration: "3m".parse().unwrap(),
        interval: "60s".parse().unwrap(),
        seed: 3,
        ..SimConfig::default()
    };
    let fleet = Fleet::new(&cfg).unwrap();
    pipeline.services = fleet
        .labels()
        .services
        .iter()
        .map(|s| {
            let c = ServiceConfig {
                depends_on: s.depends_on.clone(),
                auto_retry: false,
                timeout: None,
                health_check: None,
                recovery_strategy: RecommendedAction::Restart,
                limits: Limits {
                    memory_bytes: Some(s.memory_limit_bytes),
                    disk_bytes: Some(s.disk_capacity_bytes),
                    connections: Some(s.connections_max),
                    ..Limits::default()
                },
                slo: Slo {
                    latency_p99_ms: Some(s.slo_latency_p99_ms),
                    error_rate: Some(0.01),
                    ..Slo::default()
                },
            };
            (s.name.clone(), c)
        })
        .collect();
    let mut sc = Scorer::new(pipeline, model, ScorerOptions::default()).unwrap();
    let mut out = Events::default();
    for s in fleet.flat_map(|b| b.metrics) {
        sc.on_metric(&s, &mut out).unwrap();
    }
    let n = sc.series_count();
    assert_eq!(n, 200 * 13);
    let e = sc.engine();
    let (windows, index) = (e.memory_bytes() / n, e.index_bytes() / n);
    eprintln!("per series: windows {windows} bytes, table, key and slot {index} bytes");
    // Before the windows were grown as they fill and keys packed: 1,750
    // and about 500 (a 272-byte entry in a table at most 7/8 full, and
    // three heap strings).
    assert!(windows <= 900, "windows {windows}");
    assert!(index <= 160, "index {index}");
}
