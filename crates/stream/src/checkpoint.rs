//! Checkpoints of a partition's scorer state in a Kafka topic, so that a
//! restarted or rebalanced scorer resumes warm.
//!
//! A checkpoint is the partition's [`PartitionCheckpoint`] (the next
//! offset of each source topic, and the scorer's state) in MessagePack,
//! cut into chunks of at most [`CHUNK_BYTES`] and followed by a manifest:
//!
//! | key | value |
//! |---|---|
//! | `GROUP|TOPIC|P|c/I` | header (magic, kind 0, epoch, I) + chunk I |
//! | `GROUP|TOPIC|P|m` | header (magic, kind 1, epoch, chunk count) + total length + xxh3-64 of the whole |
//!
//! `TOPIC` is the metrics topic and `P` the partition, so several groups
//! and pipelines may share one checkpoint topic. Each key keeps only its
//! latest value under log compaction (`cleanup.policy=compact`, which
//! [`crate::ensure_topics`] sets), so the topic stays about one checkpoint
//! per partition in size. A manifest is written after its chunks; a reader
//! keeps, per partition, the newest epoch whose manifest arrived and whose
//! chunks are all there with the right hash. A crash halfway through a
//! checkpoint leaves the previous one readable.
//!
//! A corrupt checkpoint (a chunk missing, a length or hash that does not
//! match its manifest, or bytes that hash right but do not decode, e.g.
//! written by an incompatible build) is never used: the previous complete
//! one of that partition is, and its records since are read again (the
//! events they make carry the same ids); without one, the partition
//! starts cold at the group's committed offset (its forecasts need their
//! history again). Each case is logged as a warning naming the partition,
//! the epochs and what was done instead.

use std::collections::HashMap;
use std::time::Duration;

use forewarn_kafka::ReadTopic;
use forewarn_scorer::{ScorerState, ScorerStateRef};
use serde::{Deserialize, Serialize};

use crate::error::{CheckpointError, Error};
use crate::publish::Publisher;

/// Largest chunk of a checkpoint, bytes (under Kafka's default 1 MB).
pub const CHUNK_BYTES: usize = 512 * 1024;
const MAGIC: &[u8; 4] = b"FWC1";
const HEADER: usize = 4 + 1 + 8 + 4;

/// What is saved of one partition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartitionCheckpoint {
    /// Next offset to read of each source topic, for this partition.
    pub offsets: Vec<(String, i64)>,
    /// Fingerprint of the feature spec and model the state was made with;
    /// a mismatch means a cold start.
    pub fingerprint: String,
    /// The scorer's state.
    pub state: ScorerState,
}

/// A [`PartitionCheckpoint`] borrowed from a live partition
/// ([`forewarn_scorer::Scorer::state_ref`]): encoded, the same bytes as
/// the owned checkpoint of the same moment, with no copy of the state.
#[derive(Debug, Serialize)]
pub struct PartitionCheckpointRef<'a> {
    /// Next offset to read of each source topic, for this partition.
    pub offsets: Vec<(&'a str, i64)>,
    /// Fingerprint of the feature spec and model.
    pub fingerprint: &'a str,
    /// The scorer's state, borrowed.
    pub state: ScorerStateRef<'a>,
}

/// Chunks queued between two flushes while a checkpoint is written, so
/// the producer never holds more than this many (16 MiB) of one.
const FLUSH_EVERY: u32 = 32;

/// Cuts the encoded bytes into chunk records as they are written (so no
/// buffer of the whole is ever made), hashing each chunk on the way.
struct Chunker<'a> {
    prefix: String,
    epoch: u64,
    /// The header and bytes of the chunk being filled.
    buf: Vec<u8>,
    /// Chunks cut so far.
    count: u32,
    total: u64,
    hash: xxhash_rust::xxh3::Xxh3,
    emit: &'a mut dyn FnMut(String, Vec<u8>) -> Result<(), Error>,
    error: Option<Error>,
}

impl Chunker<'_> {
    fn cut(&mut self) -> std::io::Result<()> {
        self.hash.update(&self.buf[HEADER..]);
        let next = header(0, self.epoch, self.count + 1);
        let chunk = std::mem::replace(&mut self.buf, next);
        let key = format!("{}c/{}", self.prefix, self.count);
        self.count += 1;
        (self.emit)(key, chunk).map_err(|e| {
            self.error = Some(e);
            std::io::Error::other("checkpoint chunk not queued")
        })
    }
}

