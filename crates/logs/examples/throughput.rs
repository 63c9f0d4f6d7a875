//! Mining throughput on the Loghub HDFS messages, repeated to 2,000,000
//! lines, in lines per second of wall time and of this thread's CPU time
//! (from `/proc/thread-self/schedstat`, so the figure holds on a busy machine).
//!
//! Run: `cargo run --profile bench -p forewarn-logs --example throughput -- [loghub-2k dir]`.

use std::path::PathBuf;
use std::time::Instant;

use forewarn_logs::{LogFormat, MinerConfig, Similarity, TemplateMiner};

/// CPU time of this thread in nanoseconds, where Linux reports it.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/datasets/loghub-2k"
            ))
        });
    let text = std::fs::read_to_string(dir.join("HDFS/HDFS_2k.log")).expect("HDFS_2k.log");
    let format = LogFormat::new("<Date> <Time> <Pid> <Level> <Component>: <Content>").unwrap();
    let lines: Vec<&str> = text.lines().cycle().take(2_000_000).collect();
    let messages: Vec<&str> = lines.iter().filter_map(|l| format.content(l)).collect();
    let config = MinerConfig {
        depth: 4,
        similarity_threshold: Similarity::HALF,
        masks: vec![r"blk_-?\d+".into(), r"(\d+\.){3}\d+(:\d+)?".into()],
        ..MinerConfig::default()
    };
    let report = |what: &str, n: usize, wall: f64, cpu: Option<f64>| match cpu {
        Some(cpu) => println!(
            "{what}: {:.0} lines/s wall, {:.0} lines/s CPU",
            n as f64 / wall,
            n as f64 / cpu
        ),
        None => println!("{what}: {:.0} lines/s wall", n as f64 / wall),
    };

    let mut miner = TemplateMiner::new(config.clone()).unwrap();
    let (t, c) = (Instant::now(), cpu_ns());
    for m in &messages {
        std::hint::black_box(miner.add(m));
    }
    let cpu = c.zip(cpu_ns()).map(|(a, b)| (b - a) as f64 / 1e9);
    report(
        "add (message)",
        messages.len(),
        t.elapsed().as_secs_f64(),
        cpu,
    );

    let mut miner = TemplateMiner::new(config).unwrap();
    let (t, c) = (Instant::now(), cpu_ns());
    for l in &lines {
        if let Some(m) = format.content(l) {
            std::hint::black_box(miner.add(m));
        }
    }
    let cpu = c.zip(cpu_ns()).map(|(a, b)| (b - a) as f64 / 1e9);
    report(
        "format + add (raw line)",
        lines.len(),
        t.elapsed().as_secs_f64(),
        cpu,
    );
    println!("templates: {}", miner.len());

    let (t, c) = (Instant::now(), cpu_ns());
    let mut bytes = 0;
    for l in &lines {
        bytes += format.content(l).map_or(0, str::len);
    }
    let cpu = c.zip(cpu_ns()).map(|(a, b)| (b - a) as f64 / 1e9);
    report("format only", lines.len(), t.elapsed().as_secs_f64(), cpu);
    std::hint::black_box(bytes);
}
