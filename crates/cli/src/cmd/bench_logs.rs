//! `forewarn bench logs`: log template mining end to end on one core, the
//! way a log file or stream reaches the miner: the file is read from disk
//! (`--passes` times), split into lines, each line's header parsed with a
//! Loghub-style `--log-format` (or the whole line is the message), masked
//! and mined by one [`TemplateMiner`] with the shipped defaults
//! ([`MinerConfig::default`], the `models.logs` defaults of the pipeline).
//! Lines per second of wall time and of this thread's CPU time (from
//! `/proc/thread-self/schedstat`, so the figure holds on a busy machine).
//! The last stdout line is JSON with every figure.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use forewarn_logs::{LogFormat, MinerConfig, TemplateMiner};

#[derive(Debug, clap::Args)]
pub(crate) struct LogsArgs {
    /// A log file, one line per record (e.g. a Loghub `<System>_2k.log`).
    #[arg(long)]
    file: PathBuf,
    /// Loghub-style header format of each line, e.g. `<Date> <Time> <Pid>
    /// <Level> <Component>: <Content>`; without it the whole line is the
    /// message. Lines that do not fit the format are counted and skipped.
    #[arg(long)]
    log_format: Option<String>,
    /// Times the file is read (at least 2,000,000 lines in all is a
    /// useful measurement).
    #[arg(long, default_value_t = 1000)]
    passes: usize,
}

/// CPU time of this thread in nanoseconds, where Linux reports it.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

pub(crate) fn logs(args: LogsArgs) -> anyhow::Result<ExitCode> {
    let format = args
        .log_format
        .as_deref()
        .map(LogFormat::new)
        .transpose()
        .context("--log-format")?;
    let mut miner = TemplateMiner::new(MinerConfig::default())?;
    let (mut lines, mut unparsed, mut bytes) = (0u64, 0u64, 0u64);
    let mut line = String::new();
    let (start, cpu0) = (Instant::now(), cpu_ns());
    for _ in 0..args.passes.max(1) {
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("while opening {}", args.file.display()))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        loop {
            line.clear();
            let n = reader
                .read_line(&mut line)
                .with_context(|| format!("while reading {}", args.file.display()))?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            lines += 1;
            let text = line.trim_end_matches(['\n', '\r']);
            let message = match &format {
                Some(f) => f.content(text),
                None => Some(text),
            };
            match message {
                Some(m) => {
                    std::hint::black_box(miner.add(m));
                }
                None => unparsed += 1,
            }
        }
    }
    let wall = start.elapsed().as_secs_f64().max(1e-9);
    let cpu = cpu0
        .zip(cpu_ns())
        .map(|(a, b)| (b.saturating_sub(a) as f64 / 1e9).max(1e-9));
    let per_cpu = cpu.map(|c| lines as f64 / c);
    note!(
        "{lines} lines ({:.1} MB, {unparsed} not in the format) in {wall:.2}s: {:.0} lines/s wall{}; {} templates",
        bytes as f64 / 1e6,
        lines as f64 / wall,
        per_cpu.map_or(String::new(), |r| format!(", {r:.0} lines/s CPU")),
        miner.len()
    );
    super::print(
        &serde_json::json!({
            "file": args.file,
            "lines": lines,
            "unparsed": unparsed,
            "bytes": bytes,
            "wall_s": wall,
            "cpu_s": cpu,
            "lines_per_s_wall": lines as f64 / wall,
            "lines_per_s_cpu": per_cpu,
            "templates": miner.len(),
        })
        .to_string(),
    )?;
    Ok(ExitCode::SUCCESS)
}
