//! `forewarn`: predict infrastructure failures from metrics and logs before
//! users feel them, and remediate them safely.
//!
//! One subcommand per file in [`cmd`]; each has an `Args` struct (clap
//! derive) and a `run` function. Errors are reported once, here, with their
//! whole chain of causes. Nothing printed panics when its reader goes
//! away (`note!` for stderr, `cmd::print` for stdout), and logs are
//! coloured only on a terminal.
//!
//! Layout:
//! - `cmd/schema.rs`: print the JSON Schemas of the event contracts.
//! - `cmd/validate.rs`: check a pipeline file without touching Kafka.
//! - `cmd/logs.rs`: log template mining (Loghub accuracy).
//! - `cmd/simulate.rs`: generate a labelled synthetic fleet.
//! - `cmd/train.rs`: fit models on history into a versioned artifact.
//! - `cmd/backtest.rs`: NAB scoring and Forewarn's own NAB run.
//! - `cmd/score.rs`: the streaming scorer over Kafka.
//! - `cmd/demo.rs`: broker, fleet and scorer in one process, then a summary.
//! - `cmd/bench.rs`: end-to-end throughput and latency of the scorer runtime.
//! - `cmd/remediate.rs`: the remediator over Kafka.
//! - `cmd/audit.rs`: verify the remediator's audit log.
//! - `cmd/report.rs`: the reliability report (uptime, MTTR, budgets) over a range.
//! - `cmd/watch.rs`: supervise a service (`forewarn watch -- CMD`).
//! - `cmd/dashboard.rs`: the live dashboard (operator and status views).
//! - `cmd/control.rs`: the kill switch on the control topic.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `eprintln!` that a closed stderr cannot turn into a panic: the line is
/// dropped, and `forewarn … 2>&1 | head -3` ends quietly. (Rust ignores
/// SIGPIPE, so a write to a pipe whose reader is gone fails with EPIPE
/// instead of ending the process; `eprintln!` panics on that.)
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cmd;

/// Forewarn predicts infrastructure failures (memory leaks, disks filling,
/// connection pools draining, latency creeping, error bursts) from service
/// metrics and logs, early enough to act, and can remediate them safely.
#[derive(Debug, Parser)]
#[command(name = "forewarn", version, propagate_version = true)]
struct Cli {
    /// Log filter (tracing's env-filter syntax), e.g. `info` or `forewarn=debug`.
    #[arg(long, global = true, env = "FOREWARN_LOG", default_value = "warn")]
    log: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the JSON Schema of every event contract (or of one).
    Schema(cmd::schema::Args),
    /// Check a pipeline and/or a remediation policy, every problem at once, without Kafka.
    Validate(cmd::validate::Args),
    /// Generate a labelled synthetic fleet: metrics, logs, incidents and traps.
    Simulate(cmd::simulate::Args),
    /// Train trend and anomaly models on metric history into a versioned artifact.
    Train(cmd::train::Args),
    /// Log template mining: grouping accuracy on Loghub.
    Logs(cmd::logs::Args),
    /// Stream: consume metrics and logs from Kafka, publish predictions.
    Score(cmd::score::Args),
    /// Everything on one machine: embedded broker, simulated fleet, scorer, summary.
    Demo(cmd::demo::Args),
    /// Fleet correlation: group the incidents of one episode across every
    /// partition, name its root cause, publish one cascading_failure issue.
    Correlate(cmd::correlate::Args),
    /// Act on predicted issues under a policy (shadow mode first).
    Remediate(cmd::remediate::Args),
    /// The remediator's audit log: verify its hash chain.
    Audit(cmd::audit::Args),
    /// Reliability report over a time range: uptime, incidents, MTTD, MTTR,
    /// actions, prevented outages, error budgets (HTML, Markdown, JSON).
    Report(cmd::report::Args),
    /// Run a service as a child process, unchanged: sample it, capture its
    /// logs, check its health, restart it on failure or on command.
    Watch(cmd::watch::Args),
    /// The live dashboard: fleet health, predicted issues with their
    /// countdown, actions, uptime and error budget; a status page for customers.
    Dashboard(cmd::dashboard::Args),
    /// The kill switch, live: disable or enable every remediator and watch
    /// on the brokers (control topic), or print its state.
    Control(cmd::control::Args),
    /// Measure: end-to-end throughput and latency of the streaming scorer.
    Bench(cmd::bench::Args),
    /// How good would Forewarn have been? NAB scoring and replays of labelled history.
    Backtest(cmd::backtest::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let result = match cli.command {
        Command::Schema(a) => cmd::schema::run(a),
        Command::Validate(a) => cmd::validate::run(a),
        Command::Simulate(a) => cmd::simulate::run(a),
        Command::Train(a) => cmd::train::run(a),
        Command::Logs(a) => cmd::logs::run(a),
        Command::Backtest(a) => cmd::backtest::run(a),
        Command::Score(a) => cmd::score::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Bench(a) => cmd::bench::run(a),
        Command::Correlate(a) => cmd::correlate::run(a),
        Command::Remediate(a) => cmd::remediate::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Watch(a) => cmd::watch::run(a),
        Command::Dashboard(a) => cmd::dashboard::run(a),
        Command::Control(a) => cmd::control::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) if cmd::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            note!("error: {e}");
            for cause in e.chain().skip(1) {
                note!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}
