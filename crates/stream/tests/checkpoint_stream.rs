//! A checkpoint is encoded straight from the live scorer (borrowed, cut
//! into chunks as it is written, never copied or buffered whole): its
//! records are those of the owned snapshot of the same moment, byte for
//! byte, over several chunks, and they assemble and decode back.

use std::path::Path;

use forewarn_models::artifact::Artifact;
use forewarn_scorer::{Events, Scorer, ScorerOptions};
use forewarn_sim::{Fleet, SimConfig};
use forewarn_stream::checkpoint::{
    Assembler, CHUNK_BYTES, PartitionCheckpoint, PartitionCheckpointRef, encode,
};

fn scorer() -> Scorer {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let pipeline = forewarn_config::load(&root.join("datasets/sample/pipeline.yaml")).unwrap();
    let model = Artifact::load_for(&root.join("models/default"), &pipeline.features.hash())
        .unwrap()
        .model;
    let cfg = SimConfig {
        services: 40,
        duration: "40m".parse().unwrap(),
        interval: "60s".parse().unwrap(),
        seed: 5,
        ..SimConfig::default()
    };
    let mut sc = Scorer::new(pipeline, model, ScorerOptions::default()).unwrap();
    let mut out = Events::default();
    for s in Fleet::new(&cfg).unwrap().flat_map(|b| b.metrics) {
        let _ = sc.on_metric(&s, &mut out);
    }
    sc
}

#[test]
fn the_streamed_checkpoint_is_the_snapshot_s_byte_for_byte() {
    let sc = scorer();
    let owned = PartitionCheckpoint {
        offsets: vec![("m".into(), 42)],
        fingerprint: "f".into(),
        state: sc.snapshot(),
    };
    let borrowed = PartitionCheckpointRef {
        offsets: vec![("m", 42)],
        fingerprint: "f",
        state: sc.state_ref(),
    };
    let a = encode("g", "m", 3, 7, &owned).unwrap();
    let b = encode("g", "m", 3, 7, &borrowed).unwrap();
    assert!(a.len() >= 3, "several chunks and a manifest: {}", a.len());
    assert!(a[..a.len() - 2].iter().all(|(_, v)| v.len() > CHUNK_BYTES));
    assert_eq!(a.len(), b.len());
    for ((ka, va), (kb, vb)) in a.iter().zip(&b) {
        assert_eq!(ka, kb);
        assert!(va == vb, "record {ka} differs");
    }
    let mut asm = Assembler::new("g", "m", &[3]);
    for (k, v) in &b {
        asm.push(k.as_bytes(), v);
    }
    let back = asm.finish().remove(&3).expect("assembles and decodes");
    assert_eq!(back.offsets, vec![("m".to_string(), 42)]);
    assert_eq!(back.state.series_count(), sc.series_count());
}
