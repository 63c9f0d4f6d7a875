//! Window-update throughput and state size for the default feature set
//! (1m, 5m, 1h windows; all 13 features) at 10 s sampling.
//!
//! Run: `cargo bench -p forewarn-features --bench windows`.
//! It prints the bytes of state per series before the timings.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use forewarn_features::{FeatureEngine, FeatureSpec, SeriesKey, SeriesWindows};

/// A memory-like gauge: slow growth, a daily cycle and ±2 % noise.
fn gauge(n: usize) -> Vec<(i64, f64)> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let noise = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let t = i as f64 * 10.0;
            let v = 1e9
                * (1.0 + 1e-6 * t)
                * (1.0 + 0.1 * (t / 86_400.0 * std::f64::consts::TAU).sin())
                * (1.0 + 0.04 * noise);
            (i as i64 * 10_000, v)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let spec = FeatureSpec::default_set().compile().unwrap();
    let points = gauge(100_000);

    // State size after two hours of 10 s samples (every window full).
    let mut s = SeriesWindows::new(&spec, false);
    for &(t, v) in &points[..720] {
        s.push(&spec, t, v).unwrap();
    }
    eprintln!(
        "state per series (default set, 10 s sampling, gauge with 2 % noise): {} bytes",
        s.memory_bytes()
    );
    // Worst case for the sketch: white noise over nine decades, every
    // sample in its own bucket.
    let mut s = SeriesWindows::new(&spec, false);
    for (i, &(t, _)) in points[..720].iter().enumerate() {
        s.push(&spec, t, 10f64.powf((i * 7919 % 720) as f64 / 80.0))
            .unwrap();
    }
    eprintln!(
        "state per series (default set, 10 s sampling, white noise over 9 decades): {} bytes",
        s.memory_bytes()
    );

    let mut g = c.benchmark_group("push");
    g.throughput(Throughput::Elements(points.len() as u64));
    g.bench_function("one_series_default_set", |b| {
        b.iter(|| {
            let mut s = SeriesWindows::new(&spec, false);
            for &(t, v) in &points {
                let _ = black_box(s.push(&spec, t, v));
            }
            s
        })
    });
    // 1,000 series interleaved, through the keyed engine (hash lookups, cache misses).
    let keys: Vec<SeriesKey> = (0..1000)
        .map(|i| {
            SeriesKey::new(
                format!("svc-{}", i % 50),
                format!("{i}"),
                "memory_rss_bytes",
            )
        })
        .collect();
    let per = points.len() / keys.len();
    g.bench_function("engine_1000_series", |b| {
        b.iter(|| {
            let mut e: FeatureEngine = FeatureEngine::new(spec.clone(), 10_000);
            for i in 0..per {
                for (k, key) in keys.iter().enumerate() {
                    let (_, v) = points[k * per + i];
                    let _ = black_box(e.push(key, i as i64 * 10_000, v));
                }
            }
            e
        })
    });
    g.finish();

    let mut s = SeriesWindows::new(&spec, false);
    for &(t, v) in &points[..720] {
        s.push(&spec, t, v).unwrap();
    }
    c.bench_function("features/default_set", |b| {
        b.iter(|| black_box(s.features(&spec)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
