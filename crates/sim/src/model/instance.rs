//! One instance's normal behaviour: traffic from the fleet's seasonality and
//! slow noise, then CPU, heap sawtooth and GC pauses, disk growth with daily
//! log rotation, pool usage, errors, latency (queueing) and queue depth.
//! [`normal_clamp`] keeps healthy values clearly below every failure
//! threshold.

use rand::Rng;
use rand_distr::StandardNormal;

use crate::Metric;
use crate::labels::Thresholds;
use crate::model::params::{ServiceParams, queueing};
use crate::rng::SimRng;

/// Values of the 13 metrics, indexed by [`Metric::index`].
pub(crate) type Vals = [f64; Metric::COUNT];

/// Time-dependent inputs shared by every instance at one step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepCtx {
    /// Step index.
    pub(crate) k: i64,
    /// Unix ms of the step.
    pub(crate) ts_ms: i64,
    /// Sampling interval, ms and s.
    pub(crate) dt_ms: i64,
    pub(crate) dt_s: f64,
    /// Fleet seasonal factor and growth (see `Traffic::at`).
    pub(crate) season: f64,
    pub(crate) growth: f64,
    /// Days since the start.
    pub(crate) days: f64,
    /// Fraction of the UTC day elapsed, in [0, 1).
    pub(crate) day_frac: f64,
    /// AR(1) coefficient for ~10-minute noise, and its innovation scale.
    pub(crate) phi: f64,
    pub(crate) innov: f64,
}

/// Evolving state of one instance.
#[derive(Debug, Clone, Default)]
pub(crate) struct InstanceState {
    load_ar: f64,
    conn_ar: f64,
    lat_ar: f64,
    queue_ar: f64,
    heap: f64,
    /// Heap level that triggers the next major GC (varies per cycle).
    gc_at: f64,
    /// Seconds since the process started.
    pub(crate) uptime_s: f64,
}

fn z(rng: &mut SimRng) -> f64 {
    rng.sample(StandardNormal)
}

impl InstanceState {
    /// A warmed-up instance with a random heap phase.
    pub(crate) fn new(p: &ServiceParams, rng: &mut SimRng) -> Self {
        Self {
            heap: p.heap_amp * 0.7 * rng.random::<f64>(),
            gc_at: p.heap_amp * (0.7 + 0.3 * rng.random::<f64>()),
            uptime_s: 86_400.0,
            ..Self::default()
        }
    }

    /// The process restarts: empty heap, cold caches.
    pub(crate) fn restart(&mut self) {
        self.heap = 0.0;
        self.uptime_s = 0.0;
    }

    /// Normal values at this step. `traffic` multiplies the request rate
    /// (traps); `noise` is the traffic-noise standard deviation; a
    /// `restarting` instance was down for part of the interval.
    pub(crate) fn normal(
        &mut self,
        p: &ServiceParams,
        c: &StepCtx,
        traffic: f64,
        noise: f64,
        restarting: bool,
        rng: &mut SimRng,
    ) -> Vals {
        let mut v = [0.0; Metric::COUNT];
        self.load_ar = c.phi * self.load_ar + noise * c.innov * z(rng);
        self.conn_ar = c.phi * self.conn_ar + 0.1 * c.innov * z(rng);
        self.lat_ar = c.phi * self.lat_ar + 0.08 * c.innov * z(rng);
        self.queue_ar = c.phi * self.queue_ar + 0.4 * c.innov * z(rng);
        let season = 1.0 + p.season_amp * (c.season - 1.0);
        let mut rps = p.rps * season * c.growth * self.load_ar.exp() * traffic;
        rps *= 1.0 + 0.02 * z(rng);
        if restarting {
            rps *= 0.6;
        }
        let u = (rps * p.peak_util / p.rps).max(0.0);
        // Both terms vanish below f64 precision long after a start: skip
        // the exponentials then (same values, less work).
        let cold_cpu = if self.uptime_s < 30_000.0 {
            (-self.uptime_s / 120.0).exp()
        } else {
            0.0
        };
        let warm_mem = if self.uptime_s < 40_000.0 {
            1.0 - 0.35 * (-self.uptime_s / 900.0).exp()
        } else {
            1.0
        };

        self.heap += p.heap_amp * c.dt_s / p.gc_period_s * (0.3 + 0.7 * u / p.peak_util);
        let major = self.heap >= self.gc_at;
        if major {
            self.heap = p.heap_amp * 0.05 * rng.random::<f64>();
            self.gc_at = p.heap_amp * (0.7 + 0.3 * rng.random::<f64>());
        }
        let mut gc = p.gc_minor_ms * (0.5 + u) * (0.25 * z(rng)).exp();
        if major {
            gc = gc.max(p.gc_major_ms * (0.2 * z(rng)).exp());
        }
        // Slow, smooth growth plus the day's logs (rotated at midnight) and a
        // little churn of temporary files.
        let disk = p.disk_base
            + p.disk_growth * c.days
            + p.disk_logs * c.day_frac
            + 0.0005 * (1.0 + self.queue_ar.tanh());
        let p50 = p.lat_ms * queueing(u) * (self.lat_ar + 0.03 * z(rng)).exp();

        v[Metric::CpuUtilization.index()] = p.cpu_idle + 0.85 * u + 0.15 * cold_cpu + 0.01 * z(rng);
        v[Metric::MemoryRssBytes.index()] =
            p.mem_limit * (p.mem_base * warm_mem + self.heap + 0.03 * u) * (1.0 + 0.003 * z(rng));
        v[Metric::MemoryLimitBytes.index()] = p.mem_limit;
        v[Metric::GcPauseMs.index()] = gc;
        v[Metric::DiskUsedBytes.index()] = p.disk_cap * disk;
        v[Metric::DiskCapacityBytes.index()] = p.disk_cap;
        v[Metric::ConnectionsOpen.index()] =
            (p.conn_max * (0.04 + 0.5 * u) * self.conn_ar.exp()).max(1.0);
        v[Metric::ConnectionsMax.index()] = p.conn_max;
        v[Metric::RequestsPerSecond.index()] = rps;
        v[Metric::ErrorRate.index()] =
            p.err_base * (0.5 + u) * (0.35 * z(rng)).exp() + if restarting { 0.005 } else { 0.0 };
        v[Metric::LatencyP50Ms.index()] = p50;
        v[Metric::LatencyP99Ms.index()] = p50 * p.tail * (0.08 * z(rng)).exp();
        v[Metric::QueueDepth.index()] =
            p.queue_scale * (0.1 + u / p.peak_util) / 1.1 * self.queue_ar.exp();
        self.uptime_s += c.dt_s;
        v
    }
}