impl std::io::Write for Chunker<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = data.len().min(HEADER + CHUNK_BYTES - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        self.total += n as u64;
        if self.buf.len() == HEADER + CHUNK_BYTES {
            self.cut()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Encode `cp` (a [`PartitionCheckpoint`] or [`PartitionCheckpointRef`])
/// straight into chunk records handed to `emit` in order, then the
/// manifest.
fn encode_into(
    group: &str,
    source_topic: &str,
    partition: i32,
    epoch: u64,
    cp: &impl Serialize,
    emit: &mut dyn FnMut(String, Vec<u8>) -> Result<(), Error>,
) -> Result<(), Error> {
    let prefix = key_prefix(group, source_topic, partition);
    let mut buf = header(0, epoch, 0);
    buf.reserve_exact(CHUNK_BYTES);
    let mut c = Chunker {
        prefix,
        epoch,
        buf,
        count: 0,
        total: 0,
        hash: xxhash_rust::xxh3::Xxh3::new(),
        emit,
        error: None,
    };
    // The encoder writes a few bytes at a time: buffered, the chunker
    // sees blocks.
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, &mut c);
    let encoded = rmp_serde::encode::write_named(&mut w, cp);
    let flushed = std::io::Write::flush(&mut w);
    drop(w);
    if let Err(e) = encoded {
        return Err(c.error.take().unwrap_or(CheckpointError::Encode(e).into()));
    }
    if flushed.is_err() {
        return Err(c.error.take().expect("set by cut"));
    }
    if c.buf.len() > HEADER {
        c.cut().map_err(|_| c.error.take().expect("set by cut"))?;
    }
    let mut m = header(1, epoch, c.count);
    m.extend_from_slice(&c.total.to_be_bytes());
    m.extend_from_slice(&c.hash.digest().to_be_bytes());
    (c.emit)(format!("{}m", c.prefix), m)
}

fn key_prefix(group: &str, topic: &str, partition: i32) -> String {
    format!("{group}|{topic}|{partition}|")
}

fn header(kind: u8, epoch: u64, n: u32) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER);
    h.extend_from_slice(MAGIC);
    h.push(kind);
    h.extend_from_slice(&epoch.to_be_bytes());
    h.extend_from_slice(&n.to_be_bytes());
    h
}

fn parse_header(v: &[u8]) -> Option<(u8, u64, u32, &[u8])> {
    if v.len() < HEADER || &v[..4] != MAGIC {
        return None;
    }
    let epoch = u64::from_be_bytes(v[5..13].try_into().ok()?);
    let n = u32::from_be_bytes(v[13..17].try_into().ok()?);
    Some((v[4], epoch, n, &v[HEADER..]))
}

/// The records (key, value) of one partition's checkpoint: chunks, then
/// the manifest.
pub fn encode(
    group: &str,
    source_topic: &str,
    partition: i32,
    epoch: u64,
    cp: &impl Serialize,
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut out = Vec::new();
    encode_into(group, source_topic, partition, epoch, cp, &mut |k, v| {
        out.push((k, v));
        Ok(())
    })?;
    Ok(out)
}

/// Queue one partition's checkpoint as it is encoded (the caller flushes
/// at the end; every [`FLUSH_EVERY`] chunks are flushed on the way, so
/// the producer's queue stays small). Returns the bytes queued.
pub(crate) fn write(
    publisher: &Publisher,
    topic: &str,
    group: &str,
    source_topic: &str,
    partition: i32,
    epoch: u64,
    cp: &impl Serialize,
) -> Result<usize, Error> {
    let (mut n, mut chunks) = (0, 0u32);
    encode_into(
        group,
        source_topic,
        partition,
        epoch,
        cp,
        &mut |key, value| {
            n += value.len();
            chunks += 1;
            publisher.send_chunk(topic, key.as_bytes(), &value)?;
            if chunks % FLUSH_EVERY == 0 {
                publisher.flush(Duration::from_secs(60))?;
            }
            Ok(())
        },
    )?;
    Ok(n)
}

#[derive(Debug, Default)]
struct Assembly {
    /// Chunks of the epoch being read.
    epoch: u64,
    chunks: HashMap<u32, Vec<u8>>,
    /// The newest complete checkpoint so far, and the one before it
    /// (epoch, bytes), in case the newest does not decode.
    complete: Option<(u64, Vec<u8>)>,
    previous: Option<(u64, Vec<u8>)>,
    /// Epochs found corrupt since the newest complete one.
    corrupt: Vec<u64>,
}

/// Rebuilds checkpoints from the checkpoint topic's records, read in
/// order: for each wanted partition, the newest epoch whose manifest came
/// after all of its chunks, with the right length and hash.
#[derive(Debug)]
pub struct Assembler {
    wanted: HashMap<String, i32>,
    found: HashMap<i32, Assembly>,
}

impl Assembler {
    /// An assembler for `partitions` of `source_topic` in `group`.
    pub fn new(group: &str, source_topic: &str, partitions: &[i32]) -> Self {
        Self {
            wanted: partitions
                .iter()
                .map(|p| (key_prefix(group, source_topic, *p), *p))
                .collect(),
            found: HashMap::new(),
        }
    }

