//! Per-sample cost of the univariate detector, on a gauge with a daily
//! cycle, noise and occasional spikes at 5-minute sampling:
//!
//! - `detector_step`: the detector alone, features precomputed;
//! - `series_scorer_push`: the production path, feature windows plus
//!   detector.
//!
//! Run: `cargo bench -p forewarn-models --bench univariate`. It prints the
//! serialised state size per series first.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use forewarn_features::SeriesWindows;
use forewarn_models::univariate::{DetectorConfig, SeriesDetector, UnivariateDetector};

const STEP_MS: i64 = 300_000;

/// A gauge: daily cycle, ±5 % noise, a spike about every 3,000 samples.
fn gauge(n: usize) -> Vec<(i64, f64)> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            let day = (i % 288) as f64 / 288.0 * std::f64::consts::TAU;
            let spike = if x.is_multiple_of(3000) { 3.0 } else { 1.0 };
            (
                i as i64 * STEP_MS,
                (100.0 + 30.0 * day.sin()) * (0.95 + 0.1 * u) * spike,
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let cfg = DetectorConfig::default();
    let spec = cfg.feature_spec().compile().unwrap();
    let points = gauge(100_000);

    // Features as the detector sees them: before each sample.
    let mut windows = SeriesWindows::new(&spec, false);
    let mut scratch = Vec::new();
    let mut f = vec![f64::NAN; spec.width()];
    let mut features = Vec::with_capacity(points.len());
    for &(t, v) in &points {
        features.push(f.clone());
        windows.push(&spec, t, v).unwrap();
        windows.features_into(&spec, &mut scratch, &mut f);
    }

    let mut d = UnivariateDetector::new(cfg.clone(), &spec).unwrap();
    for ((t, v), f) in points.iter().zip(&features) {
        d.step(*t, *v, f);
    }
    let state = serde_json::to_vec(&d).unwrap();
    eprintln!(
        "detector state after 100,000 samples: {} bytes of JSON",
        state.len()
    );

    let mut g = c.benchmark_group("univariate");
    g.throughput(Throughput::Elements(points.len() as u64));
    g.sample_size(20);
    g.bench_function("detector_step", |b| {
        b.iter(|| {
            let mut d = UnivariateDetector::new(cfg.clone(), &spec).unwrap();
            let mut acc = 0.0;
            for ((t, v), f) in points.iter().zip(&features) {
                acc += d.step(*t, *v, f);
            }
            black_box(acc)
        })
    });
    g.bench_function("series_scorer_push", |b| {
        b.iter(|| {
            let mut s = SeriesDetector::new(cfg.clone(), &spec).unwrap();
            let mut acc = 0.0;
            for &(t, v) in &points {
                acc += s.push(&spec, t, v);
            }
            black_box(acc)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
