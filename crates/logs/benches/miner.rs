//! Template-mining throughput on HDFS-like lines, with the Loghub HDFS
//! settings (depth 4, similarity 0.5, masks `blk_-?\d+` and
//! `(\d+\.){3}\d+(:\d+)?`).
//!
//! Run: `cargo bench -p forewarn-logs --bench miner`.
//!
//! - `add/synthetic_hdfs`: `TemplateMiner::add` on 100,000 generated HDFS
//!   messages (the message part, after the header).
//! - `add/loghub_hdfs`: the same on the real `HDFS_2k.log` messages, repeated
//!   to 100,000 (only when the shared Loghub data is present).
//! - `raw_line/synthetic_hdfs`: header parsing with the HDFS log format plus
//!   `add`, from full raw lines.
//!
//! Throughput is reported in elements (lines) per second.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use forewarn_logs::{LogFormat, MinerConfig, Similarity, TemplateMiner};

const N: usize = 100_000;
const HDFS_FORMAT: &str = "<Date> <Time> <Pid> <Level> <Component>: <Content>";

fn config() -> MinerConfig {
    MinerConfig {
        depth: 4,
        similarity_threshold: Similarity::HALF,
        masks: vec![r"blk_-?\d+".into(), r"(\d+\.){3}\d+(:\d+)?".into()],
        ..MinerConfig::default()
    }
}

/// Deterministic HDFS-like messages: the common DataNode/NameNode events
/// with random block ids, addresses and sizes.
fn synthetic(n: usize) -> Vec<String> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let r = next();
            let blk = (next() as i64) >> 1;
            let ip = format!("10.{}.{}.{}", 250 + r % 2, (r >> 8) % 256, (r >> 16) % 256);
            let ip2 = format!("10.{}.{}.{}", 250 + (r >> 3) % 2, (r >> 24) % 256, (r >> 32) % 256);
            let size = 1 + (r >> 40) % 67_108_864;
            match r % 10 {
                0 | 1 => format!("Receiving block blk_{blk} src: /{ip}:{} dest: /{ip2}:50010", 30000 + r % 30000),
                2 | 3 => format!("PacketResponder {} for block blk_{blk} terminating", r % 3),
                4 | 5 => format!("Received block blk_{blk} of size {size} from /{ip}"),
                6 => format!("BLOCK* NameSystem.addStoredBlock: blockMap updated: {ip}:50010 is added to blk_{blk} size {size}"),
                7 => format!(
                    "BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_200811092030_0001_m_{:06}_0/part-{:05}. blk_{blk}",
                    r % 1000,
                    r % 1000
                ),
                8 => format!("Verification succeeded for blk_{blk}"),
                _ => format!("Deleting block blk_{blk} file /mnt/hadoop/dfs/data/current/subdir{}/blk_{blk}", r % 64),
            }
        })
        .collect()
}

fn loghub_hdfs() -> Option<Vec<String>> {
    let shared = std::env::var_os("FOREWARN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")));
    let text = std::fs::read_to_string(shared.join("datasets/loghub-2k/HDFS/HDFS_2k.log")).ok()?;
    let format = LogFormat::new(HDFS_FORMAT).ok()?;
    let messages: Vec<String> = text
        .lines()
        .filter_map(|l| format.content(l))
        .map(str::to_owned)
        .collect();
    (!messages.is_empty()).then(|| messages.iter().cycle().take(N).cloned().collect())
}

fn bench(c: &mut Criterion) {
    let messages = synthetic(N);
    let mut g = c.benchmark_group("add");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);
    g.bench_function("synthetic_hdfs", |b| {
        b.iter(|| {
            let mut miner = TemplateMiner::new(config()).unwrap();
            for m in &messages {
                black_box(miner.add(black_box(m)));
            }
            miner.len()
        })
    });
    if let Some(real) = loghub_hdfs() {
        g.bench_function("loghub_hdfs", |b| {
            b.iter(|| {
                let mut miner = TemplateMiner::new(config()).unwrap();
                for m in &real {
                    black_box(miner.add(black_box(m)));
                }
                miner.len()
            })
        });
    } else {
        eprintln!("Loghub HDFS data not found; skipping add/loghub_hdfs.");
    }
    g.finish();

    let raw: Vec<String> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "081109 2036{:02} {} INFO dfs.DataNode$PacketResponder: {m}",
                i % 60,
                100 + i % 900
            )
        })
        .collect();
    let format = LogFormat::new(HDFS_FORMAT).unwrap();
    let mut g = c.benchmark_group("raw_line");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    g.bench_function("synthetic_hdfs", |b| {
        b.iter(|| {
            let mut miner = TemplateMiner::new(config()).unwrap();
            for l in &raw {
                if let Some(m) = format.content(l) {
                    black_box(miner.add(m));
                }
            }
            miner.len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
