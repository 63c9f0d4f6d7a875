//! Batch and streaming scoring agree exactly. The batch path reads the
//! committed sample's Parquet file with polars into columnar series and
//! replays them through the scorer (what `forewarn backtest run` does); the
//! streaming path sees each sample as a Kafka consumer does, as a
//! metric-sample JSON record decoded one at a time, in the same event-time
//! order. Every event (ids, probabilities, predicted times, evidence) must
//! be bit-identical, and there must be events to compare.

use std::path::PathBuf;

use forewarn_backtest::incidents::replay::{ReplayOptions, replay, samples_in_time_order};
use forewarn_core::decode::decode_metric;
use forewarn_models::artifact::Artifact;
use forewarn_scorer::{Events, Scorer, ScorerOptions};

fn root() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo")).join("../..")
}

#[test]
fn batch_replay_and_record_by_record_streaming_give_identical_events() {
    let pipeline = forewarn_config::load(&root().join("datasets/sample/pipeline.yaml")).unwrap();
    let model = Artifact::load_for(&root().join("models/default"), &pipeline.features.hash())
        .unwrap()
        .model;
    let files = forewarn_train::history::expand(&[root().join("datasets/sample")]).unwrap();
    let history = forewarn_train::history::read(&files).unwrap();

    let batch = replay(
        &pipeline,
        model.clone(),
        &history,
        &[],
        &ReplayOptions::default(),
    )
    .unwrap();

    let mut scorer = Scorer::new(pipeline, model, ScorerOptions::default()).unwrap();
    let mut streamed = Events::default();
    let mut records = 0u64;
    for sample in samples_in_time_order(&history) {
        let record = serde_json::to_vec(&sample).unwrap();
        let decoded = decode_metric(&record).expect("a record we encoded decodes");
        scorer.on_metric(&decoded, &mut streamed).unwrap();
        records += 1;
    }
    assert_eq!(records, batch.samples);
    assert!(batch.events.len() > 50, "{} events", batch.events.len());
    assert_eq!(streamed.issues.len(), batch.events.len());
    for (a, b) in streamed.issues.iter().zip(&batch.events) {
        assert_eq!(a, b);
        assert_eq!(a.probability.to_bits(), b.probability.to_bits());
    }
    assert_eq!(streamed.optimizations, batch.optimizations);
}
