//! Scheduled effects on one service: the metric shape of every incident
//! (a ramp from normal to the threshold between onset and failure, then the
//! failed state until recovery), of every trap, and process restarts.

use rand::Rng;

use crate::Metric as M;
use crate::labels::Thresholds;
use crate::model::instance::Vals;
use crate::model::params::ServiceParams;
use crate::rng::SimRng;

/// What an effect does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EffectKind {
    Leak,
    DiskFill,
    Pool,
    Latency,
    ErrorBurst,
    Cpu,
    Gc,
    CascadeRoot,
    CascadeUpstream,
    Peak,
    Deploy,
    Batch,
}

impl EffectKind {
    /// Traps are not failures: they stay within normal bounds.
    pub(crate) fn is_trap(self) -> bool {
        matches!(self, Self::Peak | Self::Deploy | Self::Batch)
    }
}

/// Where an incident effect is at one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Phase {
    /// Between onset and failure, with progress in [0, 1).
    Pre(f64),
    /// The failure step.
    Failure,
    /// After the failure, before recovery.
    Post,
}

/// One scheduled effect on a service (or one of its instances).
#[derive(Debug, Clone)]
pub(crate) struct Effect {
    pub(crate) kind: EffectKind,
    /// `None`: every instance.
    pub(crate) instance: Option<u32>,
    /// Onset (or trap start) step.
    pub(crate) start: i64,
    /// Failure step (traps: equal to `end`).
    pub(crate) failure: i64,
    /// Recovery (or trap end) step, exclusive.
    pub(crate) end: i64,
    /// Kind-specific size: peak traffic multiplier, batch size, …
    pub(crate) magnitude: f64,
    /// The other service involved (a cascade's dependency), for log lines.
    pub(crate) peer: Option<String>,
}

/// Why a process restarts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RestartReason {
    /// Killed at the memory limit (the step before).
    OomKilled,
    /// A deploy of `version` (planned, or the bad one of an error burst).
    Deploy(String),
    /// Rollback to the version before the last deploy.
    Rollback,
    /// Restarted by an operator to recover.
    Recovery,
}

/// A restart of one instance (or all) at a step.
#[derive(Debug, Clone)]
pub(crate) struct Restart {
    pub(crate) step: i64,
    pub(crate) instance: Option<u32>,
    pub(crate) reason: RestartReason,
}

fn ramp(from: f64, to: f64, p: f64, pow: f64) -> f64 {
    from + (to - from) * p.powf(pow)
}

impl Effect {
    /// Whether it is in force at step `k` on instance `inst`.
    pub(crate) fn hits(&self, k: i64, inst: u32) -> bool {
        self.start <= k && k < self.end && self.instance.is_none_or(|i| i == inst)
    }

    /// The phase at step `k` (only meaningful while active).
    pub(crate) fn phase(&self, k: i64) -> Phase {
        if k < self.failure {
            Phase::Pre((k - self.start) as f64 / (self.failure - self.start).max(1) as f64)
        } else if k == self.failure {
            Phase::Failure
        } else {
            Phase::Post
        }
    }

    /// Position within a trap, in [0, 1).
    fn frac(&self, k: i64) -> f64 {
        (k - self.start) as f64 / (self.end - self.start).max(1) as f64
    }

    /// Multiplier of the request rate (applied before the normal model).
    pub(crate) fn traffic(&self, k: i64) -> f64 {
        match self.kind {
            EffectKind::Peak => {
                let s = (std::f64::consts::PI * self.frac(k)).sin();
                1.0 + (self.magnitude - 1.0) * s * s
            }
            _ => 1.0,
        }
    }

    /// A trap's change to normal values (normal bounds are applied after).
    pub(crate) fn apply_trap(&self, k: i64, v: &mut Vals, p: &ServiceParams) {
        if self.kind != EffectKind::Batch {
            return;
        }
        let x = self.frac(k);
        let bump = (std::f64::consts::PI * x).sin();
        v[M::CpuUtilization.index()] += 0.3 * bump;
        v[M::DiskUsedBytes.index()] += p.disk_cap * 0.1 * x;
        v[M::QueueDepth.index()] += self.magnitude * p.queue_scale * (1.0 - x);
        v[M::ConnectionsOpen.index()] *= 1.0 + 0.4 * bump;
        v[M::GcPauseMs.index()] *= 1.0 + bump;
        v[M::LatencyP99Ms.index()] *= 1.0 + 0.3 * bump;
    }

