//! Time to exhaustion on the simulator's memory-leak and disk-fill
//! scenarios: streamed through the production scorer with the committed
//! default model, every labelled leak and fill is announced before the
//! failure, and the failure time predicted by the first announcement lands
//! within a quarter of the time it left (median within 15 %).

use std::collections::BTreeMap;
use std::path::PathBuf;

use forewarn_core::contracts::{IssueKind, IssueStatus};
use forewarn_models::artifact::Artifact;
use forewarn_scorer::{Events, Scorer, ScorerOptions};
use forewarn_sim::{Fleet, IncidentMix, SimConfig};

fn root() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo")).join("../..")
}

#[test]
fn leaks_and_fills_are_predicted_close_to_their_failure_time() {
    let mut cfg = SimConfig {
        services: 7,
        duration: "3d".parse().unwrap(),
        interval: "60s".parse().unwrap(),
        seed: 11,
        ..SimConfig::default()
    };
    cfg.logs.enabled = false;
    cfg.scenarios.incidents_per_service_day = 0.3;
    cfg.scenarios.mix = IncidentMix {
        memory_leak: 1.0,
        disk_fill: 1.0,
        pool_exhaustion: 0.0,
        latency_creep: 0.0,
        error_burst: 0.0,
        cpu_saturation: 0.0,
        gc_thrash: 0.0,
        cascading_failure: 0.0,
    };
    cfg.scenarios.traps_per_service_day = 0.0;
    cfg.scenarios.ensure_each_trap = false;
    let fleet = Fleet::new(&cfg).unwrap();
    let labels = fleet.labels().clone();
    let pipeline = forewarn_config::load(&root().join("pipelines/default.yaml")).unwrap();
    let model = Artifact::load_for(&root().join("models/default"), &pipeline.features.hash())
        .unwrap()
        .model;
    let mut scorer = Scorer::new(pipeline, model, ScorerOptions::default()).unwrap();
    let mut out = Events::default();
    for batch in fleet {
        for s in &batch.metrics {
            scorer.on_metric(s, &mut out).unwrap();
        }
    }
    let targets: Vec<_> = labels
        .incidents
        .iter()
        .filter(|i| {
            matches!(
                i.issue_kind,
                IssueKind::MemoryExhaustion | IssueKind::DiskExhaustion
            )
        })
        .collect();
    assert!(targets.len() >= 6, "{} leaks and fills", targets.len());
    let mut relative = Vec::new();
    let mut report = BTreeMap::new();
    for inc in &targets {
        let first = out
            .issues
            .iter()
            .filter(|e| e.status == IssueStatus::Open && e.kind == inc.issue_kind)
            .filter(|e| e.service == inc.service)
            .filter(|e| inc.instance.as_ref().is_none_or(|i| *i == e.instance))
            .filter(|e| e.detected_at >= inc.onset && e.detected_at <= inc.failure)
            .min_by_key(|e| e.detected_at);
        let Some(e) = first else {
            panic!(
                "{} ({:?} on {}) was not announced before its failure",
                inc.id, inc.issue_kind, inc.service
            );
        };
        let left = (inc.failure - e.detected_at).num_seconds() as f64;
        let predicted = e
            .predicted_failure_at
            .expect("a trend event names its failure time");
        let err = (predicted - inc.failure).num_seconds() as f64;
        relative.push(err.abs() / left);
        report.insert(inc.id.clone(), (left / 60.0, err / 60.0));
        assert!(
            err.abs() <= 0.25 * left,
            "{}: predicted {predicted} for a failure at {} from {} ({left} s ahead)",
            inc.id,
            inc.failure,
            e.detected_at
        );
    }
    relative.sort_by(f64::total_cmp);
    let median = relative[relative.len() / 2];
    eprintln!("(lead min, error min) per incident: {report:?}; median relative error {median:.3}");
    assert!(median <= 0.15, "median relative error {median}");
}
