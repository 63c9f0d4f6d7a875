//! A small service that really leaks memory, for the remediator's
//! end-to-end test. It prints its own metrics as `service<TAB>json` lines
//! (for `kcat -P -K '\t'`), on an accelerated clock: every `--tick-ms` of
//! wall time is one simulated minute. Each minute it allocates and touches
//! `--leak-mb` more MiB; its RSS (from /proc/self/statm) and its limit are
//! reported as `memory_rss_bytes` and `memory_limit_bytes`.
//!
//! "Restart": when the file `--restart-file` appears, it frees the leak (as
//! a restart would), deletes the file and appends to `--status` how many
//! simulated minutes it had left before reaching its limit. If its RSS
//! reaches the limit it "dies of OOM": appends that to `--status` and exits
//! with code 137.
//!
//! Also: `leaky_service record [--hold-ms N] FILE ARGS...` appends `ARGS`
//! as one line to `FILE` (an action that leaves a trace the test can
//! count), then waits N ms before it exits (an action still running when
//! the test kills the remediator).

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

fn rss_bytes() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn append(path: &PathBuf, line: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("status file");
    writeln!(f, "{line}").expect("write status");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("record") {
        let (hold_ms, rest) = match args.get(1).map(String::as_str) {
            Some("--hold-ms") => (args[2].parse().unwrap_or(0), &args[3..]),
            _ => (0, &args[1..]),
        };
        append(&PathBuf::from(&rest[0]), &rest[1..].join(" "));
        std::thread::sleep(Duration::from_millis(hold_ms));
        return;
    }
    let service = arg(&args, "--service").unwrap_or_else(|| "leaky".into());
    let limit_mb: f64 = arg(&args, "--limit-mb")
        .and_then(|v| v.parse().ok())
        .unwrap_or(300.0);
    let leak_mb: usize = arg(&args, "--leak-mb")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let tick = Duration::from_millis(
        arg(&args, "--tick-ms")
            .and_then(|v| v.parse().ok())
            .unwrap_or(20),
    );
    let minutes: i64 = arg(&args, "--minutes")
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let restart = PathBuf::from(arg(&args, "--restart-file").expect("--restart-file"));
    let status = PathBuf::from(arg(&args, "--status").expect("--status"));
    let start = arg(&args, "--start")
        .and_then(|v| v.parse::<i64>().ok())
        // 2023-11-14: in the past, as a live service's clock is (the
        // scorer refuses event times more than --max-future ahead of its
        // wall clock on a partition that has none yet).
        .unwrap_or(1_700_000_000);
    let limit = limit_mb * 1024.0 * 1024.0;
    let baseline = rss_bytes();
    let mut leak: Vec<Vec<u8>> = Vec::new();
    let mut out = std::io::stdout().lock();
    for minute in 0..minutes {
        if restart.exists() {
            let rss = rss_bytes();
            let rate = (leak_mb as f64 * 1024.0 * 1024.0).max(1.0);
            let left = ((limit - rss) / rate).max(0.0);
            leak = Vec::new();
            let _ = std::fs::remove_file(&restart);
            append(
                &status,
                &format!(
                    "restarted minute={minute} rss_mb={:.0} minutes_left={left:.0}",
                    rss / 1048576.0
                ),
            );
        }
        leak.push(vec![1u8; leak_mb * 1024 * 1024]);
        let rss = rss_bytes();
        let ts = chrono::DateTime::<chrono::Utc>::from_timestamp(start + minute * 60, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for (metric, value) in [("memory_rss_bytes", rss), ("memory_limit_bytes", limit)] {
            let _ = writeln!(
                out,
                "{service}\t{{\"schema_version\":1,\"ts\":\"{ts}\",\"service\":\"{service}\",\"instance\":\"{service}-0\",\"metric\":\"{metric}\",\"value\":{value}}}"
            );
        }
        let _ = out.flush();
        if rss >= limit {
            append(
                &status,
                &format!(
                    "oom minute={minute} rss_mb={:.0} baseline_mb={:.0}",
                    rss / 1048576.0,
                    baseline / 1048576.0
                ),
            );
            std::process::exit(137);
        }
        std::thread::sleep(tick);
    }
    append(&status, "finished");
}
