//! What the streaming benchmark reports: [`Throughput`] of the backlog
//! phase and [`Latency`] of the fixed-rate phase, and the two readings
//! they are made of (a thread's CPU time, a quantile).

/// Backlog throughput.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throughput {
    /// Samples in the backlog.
    pub samples: usize,
    /// Records in the backlog.
    pub records: usize,
    /// Seconds from the first sample scored to the last.
    pub secs: f64,
    /// Samples scored after the backlog's last record was acknowledged:
    /// what was left for the scorers alone, the producer done.
    pub drained: usize,
    /// Seconds from the last record acknowledged to the last sample
    /// scored. `drained / drain_secs` is the scorers' rate on a backlog
    /// with nothing else running; `samples / secs` includes the time they
    /// share the machine with the producer (and, with `--brokers`, the
    /// broker taking the records in). Before 2026-12-07 this benchmark
    /// divided all `samples` by `drain_secs`, which overstates the rate
    /// when the scorers keep up with the producer (JSON: one record per
    /// sample).
    pub drain_secs: f64,
    /// CPU time the scorers' threads used during this phase, in seconds
    /// (the kernel's count, `/proc/self/task/TID/schedstat`; `None` where
    /// there is no such file): `cpu_secs / samples` is what a sample
    /// costs the scorer whatever else runs on the machine.
    pub cpu_secs: Option<f64>,
}

/// Latencies at a fixed rate, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Latency {
    /// Record produced → scored, p50 and p99.
    pub record_p50_ms: Option<f64>,
    /// See `record_p50_ms`.
    pub record_p99_ms: Option<f64>,
    /// Records measured.
    pub records: usize,
    /// Record produced → event acknowledged, p50 and p99.
    pub event_p50_ms: Option<f64>,
    /// See `event_p50_ms`.
    pub event_p99_ms: Option<f64>,
    /// Events measured.
    pub events: usize,
    /// Events the scorers published in the whole run.
    pub published: u64,
    /// Checkpoints of this phase: how long the longest held the consumer
    /// loop (records and acknowledgements wait meanwhile), ms.
    pub checkpoint_max_ms: Option<f64>,
    /// Checkpoints taken in this phase.
    pub checkpoints: usize,
}

/// The CPU time of this process's thread `tid` so far, in seconds.
pub(super) fn thread_cpu_secs(tid: &str) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// p-quantile (0..1) of `v` (sorted here), seconds → milliseconds.
pub(super) fn quantile_ms(v: &mut [f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    Some(v[i] * 1000.0)
}
