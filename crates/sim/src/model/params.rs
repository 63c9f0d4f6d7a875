//! Per-service constants drawn once from the seed: traffic, capacity,
//! latency and SLO, memory, GC, disk, connection pool, error and queue
//! levels. Ranges depend on the service's [`Role`].

use rand::Rng;

use crate::rng::SimRng;
use crate::role::Role;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const GB: f64 = 1e9;

/// Queueing slowdown at utilisation `u`: 1 when idle, growing as `u` -> 1.
pub(crate) fn queueing(u: f64) -> f64 {
    1.0 / (1.0 - 0.8 * u.clamp(0.0, 0.95))
}

/// Constants of one service (shared by its instances).
#[derive(Debug, Clone)]
pub(crate) struct ServiceParams {
    /// Mean requests per second per instance at a weekday peak, at the start.
    pub(crate) rps: f64,
    /// Utilisation at that peak.
    pub(crate) peak_util: f64,
    /// How closely the service follows the fleet's daily cycle, in [0, 1].
    pub(crate) season_amp: f64,
    /// CPU used when idle.
    pub(crate) cpu_idle: f64,
    /// p50 latency when idle, ms.
    pub(crate) lat_ms: f64,
    /// p99 / p50.
    pub(crate) tail: f64,
    /// The p99 latency SLO, ms: latency creep fails when p99 reaches it.
    pub(crate) slo_p99_ms: f64,
    /// Memory limit, bytes.
    pub(crate) mem_limit: f64,
    /// Warmed-up RSS floor, as a fraction of the limit.
    pub(crate) mem_base: f64,
    /// Height of the heap sawtooth, fraction of the limit.
    pub(crate) heap_amp: f64,
    /// Mean seconds between major GCs at peak load.
    pub(crate) gc_period_s: f64,
    /// Typical minor and major GC pauses, ms.
    pub(crate) gc_minor_ms: f64,
    pub(crate) gc_major_ms: f64,
    /// Disk capacity, bytes.
    pub(crate) disk_cap: f64,
    /// Disk used at the start, fraction of capacity.
    pub(crate) disk_base: f64,
    /// Permanent disk growth per day, fraction of capacity.
    pub(crate) disk_growth: f64,
    /// Log volume written per day and rotated away at midnight, fraction.
    pub(crate) disk_logs: f64,
    /// Pool size (connections_max).
    pub(crate) conn_max: f64,
    /// Baseline error rate.
    pub(crate) err_base: f64,
    /// Typical queue depth at peak.
    pub(crate) queue_scale: f64,
}

