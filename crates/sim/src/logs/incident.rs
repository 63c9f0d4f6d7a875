//! Log lines that only appear around incidents and planned events: warnings
//! that grow as a failure approaches, the errors of the failed state, and
//! one-off event lines (OOM kill, restart, deploy, rollback, batch job).

use forewarn_core::contracts::LogLevel;
use rand::Rng;

use super::templates::LineCtx;
use super::vars::{id, ip, job, method, ms, path, rid, table};
use crate::Metric as M;
use crate::model::effects::EffectKind;
use crate::rng::SimRng;
use crate::topology::Role;

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

/// A line for an incident of `kind`, before (`failed == false`) or after
/// its failure. `peer` is the dependency of a cascade.
pub(crate) fn incident_line(
    rng: &mut SimRng,
    c: &LineCtx<'_>,
    kind: EffectKind,
    failed: bool,
    peer: Option<&str>,
) -> (LogLevel, String) {
    use EffectKind as K;
    use LogLevel::{Error, Warn};
    let g = |m| c.get(m);
    let p99 = g(M::LatencyP99Ms);
    let svc = c.service;
    match (kind, failed) {
        (K::Leak, _) => (
            Warn,
            format!(
                "heap usage {}% of max after full GC; GC overhead {}% over the last 60s",
                pct(g(M::MemoryRssBytes) / c.p.mem_limit),
                rng.random_range(5..40)
            ),
        ),
        (K::DiskFill, false) => {
            let free = (c.p.disk_cap - g(M::DiskUsedBytes)) / 1e9;
            (
                Warn,
                format!(
                    "disk usage on /var/lib/{svc} at {}% ({free:.1} GB free)",
                    pct(g(M::DiskUsedBytes) / c.p.disk_cap)
                ),
            )
        }
        (K::DiskFill, true) => (
            Error,
            format!(
                "write to /var/lib/{svc}/data/segment-{}.log failed: No space left on device (os error 28)",
                id(rng)
            ),
        ),
        (K::Pool, false) => (
            Warn,
            format!(
                "connection pool 'main' usage at {}% ({}/{}), {} threads waiting",
                pct(g(M::ConnectionsOpen) / c.p.conn_max),
                g(M::ConnectionsOpen) as u64,
                c.p.conn_max as u64,
                rng.random_range(0..20)
            ),
        ),
        (K::Pool, true) => (
            Error,
            format!(
                "could not get a connection from pool 'main' within 5000ms (active={}, idle=0, waiting={})",
                c.p.conn_max as u64,
                rng.random_range(20..400)
            ),
        ),
        (K::Latency, false) => (
            Warn,
            format!(
                "slow request {} {} took {}ms (SLO p99 {}ms) request_id={}",
                method(rng),
                path(rng),
                ms(rng, p99),
                c.p.slo_p99_ms,
                rid(rng)
            ),
        ),
        (K::Latency, true) => (
            Error,
            format!(
                "request {} timed out after {}ms",
                rid(rng),
                ms(rng, 2.0 * p99)
            ),
        ),
        (K::ErrorBurst, _) => (
            Error,
            match rng.random_range(0..3) {
                0 => format!(
                    "unhandled exception in CheckoutHandler: KeyError: 'currency' (request_id={})",
                    rid(rng)
                ),
                1 => format!(
                    "HTTP 500 returned for {} {} request_id={}",
                    method(rng),
                    path(rng),
                    rid(rng)
                ),
                _ => "invalid value for feature flag 'new_pricing': expected bool, got \"auto\""
                    .to_string(),
            },
        ),
        (K::Cpu, false) => (
            Warn,
            format!(
                "event loop blocked for {}ms; {} tasks queued",
                ms(rng, 200.0),
                rng.random_range(10..500)
            ),
        ),
        (K::Cpu, true) => (
            Error,
            format!(
                "request {} exceeded deadline of 2000ms (cpu throttled in {}% of periods)",
                rid(rng),
                rng.random_range(40..95)
            ),
        ),
        (K::Gc, false) => {
            let heap = c.p.mem_limit / 1_048_576.0;
            let used = g(M::MemoryRssBytes) / 1_048_576.0;
            (
                Warn,
                format!(
                    "GC pause (G1 Evacuation Pause) {}ms, heap {:.0}M->{:.0}M({heap:.0}M)",
                    ms(rng, g(M::GcPauseMs)),
                    used,
                    used * 0.97
                ),
            )
        }
        (K::Gc, true) => (
            Error,
            format!(
                "GC overhead limit exceeded: {}% of time spent in GC (Full GC {}ms)",
                rng.random_range(90..99),
                ms(rng, g(M::GcPauseMs))
            ),
        ),
        (K::CascadeRoot, false) => (Warn, root_symptom(rng, c)),
        (K::CascadeRoot, true) => (
            Error,
            match c.role {
                Role::Db => format!(
                    "FATAL: sorry, too many clients already ({} connections) from {}",
                    c.p.conn_max as u64,
                    ip(rng)
                ),
                Role::Cache => "OOM command not allowed when used memory > 'maxmemory'".to_string(),
                _ => format!(
                    "request handler timed out after {}ms, rejecting produce requests",
                    ms(rng, p99)
                ),
            },
        ),
        (K::CascadeUpstream, false) => (
            Warn,
            format!(
                "call to {} took {}ms (timeout 1000ms), retrying (attempt {}/3)",
                peer.unwrap_or("backend"),
                ms(rng, 600.0),
                rng.random_range(1..3)
            ),
        ),
        (K::CascadeUpstream, true) => {
            let peer = peer.unwrap_or("backend");
            (
                Error,
                match rng.random_range(0..3) {
                    0 => format!(
                        "upstream {peer} timed out after 1000ms request_id={}",
                        rid(rng)
                    ),
                    1 => format!(
                        "circuit breaker for {peer} is OPEN after {} failures",
                        rng.random_range(20..200)
                    ),
                    _ => format!("HTTP 503 Service Unavailable: dependency {peer} unhealthy"),
                },
            )
        }
        (K::Peak | K::Deploy | K::Batch, _) => (LogLevel::Info, super::templates::info(rng, c)),
    }
}

