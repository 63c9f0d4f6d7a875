//! The scorer's checkpoints as the checkpoint topic holds them, through
//! [`Assembler`] (every record of the topic, then the newest complete
//! checkpoint of each partition) and [`Scorer::restore`], as a scorer
//! taking a partition does: truncated or bit-flipped chunks, a manifest
//! whose length or hash lies, state from another build.
//!
//! The first byte chooses how the rest is read:
//! - even: records, each `[key length: u8][key][value length: u32 LE][value]`,
//!   pushed in order (framing, epochs, manifests);
//! - odd: the MessagePack of a whole checkpoint, wrapped in a correct chunk
//!   and manifest (so the bytes reach the decoder and the restore).
//!
//! A checkpoint that restores is used (one sample scored), snapshotted,
//! encoded with [`checkpoint::encode`] and read back: it must come back
//! with the same series.

use chrono::{TimeZone, Utc};
use forewarn_core::contracts::MetricSample;
use forewarn_models::artifact::Model;
use forewarn_scorer::{Events, Scorer, ScorerOptions};
use forewarn_stream::checkpoint::{self, Assembler, PartitionCheckpoint};

use crate::files::default_pipeline;

const GROUP: &str = "g";
const TOPIC: &str = "metrics";

/// The header of a checkpoint record (see `forewarn_stream::checkpoint`).
fn header(kind: u8, epoch: u64, n: u32) -> Vec<u8> {
    let mut h = b"FWC1".to_vec();
    h.push(kind);
    h.extend_from_slice(&epoch.to_be_bytes());
    h.extend_from_slice(&n.to_be_bytes());
    h
}

/// The records of a checkpoint of partition 0 whose whole is `bytes`.
fn wrapped(bytes: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut chunk = header(0, 7, 0);
    chunk.extend_from_slice(bytes);
    let mut manifest = header(1, 7, 1);
    manifest.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    manifest.extend_from_slice(&xxhash(bytes).to_be_bytes());
    vec![
        (format!("{GROUP}|{TOPIC}|0|c/0").into_bytes(), chunk),
        (format!("{GROUP}|{TOPIC}|0|m").into_bytes(), manifest),
    ]
}

fn xxhash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// Records framed as the module's documentation says; a cut-off last
/// record is dropped.
fn framed(mut rest: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some((&klen, r)) = rest.split_first() {
        let Some((key, r)) = r.split_at_checked(usize::from(klen)) else {
            break;
        };
        let Some((len, r)) = r.split_at_checked(4) else {
            break;
        };
        let vlen = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let Some((value, r)) = r.split_at_checked(vlen.min(r.len())) else {
            break;
        };
        out.push((key.to_vec(), value.to_vec()));
        rest = r;
    }
    out
}

/// One input of the checkpoint topic (see the module's documentation).
pub fn checkpoint(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let records = if mode % 2 == 0 {
        framed(rest)
    } else {
        wrapped(rest)
    };
    let mut asm = Assembler::new(GROUP, TOPIC, &[0, 1]);
    for (k, v) in &records {
        asm.push(k, v);
    }
    for (p, cp) in asm.finish() {
        assert!(p == 0 || p == 1, "a partition that was not asked for: {p}");
        restore_and_back(cp);
    }
}

/// Restore a scorer from `cp`, score one sample, and check its snapshot
/// reads back through the checkpoint records.
fn restore_and_back(cp: PartitionCheckpoint) {
    let Ok((mut scorer, _)) = Scorer::restore(
        default_pipeline().clone(),
        Model::default(),
        ScorerOptions::default(),
        cp.state,
    ) else {
        return;
    };
    let sample = MetricSample {
        schema_version: 1,
        ts: Utc.timestamp_opt(1_767_225_600, 0).unwrap(),
        service: "api".into(),
        instance: "api-0".into(),
        metric: "cpu_usage".into(),
        value: 0.5,
        labels: Default::default(),
    };
    let _ = scorer.on_metric(&sample, &mut Events::default());
    let state = scorer.snapshot();
    let series = state.series_count();
    let again = PartitionCheckpoint {
        offsets: cp.offsets,
        fingerprint: cp.fingerprint,
        state,
    };
    let records = checkpoint::encode(GROUP, TOPIC, 1, 9, &again).expect("a restored state encodes");
    let mut asm = Assembler::new(GROUP, TOPIC, &[1]);
    for (k, v) in &records {
        asm.push(k.as_bytes(), v);
    }
    let back = asm.finish().remove(&1).expect("a snapshot reads back");
    assert_eq!(
        back.state.series_count(),
        series,
        "series lost through a checkpoint"
    );
}