/// Keep healthy values well below every failure threshold, and physical.
pub(crate) fn normal_clamp(v: &mut Vals, p: &ServiceParams, t: &Thresholds) {
    use Metric as M;
    let cap = |v: &mut Vals, m: Metric, hi: f64| v[m.index()] = v[m.index()].clamp(0.0, hi);
    cap(v, M::CpuUtilization, 0.92 * t.cpu_saturation);
    cap(v, M::MemoryRssBytes, 0.85 * p.mem_limit);
    cap(v, M::GcPauseMs, 0.6 * t.gc_pause_ms);
    cap(v, M::DiskUsedBytes, 0.9 * p.disk_cap);
    cap(v, M::ConnectionsOpen, 0.8 * p.conn_max);
    cap(v, M::ErrorRate, 0.5 * t.error_rate_slo);
    cap(v, M::LatencyP99Ms, 0.8 * p.slo_p99_ms);
    let p99 = v[M::LatencyP99Ms.index()];
    cap(v, M::LatencyP50Ms, p99);
}

/// Before an incident's failure: every signal strictly below its threshold.
pub(crate) fn pre_failure_clamp(v: &mut Vals, p: &ServiceParams, t: &Thresholds) {
    use Metric as M;
    let cap = |v: &mut Vals, m: Metric, hi: f64| v[m.index()] = v[m.index()].clamp(0.0, hi);
    cap(v, M::CpuUtilization, t.cpu_saturation - 0.005);
    cap(v, M::MemoryRssBytes, 0.998 * p.mem_limit);
    cap(v, M::GcPauseMs, 0.99 * t.gc_pause_ms);
    cap(v, M::DiskUsedBytes, 0.999 * p.disk_cap);
    cap(v, M::ConnectionsOpen, p.conn_max - 1.0);
    cap(v, M::ErrorRate, 0.99 * t.error_rate_slo);
    cap(v, M::LatencyP99Ms, 0.99 * p.slo_p99_ms);
    let p99 = v[M::LatencyP99Ms.index()];
    cap(v, M::LatencyP50Ms, p99);
}

/// Physical bounds after any effect, then rounding to output precision.
pub(crate) fn finish(v: &mut Vals, p: &ServiceParams) {
    use Metric as M;
    let cap = |v: &mut Vals, m: Metric, hi: f64| v[m.index()] = v[m.index()].clamp(0.0, hi);
    cap(v, M::CpuUtilization, 1.0);
    cap(v, M::MemoryRssBytes, p.mem_limit);
    cap(v, M::DiskUsedBytes, p.disk_cap);
    cap(v, M::ConnectionsOpen, p.conn_max);
    cap(v, M::ErrorRate, 1.0);
    for m in Metric::ALL {
        let x = &mut v[m.index()];
        *x = round_to(*x, m.decimals());
    }
}

/// Round `x` to `decimals` places (0: integer).
pub(crate) fn round_to(x: f64, decimals: i32) -> f64 {
    const SCALE: [f64; 6] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5];
    if decimals == 0 {
        return x.round();
    }
    let s = SCALE
        .get(decimals as usize)
        .copied()
        .unwrap_or_else(|| 10f64.powi(decimals));
    (x * s).round() / s
}