fn root_symptom(rng: &mut SimRng, c: &LineCtx<'_>) -> String {
    match c.role {
        Role::Db => {
            if rng.random_bool(0.5) {
                format!(
                    "process {} still waiting for ShareLock on transaction {} after {} ms",
                    rng.random_range(100..60_000),
                    id(rng),
                    ms(rng, 1000.0)
                )
            } else {
                format!(
                    "duration: {} ms  statement: UPDATE {} SET stock = stock - 1 WHERE id = $1",
                    ms(rng, c.get(M::LatencyP99Ms)),
                    table(rng)
                )
            }
        }
        Role::Cache => format!(
            "slowlog: command EVAL took {} microseconds; {} blocked clients",
            rng.random_range(50_000..900_000),
            rng.random_range(5..200)
        ),
        _ => format!(
            "request handler pool {}% idle; under-replicated partitions: {}",
            rng.random_range(0..10),
            rng.random_range(1..40)
        ),
    }
}

/// A one-off event that writes fixed log lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event<'a> {
    /// The memory limit was reached at this step.
    OomKill,
    /// The process starts (after any restart); `version` it runs.
    Start {
        version: &'a str,
    },
    /// Graceful stop before a deploy of `version`.
    Deploy {
        version: &'a str,
    },
    /// Rollback to `version`.
    Rollback {
        version: &'a str,
    },
    /// Operator restart to recover.
    Recovery,
    /// A nightly batch job starts or ends.
    BatchStart,
    BatchEnd {
        minutes: f64,
    },
    /// Disk cleanup after a disk-full incident.
    Cleanup,
}

/// The lines of `event`, in order.
pub(crate) fn event_lines(
    rng: &mut SimRng,
    c: &LineCtx<'_>,
    event: &Event<'_>,
) -> Vec<(LogLevel, String)> {
    use LogLevel::{Error, Fatal, Info, Warn};
    let (svc, inst) = (c.service, c.instance);
    match event {
        Event::OomKill => vec![
            (
                Fatal,
                "java.lang.OutOfMemoryError: Java heap space".to_string(),
            ),
            (
                Error,
                format!(
                    "container {inst} killed: OOMKilled (exit code 137), memory limit {} MiB",
                    (c.p.mem_limit / 1_048_576.0) as u64
                ),
            ),
        ],
        Event::Start { version } => vec![
            (
                Info,
                format!(
                    "starting {svc} {version} (pid {})",
                    rng.random_range(100..60_000)
                ),
            ),
            (
                Info,
                format!(
                    "ready to accept connections on :8080 after {}ms",
                    ms(rng, 1800.0)
                ),
            ),
        ],
        Event::Deploy { version } => vec![
            (Info, format!("deploying {svc} {version} to {inst}")),
            (
                Info,
                format!(
                    "received SIGTERM, draining {} connections",
                    c.get(M::ConnectionsOpen) as u64
                ),
            ),
        ],
        Event::Rollback { version } => vec![(Warn, format!("rolling back {svc} to {version}"))],
        Event::Recovery => vec![(Warn, format!("restarting {inst} to recover"))],
        Event::BatchStart => vec![(
            Info,
            format!(
                "nightly batch '{}' started: {} partitions",
                job(rng),
                rng.random_range(8..256)
            ),
        )],
        Event::BatchEnd { minutes } => vec![(
            Info,
            format!(
                "nightly batch finished: {} records in {:.0}s",
                rng.random_range(100_000..9_000_000),
                minutes * 60.0
            ),
        )],
        Event::Cleanup => vec![(
            Info,
            format!(
                "log cleanup freed {:.1} GB on /var/lib/{svc}",
                c.p.disk_cap * 0.2 / 1e9
            ),
        )],
    }
}

/// Whether an everyday line should be an error, given the error rate.
pub(crate) fn error_share(err: f64) -> f64 {
    (err * 4.0).min(0.5)
}