fn uniform(rng: &mut SimRng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

fn log_uniform(rng: &mut SimRng, lo: f64, hi: f64) -> f64 {
    (lo.ln() + (hi.ln() - lo.ln()) * rng.random::<f64>()).exp()
}

fn one_of(rng: &mut SimRng, options: &[f64]) -> f64 {
    options[rng.random_range(0..options.len())]
}

/// Round to two significant digits (SLOs are set by people).
fn nice(x: f64) -> f64 {
    let mag = 10f64.powi(x.log10().floor() as i32 - 1);
    (x / mag).round() * mag
}

/// Ranges (lo, hi) and options of one role's constants.
#[derive(Debug, Clone, Copy)]
struct RoleRanges {
    /// Requests per second of the whole service.
    rps: (f64, f64),
    /// Idle p50 latency, ms.
    lat_ms: (f64, f64),
    /// p99 / p50.
    tail: (f64, f64),
    /// Memory limit options, GiB.
    mem_gib: &'static [f64],
    /// Pool size options.
    pool: &'static [f64],
    /// Disk capacity options, GB.
    disk_gb: &'static [f64],
    /// Typical queue depth at peak.
    queue: (f64, f64),
}

impl RoleRanges {
    const fn of(role: Role) -> Self {
        match role {
            Role::Gateway => Self {
                rps: (500.0, 3000.0),
                lat_ms: (20.0, 60.0),
                tail: (3.0, 5.0),
                mem_gib: &[1.0, 2.0],
                pool: &[2000.0, 4000.0, 8000.0],
                disk_gb: &[20.0, 50.0],
                queue: (2.0, 10.0),
            },
            Role::Api => Self {
                rps: (50.0, 1500.0),
                lat_ms: (15.0, 80.0),
                tail: (3.0, 6.0),
                mem_gib: &[1.0, 2.0, 4.0],
                pool: &[50.0, 100.0, 200.0],
                disk_gb: &[20.0, 50.0, 100.0],
                queue: (2.0, 10.0),
            },
            Role::Db => Self {
                rps: (300.0, 5000.0),
                lat_ms: (0.8, 6.0),
                tail: (4.0, 8.0),
                mem_gib: &[8.0, 16.0, 32.0],
                pool: &[200.0, 500.0, 1000.0],
                disk_gb: &[250.0, 500.0, 1000.0, 2000.0],
                queue: (2.0, 20.0),
            },
            Role::Cache => Self {
                rps: (1000.0, 20000.0),
                lat_ms: (0.2, 1.2),
                tail: (3.0, 6.0),
                mem_gib: &[4.0, 8.0, 16.0],
                pool: &[1000.0, 5000.0, 10000.0],
                disk_gb: &[10.0, 20.0, 50.0],
                queue: (1.0, 5.0),
            },
            Role::Queue => Self {
                rps: (200.0, 5000.0),
                lat_ms: (1.0, 6.0),
                tail: (4.0, 8.0),
                mem_gib: &[2.0, 4.0, 8.0],
                pool: &[500.0, 1000.0, 2000.0],
                disk_gb: &[100.0, 250.0, 500.0],
                queue: (50.0, 2000.0),
            },
            Role::Worker => Self {
                rps: (5.0, 100.0),
                lat_ms: (80.0, 1500.0),
                tail: (2.0, 4.0),
                mem_gib: &[1.0, 2.0, 4.0],
                pool: &[20.0, 50.0, 100.0],
                disk_gb: &[20.0, 50.0],
                queue: (10.0, 300.0),
            },
        }
    }
}

impl ServiceParams {
    /// Draw the constants of a `role` service with `instances` instances.
    pub(crate) fn draw(role: Role, instances: usize, rng: &mut SimRng) -> Self {
        let r = RoleRanges::of(role);
        let (rps, lat, tail, mem, pool, disk, queue) = (
            r.rps, r.lat_ms, r.tail, r.mem_gib, r.pool, r.disk_gb, r.queue,
        );
        let rps = log_uniform(rng, rps.0, rps.1) / instances as f64;
        let peak_util = uniform(rng, 0.3, 0.5);
        let lat_ms = log_uniform(rng, lat.0, lat.1);
        let tail = uniform(rng, tail.0, tail.1);
        let p99_peak = lat_ms * queueing(peak_util) * tail;
        let slo_p99_ms = nice(p99_peak * uniform(rng, 2.4, 3.2));
        let mem_base = if role == Role::Cache {
            uniform(rng, 0.5, 0.6)
        } else {
            uniform(rng, 0.25, 0.45)
        };
        Self {
            rps,
            peak_util,
            season_amp: if role == Role::Worker {
                uniform(rng, 0.3, 0.6)
            } else {
                uniform(rng, 0.8, 1.0)
            },
            cpu_idle: uniform(rng, 0.02, 0.08),
            lat_ms,
            tail,
            slo_p99_ms,
            mem_limit: one_of(rng, mem) * GIB,
            mem_base,
            heap_amp: uniform(rng, 0.06, 0.14),
            gc_period_s: uniform(rng, 300.0, 1800.0),
            gc_minor_ms: uniform(rng, 2.0, 12.0),
            gc_major_ms: uniform(rng, 40.0, 220.0),
            disk_cap: one_of(rng, disk) * GB,
            disk_base: uniform(rng, 0.2, 0.5),
            disk_growth: uniform(rng, 0.001, 0.006),
            disk_logs: uniform(rng, 0.005, 0.02),
            conn_max: one_of(rng, pool),
            err_base: log_uniform(rng, 0.0005, 0.004),
            queue_scale: log_uniform(rng, queue.0, queue.1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, rng_for};

    #[test]
    fn slo_leaves_headroom_above_the_normal_peak() {
        for i in 0..200 {
            let mut rng = rng_for(3, Stream::Params, i);
            let role = Role::ALL[i as usize % 6];
            let p = ServiceParams::draw(role, 1, &mut rng);
            let peak = p.lat_ms * queueing(p.peak_util) * p.tail;
            assert!(
                p.slo_p99_ms > 2.0 * peak,
                "{role:?} {peak} {}",
                p.slo_p99_ms
            );
            assert!(p.mem_base + p.heap_amp < 0.8);
        }
        assert_eq!(nice(1234.0), 1200.0);
        assert!((nice(0.0456) - 0.046).abs() < 1e-12);
    }
}