    /// Take the next record of the topic (others' records are ignored).
    pub fn push(&mut self, key: &[u8], value: &[u8]) {
        let Ok(k) = std::str::from_utf8(key) else {
            return;
        };
        let Some(cut) = k.rfind('|') else { return };
        let Some(&p) = self.wanted.get(&k[..=cut]) else {
            return;
        };
        let Some((kind, epoch, n, body)) = parse_header(value) else {
            tracing::warn!(key = k, "not a checkpoint record; skipped");
            return;
        };
        let a = self.found.entry(p).or_default();
        match kind {
            0 => {
                if a.epoch != epoch {
                    a.epoch = epoch;
                    a.chunks.clear();
                }
                a.chunks.insert(n, body.to_vec());
            }
            1 if a.epoch == epoch && body.len() == 16 => {
                let len = u64::from_be_bytes(body[..8].try_into().unwrap_or_default());
                let hash = u64::from_be_bytes(body[8..].try_into().unwrap_or_default());
                if a.complete.as_ref().is_some_and(|c| c.0 == epoch) {
                    return; // a manifest read twice
                }
                // The manifest's length is only compared, never allocated:
                // a corrupt one (up to 2^64) must not abort the process.
                let chunks: Option<Vec<&Vec<u8>>> = (0..n).map(|i| a.chunks.get(&i)).collect();
                let whole = chunks
                    .filter(|c| c.iter().map(|c| c.len() as u64).sum::<u64>() == len)
                    .map(|c| {
                        // Now `len` is the bytes at hand.
                        let mut whole = Vec::with_capacity(len as usize);
                        c.into_iter().for_each(|c| whole.extend_from_slice(c));
                        whole
                    });
                if let Some(whole) = whole.filter(|w| xxhash_rust::xxh3::xxh3_64(w) == hash) {
                    // Its chunks are not needed once assembled.
                    a.chunks = HashMap::new();
                    a.previous = a.complete.replace((epoch, whole));
                    a.corrupt.clear();
                } else {
                    tracing::warn!(
                        partition = p,
                        epoch,
                        "corrupt checkpoint (a chunk missing, or its length or hash not the manifest's): not used"
                    );
                    a.corrupt.push(epoch);
                }
            }
            1 => {
                tracing::warn!(
                    partition = p,
                    epoch,
                    "corrupt checkpoint (a manifest without its chunks): not used"
                );
                a.corrupt.push(epoch);
            }
            _ => {}
        }
    }

    /// The newest complete checkpoint of each partition that has one that
    /// decodes (the newest, else the one before it); see the module's
    /// documentation for what is logged.
    pub fn finish(self) -> HashMap<i32, PartitionCheckpoint> {
        let mut out = HashMap::new();
        for (p, a) in self.found {
            let mut bad = a.corrupt.clone();
            let mut chosen = None;
            for (epoch, bytes) in [a.complete, a.previous].into_iter().flatten() {
                match rmp_serde::from_slice::<PartitionCheckpoint>(&bytes) {
                    Ok(cp) => {
                        chosen = Some((epoch, cp));
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(partition = p, epoch, error = %e, "corrupt checkpoint (its bytes do not decode): not used");
                        bad.push(epoch);
                    }
                }
            }
            match chosen {
                Some((epoch, cp)) => {
                    if !bad.is_empty() {
                        tracing::warn!(
                            partition = p,
                            epoch,
                            corrupt = ?bad,
                            "resuming from an older checkpoint: the records since it are read again (their events carry the same ids)"
                        );
                    }
                    out.insert(p, cp);
                }
                None if !bad.is_empty() => tracing::warn!(
                    partition = p,
                    corrupt = ?bad,
                    "no usable checkpoint: starting cold at the group's committed offset (forecasts need their history again; to rebuild it, reset the group's offsets to an earlier time)"
                ),
                None => {}
            }
        }
        out
    }
}

/// Read the newest complete checkpoint of each of `partitions` (of the
/// metrics topic `source_topic`, group `group`) from the checkpoint topic
/// `topic`. Partitions without one are absent from the result; a
/// checkpoint that cannot be decoded is reported and skipped (that
/// partition starts cold).
pub(crate) fn load(
    reader: &dyn ReadTopic,
    topic: &str,
    group: &str,
    source_topic: &str,
    partitions: &[i32],
    timeout: Duration,
) -> Result<HashMap<i32, PartitionCheckpoint>, Error> {
    let mut asm = Assembler::new(group, source_topic, partitions);
    reader
        .read_topic(topic, timeout, &mut |r| asm.push(&r.key, &r.payload))
        .map_err(CheckpointError::Read)?;
    Ok(asm.finish())
}
