//! A small synthetic fleet generated in memory, for tests, examples and
//! benchmarks of training: every instance emits the simulator's thirteen
//! metrics with a daily cycle, noise, and slow growth of memory and disk.
//! It is not the simulator (`forewarn-sim`, which has incidents, traps and
//! a dependency graph); it only needs to look like normal operation and be
//! fast and deterministic for a seed.

use forewarn_features::SeriesKey;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::history::{History, Series};

/// The simulator's metric names, in its row order.
pub const METRICS: [&str; 13] = [
    "cpu_utilization",
    "memory_rss_bytes",
    "memory_limit_bytes",
    "gc_pause_ms",
    "disk_used_bytes",
    "disk_capacity_bytes",
    "connections_open",
    "connections_max",
    "requests_per_second",
    "error_rate",
    "latency_p50_ms",
    "latency_p99_ms",
    "queue_depth",
];

/// The shape of a synthetic fleet.
#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    /// Services, named `svc-00`, `svc-01`, ...
    pub services: usize,
    /// Instances per service, named `0`, `1`, ...
    pub instances: usize,
    /// Span of event time (ms).
    pub duration_ms: i64,
    /// Sampling interval (ms).
    pub interval_ms: i64,
    /// First event time (ms since the epoch).
    pub start_ms: i64,
    /// Seed of the noise.
    pub seed: u64,
}

impl Default for Fleet {
    /// Three services of one instance, one day at 10 s from 2026-01-05.
    fn default() -> Self {
        Self {
            services: 3,
            instances: 1,
            duration_ms: 86_400_000,
            interval_ms: 10_000,
            start_ms: 1_767_571_200_000,
            seed: 1,
        }
    }
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random::<f64>().max(1e-300);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

impl Fleet {
    /// Number of series (13 per instance).
    pub fn series(&self) -> usize {
        self.services * self.instances * METRICS.len()
    }

    /// Generate the fleet's history.
    pub fn generate(&self) -> History {
        let steps = (self.duration_ms / self.interval_ms.max(1)).max(0) as usize;
        let mut out = Vec::with_capacity(self.series());
        for s in 0..self.services {
            for i in 0..self.instances {
                let id = (s * self.instances + i) as u64;
                let mut rng =
                    ChaCha8Rng::seed_from_u64(self.seed.wrapping_mul(0x9E37_79B9).wrapping_add(id));
                let size = 1.0 + (s % 4) as f64 * 0.5;
                let phase = (s as f64) * 0.7;
                let mut cols: Vec<Vec<f64>> = vec![Vec::with_capacity(steps); METRICS.len()];
                let ts: Vec<i64> = (0..steps as i64)
                    .map(|k| self.start_ms + k * self.interval_ms)
                    .collect();
                for t in &ts {
                    let secs = (*t - self.start_ms) as f64 / 1000.0;
                    let day = (std::f64::consts::TAU * secs / 86_400.0 + phase).sin();
                    let rps = (200.0 * size * (1.0 + 0.4 * day) + 5.0 * normal(&mut rng)).max(0.0);
                    let load = rps / (200.0 * size * 1.4);
                    let p50 = 20.0 + 8.0 * load + normal(&mut rng);
                    let values = [
                        (0.15 + 0.5 * load + 0.02 * normal(&mut rng)).clamp(0.0, 1.0),
                        1.0e9 * size + 2e8 * load + 3e3 * secs + 1e7 * normal(&mut rng),
                        4.0e9 * size,
                        (15.0 + 10.0 * load + 2.0 * normal(&mut rng)).max(0.0),
                        5.0e10 * size + 2e4 * secs + 1e6 * normal(&mut rng),
                        5.0e11 * size,
                        (40.0 * size * (0.5 + load) + 3.0 * normal(&mut rng))
                            .round()
                            .max(0.0),
                        200.0 * size,
                        rps,
                        (0.002 + 0.0005 * normal(&mut rng)).max(0.0),
                        p50,
                        3.0 * p50 + 5.0 * normal(&mut rng).abs(),
                        (5.0 * load + 2.0 * normal(&mut rng)).round().max(0.0),
                    ];
                    for (c, v) in cols.iter_mut().zip(values) {
                        c.push(v);
                    }
                }
                for (m, values) in METRICS.iter().zip(cols) {
                    out.push(Series {
                        key: SeriesKey::new(format!("svc-{s:02}"), i.to_string(), *m),
                        ts: ts.clone(),
                        values,
                    });
                }
            }
        }
        History::from_series(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_determinism() {
        let f = Fleet {
            duration_ms: 3_600_000,
            ..Fleet::default()
        };
        let h = f.generate();
        assert_eq!(h.series.len(), 39);
        assert_eq!(h.series[0].len(), 360);
        assert_eq!(h, f.generate());
        assert_ne!(h.hash, Fleet { seed: 2, ..f }.generate().hash);
    }
}
