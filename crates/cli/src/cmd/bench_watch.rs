//! `forewarn bench watch`: the overhead of `forewarn watch` on a
//! request-serving child (throughput and p99 latency bare and wrapped,
//! `watch`'s own CPU and RSS) and its crash-to-healthy recovery time with
//! default settings (see `forewarn_watch::bench`). The last stdout line is
//! JSON with every figure. Also `forewarn bench serve`, the child itself.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use forewarn_core::HumanDuration;
use forewarn_watch::bench::{self, BenchOptions, Measured};

#[derive(Debug, clap::Args)]
pub(crate) struct WatchArgs {
    /// Closed-loop load connections.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Load per measurement.
    #[arg(long, default_value = "5s")]
    duration: HumanDuration,
    /// Bare/wrapped rounds (alternating).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Crash-to-healthy samples.
    #[arg(long, default_value_t = 10)]
    recoveries: usize,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Port on 127.0.0.1.
    #[arg(long)]
    port: u16,
    /// Stop answering after this long (a hang).
    #[arg(long)]
    hang_after: Option<HumanDuration>,
}

pub(crate) fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(bench::server::serve(
        args.port,
        args.hang_after.map(Into::into),
    ))
    .context("while serving")?;
    Ok(ExitCode::SUCCESS)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

pub(crate) fn watch(args: WatchArgs) -> anyhow::Result<ExitCode> {
    let opts = BenchOptions {
        exe: std::env::current_exe()?,
        connections: args.connections,
        duration: args.duration.into(),
        rounds: args.rounds.max(1),
        recoveries: args.recoveries,
    };
    let (mut bare, mut wrapped): (Vec<Measured>, Vec<Measured>) = (Vec::new(), Vec::new());
    for round in 0..opts.rounds {
        // Alternate which goes first, so drift of the machine is shared.
        for w in [round % 2 == 1, round % 2 == 0] {
            let m = bench::measure(&opts, w).context("while measuring")?;
            note!(
                "Round {}: {} {:.0} req/s, p50 {:.3} ms, p99 {:.3} ms",
                round + 1,
                if w { "wrapped" } else { "bare   " },
                m.load.throughput,
                m.load.p50_ms,
                m.load.p99_ms
            );
            if w { wrapped.push(m) } else { bare.push(m) }
        }
    }
    let med = |v: &[Measured], f: fn(&Measured) -> f64| median(v.iter().map(f).collect());
    let (bt, wt) = (
        med(&bare, |m| m.load.throughput),
        med(&wrapped, |m| m.load.throughput),
    );
    let (bp, wp) = (
        med(&bare, |m| m.load.p99_ms),
        med(&wrapped, |m| m.load.p99_ms),
    );
    let cpu = med(&wrapped, |m| m.watch_cpu_s.unwrap_or(f64::NAN)) / opts.duration.as_secs_f64();
    let rss = med(&wrapped, |m| m.watch_rss_bytes.unwrap_or(0) as f64);
    note!(
        "Overhead (medians of {} rounds): throughput {bt:.0} → {wt:.0} req/s ({:+.2} %), p99 {bp:.3} → {wp:.3} ms ({:+.2} %); watch used {:.2} % of a core and {:.1} MiB RSS",
        opts.rounds,
        (wt / bt - 1.0) * 100.0,
        (wp / bp - 1.0) * 100.0,
        cpu * 100.0,
        rss / 1048576.0
    );
    let mut rec = Vec::new();
    for i in 0..opts.recoveries {
        let d = bench::recovery(&opts).context("while measuring a recovery")?;
        note!("Recovery {}: {:.3} s", i + 1, d.as_secs_f64());
        rec.push(d.as_secs_f64());
    }
    rec.sort_by(f64::total_cmp);
    let q = |p: f64| {
        rec.get(((rec.len() as f64 - 1.0) * p).round() as usize)
            .copied()
    };
    let text = |p: f64| q(p).map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
    note!(
        "Recovery crash → healthy ({} samples): min {} s, median {} s, p90 {} s, max {} s",
        rec.len(),
        text(0.0),
        text(0.5),
        text(0.9),
        text(1.0)
    );
    super::print(
        &serde_json::json!({
            "connections": opts.connections,
            "duration_s": Duration::from(args.duration).as_secs_f64(),
            "rounds": opts.rounds,
            "bare_throughput_rps": bt,
            "wrapped_throughput_rps": wt,
            "throughput_change_pct": (wt / bt - 1.0) * 100.0,
            "bare_p99_ms": bp,
            "wrapped_p99_ms": wp,
            "p99_change_pct": (wp / bp - 1.0) * 100.0,
            "watch_cpu_share_of_core": cpu,
            "watch_rss_bytes": rss,
            "recovery_s": rec,
            "recovery_median_s": q(0.5),
            "recovery_p90_s": q(0.9),
            "recovery_max_s": q(1.0),
        })
        .to_string(),
    )?;
    Ok(ExitCode::SUCCESS)
}