    /// An incident's change at step `k`.
    pub(crate) fn apply_incident(
        &self,
        k: i64,
        v: &mut Vals,
        p: &ServiceParams,
        t: &Thresholds,
        rng: &mut SimRng,
    ) {
        let u: f64 = rng.random();
        let phase = self.phase(k);
        let g = |v: &Vals, m: M| v[m.index()];
        let (cpu, rss, gc, disk) = (
            g(v, M::CpuUtilization),
            g(v, M::MemoryRssBytes),
            g(v, M::GcPauseMs),
            g(v, M::DiskUsedBytes),
        );
        let (conns, err, p50, p99) = (
            g(v, M::ConnectionsOpen),
            g(v, M::ErrorRate),
            g(v, M::LatencyP50Ms),
            g(v, M::LatencyP99Ms),
        );
        let set = |v: &mut Vals, m: M, x: f64| v[m.index()] = x;
        let mul = |v: &mut Vals, m: M, x: f64| v[m.index()] *= x;
        let (slo, eslo) = (p.slo_p99_ms, t.error_rate_slo);
        match (self.kind, phase) {
            (EffectKind::Leak, Phase::Pre(x)) => {
                set(v, M::MemoryRssBytes, ramp(rss, p.mem_limit, x, 1.0));
                set(
                    v,
                    M::GcPauseMs,
                    (gc * (1.0 + 2.0 * x.powi(3))).min(0.7 * t.gc_pause_ms),
                );
                mul(v, M::LatencyP99Ms, 1.0 + 0.3 * x.powi(3));
                set(v, M::CpuUtilization, cpu + 0.08 * x.powi(3));
            }
            (EffectKind::Leak, Phase::Failure) => set(v, M::MemoryRssBytes, p.mem_limit),
            (EffectKind::Leak, Phase::Post) => {}
            (EffectKind::DiskFill, Phase::Pre(x)) => {
                set(v, M::DiskUsedBytes, ramp(disk, p.disk_cap, x, 1.1));
            }
            (EffectKind::DiskFill, _) => {
                set(v, M::DiskUsedBytes, p.disk_cap);
                set(v, M::ErrorRate, eslo * (1.5 + 3.5 * u));
                mul(v, M::LatencyP99Ms, 1.5);
            }
            (EffectKind::Pool, Phase::Pre(x)) => {
                set(v, M::ConnectionsOpen, ramp(conns, p.conn_max, x, 1.6));
                mul(v, M::LatencyP99Ms, 1.0 + 0.6 * x * x);
                v[M::QueueDepth.index()] += 2.0 * p.queue_scale * x * x;
            }
            (EffectKind::Pool, _) => {
                set(v, M::ConnectionsOpen, p.conn_max);
                set(v, M::ErrorRate, err.max(0.06 + 0.2 * u));
                set(v, M::LatencyP99Ms, p99.max(slo * (1.2 + 0.6 * u)));
                mul(v, M::LatencyP50Ms, 2.5);
                v[M::QueueDepth.index()] += 5.0 * p.queue_scale;
            }
            (EffectKind::Latency, Phase::Pre(x)) => {
                let new = ramp(p99, slo, x, 1.3);
                set(v, M::LatencyP99Ms, new);
                set(v, M::LatencyP50Ms, p50 + 0.25 * (new - p99));
                mul(v, M::ConnectionsOpen, 1.0 + 0.3 * x);
            }
            (EffectKind::Latency, Phase::Failure) => {
                set(v, M::LatencyP99Ms, slo * (1.02 + 0.1 * u));
                mul(v, M::LatencyP50Ms, 1.5);
            }
            (EffectKind::Latency, Phase::Post) => {
                set(v, M::LatencyP99Ms, slo * (1.05 + 0.35 * u));
                mul(v, M::LatencyP50Ms, 1.5);
                mul(v, M::ConnectionsOpen, 1.3);
                mul(v, M::ErrorRate, 2.0);
            }
            (EffectKind::ErrorBurst, Phase::Pre(x)) => {
                set(v, M::ErrorRate, ramp(err, eslo, x, 0.8));
                mul(v, M::LatencyP99Ms, 1.0 + 0.3 * x);
            }
            (EffectKind::ErrorBurst, _) => {
                set(v, M::ErrorRate, eslo * (1.3 + 2.7 * u));
                mul(v, M::LatencyP99Ms, 1.4);
                mul(v, M::RequestsPerSecond, 1.1);
            }
            (EffectKind::Cpu, Phase::Pre(x)) => {
                let top = t.cpu_saturation - 0.005;
                set(v, M::CpuUtilization, ramp(cpu.min(top), top, x, 1.4));
                mul(v, M::LatencyP99Ms, 1.0 + 0.8 * x * x);
                mul(v, M::LatencyP50Ms, 1.0 + 0.4 * x * x);
            }
            (EffectKind::Cpu, _) => {
                let c = t.cpu_saturation + (1.0 - t.cpu_saturation) * (0.25 + 0.75 * u);
                set(v, M::CpuUtilization, c);
                mul(v, M::LatencyP50Ms, 2.0);
                set(v, M::LatencyP99Ms, (p99 * 3.0).max(slo * 1.1));
                mul(v, M::RequestsPerSecond, 0.85);
                set(v, M::ErrorRate, err + 0.01 + 0.02 * u);
                v[M::QueueDepth.index()] += 3.0 * p.queue_scale;
            }
            (EffectKind::Gc, Phase::Pre(x)) => {
                set(v, M::GcPauseMs, ramp(gc, t.gc_pause_ms, x, 2.0));
                set(v, M::MemoryRssBytes, ramp(rss, 0.93 * p.mem_limit, x, 0.7));
                set(v, M::CpuUtilization, (cpu + 0.25 * x * x).min(0.95));
                mul(v, M::LatencyP99Ms, 1.0 + 1.5 * x * x);
            }
            (EffectKind::Gc, _) => {
                set(v, M::GcPauseMs, t.gc_pause_ms * (1.05 + 1.5 * u));
                set(v, M::MemoryRssBytes, p.mem_limit * (0.94 + 0.03 * u));
                set(v, M::CpuUtilization, 0.9 + 0.05 * u);
                mul(v, M::LatencyP99Ms, 4.0);
                mul(v, M::RequestsPerSecond, 0.7);
                mul(v, M::ErrorRate, 3.0);
            }
            (EffectKind::CascadeRoot | EffectKind::CascadeUpstream, Phase::Pre(x)) => {
                set(v, M::LatencyP99Ms, ramp(p99, 0.9 * slo, x, 1.5));
                mul(v, M::LatencyP50Ms, 1.0 + 2.0 * x.powf(1.5));
                set(
                    v,
                    M::ConnectionsOpen,
                    ramp(conns, 0.95 * p.conn_max, x, 1.5),
                );
                set(v, M::ErrorRate, ramp(err, eslo, x, 2.5));
                v[M::QueueDepth.index()] += 3.0 * p.queue_scale * x * x;
            }
            (EffectKind::CascadeRoot | EffectKind::CascadeUpstream, _) => {
                set(v, M::ErrorRate, eslo * (1.5 + 3.0 * u));
                set(v, M::LatencyP99Ms, slo * (1.3 + 1.5 * u));
                set(v, M::ConnectionsOpen, p.conn_max);
                mul(v, M::LatencyP50Ms, 4.0);
                mul(v, M::RequestsPerSecond, 0.8);
                v[M::QueueDepth.index()] += 5.0 * p.queue_scale;
            }
            (EffectKind::Peak | EffectKind::Deploy | EffectKind::Batch, _) => {}
        }
    }
}
