//! A scorer stopped anywhere, its state serialised (MessagePack, as the
//! Kafka runtime checkpoints it) and restored into a new scorer, goes on
//! exactly as if it had never stopped: every later event is the same, bit
//! for bit. This is what lets a restarted or rebalanced `forewarn score`
//! resume warm without losing or re-raising incidents.

use std::path::Path;

use forewarn_core::contracts::MetricSample;
use forewarn_models::artifact::Artifact;
use forewarn_scorer::{Events, Scorer, ScorerOptions, ScorerState};
use forewarn_sim::{Fleet, SimConfig};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn setup() -> (
    forewarn_config::PipelineConfig,
    forewarn_models::artifact::Model,
) {
    let mut pipeline =
        forewarn_config::load(&root().join("datasets/sample/pipeline.yaml")).unwrap();
    // Cover the univariate detectors' state too.
    pipeline.models.anomaly.univariate = vec!["latency_p99_ms".into()];
    let model = Artifact::load_for(&root().join("models/default"), &pipeline.features.hash())
        .unwrap()
        .model;
    (pipeline, model)
}

fn samples() -> Vec<MetricSample> {
    let cfg = SimConfig {
        services: 7,
        duration: "30h".parse().unwrap(),
        interval: "60s".parse().unwrap(),
        seed: 11,
        ..SimConfig::default()
    };
    Fleet::new(&cfg).unwrap().flat_map(|b| b.metrics).collect()
}

fn lines(e: &Events) -> Vec<String> {
    e.issues
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .chain(
            e.optimizations
                .iter()
                .map(|o| serde_json::to_string(o).unwrap()),
        )
        .collect()
}

#[test]
fn a_restored_scorer_continues_exactly_where_it_stopped() {
    let (pipeline, model) = setup();
    let all = samples();
    let opts = ScorerOptions::default();

    let mut whole = Scorer::new(pipeline.clone(), model.clone(), opts.clone()).unwrap();
    let mut expected = Events::default();
    for s in &all {
        let _ = whole.on_metric(s, &mut expected);
    }
    assert!(
        expected.issues.len() >= 3,
        "the run should raise incidents to compare: {}",
        expected.issues.len()
    );

    // Stop three times along the way, each time through bytes.
    let cuts = [all.len() / 5, all.len() / 2, all.len() * 4 / 5];
    let mut sc = Scorer::new(pipeline.clone(), model.clone(), opts.clone()).unwrap();
    let mut got = Events::default();
    let mut from = 0;
    for &cut in cuts.iter().chain([all.len()].iter()) {
        for s in &all[from..cut] {
            let _ = sc.on_metric(s, &mut got);
        }
        from = cut;
        if cut == all.len() {
            break;
        }
        let bytes = rmp_serde::to_vec_named(&sc.snapshot()).unwrap();
        let state: ScorerState = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(state.series_count(), sc.series_count());
        let (next, restored) =
            Scorer::restore(pipeline.clone(), model.clone(), opts.clone(), state).unwrap();
        assert_eq!(restored.series, sc.series_count());
        assert_eq!(restored.refused, 0);
        sc = next;
    }
    assert_eq!(lines(&got), lines(&expected));
}

#[test]
fn a_cold_scorer_differs_so_the_comparison_above_can_fail() {
    // Restarting from nothing at the midpoint loses the windows: the
    // events after it are not those of the uninterrupted run.
    let (pipeline, model) = setup();
    let all = samples();
    let opts = ScorerOptions::default();
    let mut whole = Scorer::new(pipeline.clone(), model.clone(), opts.clone()).unwrap();
    let mut expected = Events::default();
    for s in &all {
        let _ = whole.on_metric(s, &mut expected);
    }
    let mut first = Scorer::new(pipeline.clone(), model.clone(), opts.clone()).unwrap();
    let mut got = Events::default();
    let half = all.len() / 2;
    for s in &all[..half] {
        let _ = first.on_metric(s, &mut got);
    }
    let mut cold = Scorer::new(pipeline, model, opts).unwrap();
    for s in &all[half..] {
        let _ = cold.on_metric(s, &mut got);
    }
    assert_ne!(lines(&got), lines(&expected));
}

#[test]
fn idle_series_are_evicted_and_the_cap_refuses_new_ones() {
    let (pipeline, model) = setup();
    let all = samples();
    let mut sc = Scorer::new(pipeline, model, ScorerOptions::default()).unwrap();
    let mut out = Events::default();
    let hour = all.len() / 30;
    for s in &all[..hour] {
        let _ = sc.on_metric(s, &mut out);
    }
    let n = sc.series_count();
    assert!(n > 50, "{n}");
    // Nothing is idle relative to the first sample; everything is relative to the far future.
    assert_eq!(sc.evict_idle(all[0].ts.timestamp_millis()), 0);
    let far = all[hour].ts.timestamp_millis() + 1;
    assert_eq!(sc.evict_idle(far), n);
    assert_eq!(sc.series_count(), 0);
    sc.set_max_series(5);
    let refused = all[hour..2 * hour]
        .iter()
        .filter(|s| sc.on_metric(s, &mut out).is_err())
        .count();
    assert_eq!(sc.series_count(), 5);
    assert!(refused > 0);
    assert_eq!(sc.engine().stats().series_evicted, n as u64);
}

#[test]
fn a_redelivered_sample_changes_nothing() {
    // At-least-once input: a record read again after a restart must not
    // move the trend, the limits or anything else.
    let (pipeline, model) = setup();
    let all = samples();
    let mut sc = Scorer::new(pipeline, model, ScorerOptions::default()).unwrap();
    let mut out = Events::default();
    let cut = all.len() / 3;
    for s in &all[..cut] {
        let _ = sc.on_metric(s, &mut out);
    }
    let before = rmp_serde::to_vec_named(&sc.snapshot()).unwrap();
    // The newest sample of each of a few series, again.
    for s in &all[cut - 20..cut] {
        let _ = sc.on_metric(s, &mut out);
    }
    let after = rmp_serde::to_vec_named(&sc.snapshot()).unwrap();
    assert!(before == after, "state moved on redelivered samples");
}
