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
        // A checkpoint is written from the live state, borrowed: the same
        // bytes (so no format version changes with the live layout).
        assert!(rmp_serde::to_vec_named(&sc.state_ref()).unwrap() == bytes);
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
fn idle_series_are_evicted_and_new_series_over_the_cap_displace_the_idlest() {
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
    assert_eq!(
        refused, 0,
        "over the cap, a new series displaces the idlest"
    );
    assert!(sc.engine().stats().series_displaced > 0);
    assert_eq!(sc.engine().stats().series_evicted, n as u64);
    // A cap of zero holds nothing: then a new series is refused.
    sc.set_max_series(0);
    sc.trim_to_cap();
    assert!(sc.on_metric(&all[2 * hour], &mut out).is_err());
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

/// Restarted with a lower series cap than its checkpoint holds, a scorer
/// keeps the newest series up to the cap (the idlest, oldest newest
/// sample first, are evicted and counted), and a new series is then
/// admitted by displacing the idlest one, never refused.
#[test]
fn a_restore_over_a_lower_cap_keeps_the_newest_and_new_series_displace_the_idlest() {
    let (pipeline, model) = setup();
    let all = samples();
    let mut sc = Scorer::new(pipeline.clone(), model.clone(), ScorerOptions::default()).unwrap();
    let mut out = Events::default();
    let hour = all.len() / 30;
    // 40 series that stopped long ago: one sample each, at the start.
    for i in 0..40 {
        let mut s = all[0].clone();
        s.service = format!("gone-{i}");
        sc.on_metric(&s, &mut out).unwrap();
    }
    for s in &all[..hour] {
        let _ = sc.on_metric(s, &mut out);
    }
    let n = sc.series_count();
    let cap = n - 40;
    let state = sc.snapshot();
    let opts = ScorerOptions {
        max_series: cap,
        ..ScorerOptions::default()
    };
    let (mut back, restored) = Scorer::restore(pipeline, model, opts, state).unwrap();
    assert_eq!(back.series_count(), cap, "the cap holds after a restore");
    assert_eq!(restored.evicted, 40, "{restored:?}");
    assert!(
        back.engine()
            .iter()
            .all(|(k, _, _)| !k.service().starts_with("gone-")),
        "the idlest series go first"
    );
    // A new series is admitted, the idlest displaced; none refused.
    for (i, s) in all[hour..hour + 50].iter().enumerate() {
        let mut s = s.clone();
        s.service = format!("new-{i}");
        assert!(
            back.on_metric(&s, &mut out).is_ok(),
            "a new series was refused"
        );
        assert!(back.series_count() <= cap);
    }
    assert!(back.engine().stats().series_displaced >= 50);
}
