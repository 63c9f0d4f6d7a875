//! A corrupt checkpoint is never used, and the partition does the safest
//! thing left: a newest checkpoint whose bytes were damaged (hash), whose
//! chunk is missing, or whose bytes hash right but do not decode falls
//! back to the previous complete one; with none left, the partition has no
//! checkpoint (a cold start at the committed offset).

use std::path::Path;

use forewarn_models::artifact::Artifact;
use forewarn_scorer::{Scorer, ScorerOptions};
use forewarn_stream::checkpoint::{Assembler, PartitionCheckpoint, encode};

fn checkpoint(next: i64) -> PartitionCheckpoint {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let pipeline = forewarn_config::load(&root.join("datasets/sample/pipeline.yaml")).unwrap();
    let model = Artifact::load_for(&root.join("models/default"), &pipeline.features.hash())
        .unwrap()
        .model;
    let scorer = Scorer::new(pipeline, model, ScorerOptions::default()).unwrap();
    PartitionCheckpoint {
        offsets: vec![("m".into(), next)],
        fingerprint: "f".into(),
        state: scorer.snapshot(),
    }
}

type Records = Vec<(String, Vec<u8>)>;

fn records(epoch: u64, next: i64) -> Records {
    encode("g", "m", 0, epoch, &checkpoint(next)).unwrap()
}

fn assemble(all: &[Records]) -> Option<i64> {
    let mut a = Assembler::new("g", "m", &[0]);
    for r in all {
        for (k, v) in r {
            a.push(k.as_bytes(), v);
        }
    }
    a.finish().remove(&0).map(|cp| cp.offsets[0].1)
}

/// `r` with its manifest recomputed for chunk bytes replaced by `body`
/// (so the length and hash match, and only decoding can fail).
fn rehashed(r: &Records, body: &[u8]) -> Records {
    let (ck, cv) = &r[0];
    let (mk, mv) = r.last().unwrap();
    let mut chunk = cv[..17].to_vec();
    chunk.extend_from_slice(body);
    let mut manifest = mv[..17].to_vec();
    manifest[13..17].copy_from_slice(&1u32.to_be_bytes());
    manifest.extend_from_slice(&(body.len() as u64).to_be_bytes());
    manifest.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(body).to_be_bytes());
    vec![(ck.clone(), chunk), (mk.clone(), manifest)]
}

#[test]
fn the_newest_good_checkpoint_wins() {
    assert_eq!(assemble(&[records(1, 100), records(2, 200)]), Some(200));
}

#[test]
fn a_damaged_newest_checkpoint_falls_back_to_the_previous_one() {
    let mut bad = records(2, 200);
    let last = bad[0].1.len() - 1;
    bad[0].1[last] ^= 0x40;
    assert_eq!(assemble(&[records(1, 100), bad.clone()]), Some(100));
    // Alone, it leaves the partition without a checkpoint.
    assert_eq!(assemble(&[bad]), None);
}

#[test]
fn a_newest_checkpoint_without_its_chunk_falls_back() {
    let mut missing = records(2, 200);
    missing.remove(0);
    assert_eq!(assemble(&[records(1, 100), missing]), Some(100));
}

#[test]
fn bytes_that_hash_right_but_do_not_decode_fall_back() {
    let garbage = rehashed(&records(2, 200), b"\xc1 not messagepack");
    assert_eq!(assemble(&[records(1, 100), garbage.clone()]), Some(100));
    assert_eq!(assemble(&[garbage]), None);
}

#[test]
fn a_manifest_claiming_a_huge_length_is_corrupt_and_allocates_nothing() {
    // Found by fuzzing (crates/fuzz, target checkpoint): the manifest's
    // length was the capacity allocated before the chunks were counted, so
    // a corrupt one aborted the scorer taking the partition.
    let good = records(1, 100);
    let (mk, mv) = good.last().unwrap();
    for (n, len) in [(0u32, u64::MAX), (1, 1 << 62), (1, 0)] {
        let mut manifest = mv[..17].to_vec();
        manifest[5..13].copy_from_slice(&2u64.to_be_bytes());
        manifest[13..17].copy_from_slice(&n.to_be_bytes());
        manifest.extend_from_slice(&len.to_be_bytes());
        manifest.extend_from_slice(&0u64.to_be_bytes());
        let mut bad = records(2, 200);
        *bad.last_mut().unwrap() = (mk.clone(), manifest);
        assert_eq!(
            assemble(&[good.clone(), bad]),
            Some(100),
            "n {n}, len {len}"
        );
    }
}
