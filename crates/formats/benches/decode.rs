//! Decoding throughput in samples per second: an Arrow IPC stream of 10,000
//! samples (one record batch), and an Influx payload of 1,000 Telegraf lines
//! of 5 fields each (5,000 samples).

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use forewarn_core::contracts::MetricSample;
use forewarn_formats::{Format, decode, encode_arrow_ipc};

fn arrow_payload(n: usize) -> Vec<u8> {
    let t0 = Utc.timestamp_opt(1_767_225_600, 0).unwrap();
    let samples: Vec<MetricSample> = (0..n)
        .map(|i| MetricSample {
            schema_version: 1,
            ts: t0 + chrono::Duration::milliseconds(i as i64),
            service: format!("svc-{}", i % 20),
            instance: format!("pod-{}", i % 200),
            metric: [
                "cpu",
                "memory_rss_bytes",
                "http_requests_total",
                "gc_pause_ms",
            ][i % 4]
                .into(),
            value: i as f64 * 0.25,
            labels: if i.is_multiple_of(10) {
                BTreeMap::from([("region".to_string(), "eu".to_string())])
            } else {
                BTreeMap::new()
            },
        })
        .collect();
    encode_arrow_ipc(&samples)
}

fn influx_payload(lines: usize) -> String {
    (0..lines)
        .map(|i| {
            format!(
                "cpu,cpu=cpu{},host=web-{},service=checkout,path=/var/lib/my\\ data \
                 usage_idle={}.5,usage_system=0.75,usage_user=1.96,procs={}i,ok=true {}\n",
                i % 8,
                i % 50,
                i % 100,
                i,
                1_700_000_000_000_000_000i64 + i as i64
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    let arrow = arrow_payload(10_000);
    let mut out = Vec::with_capacity(10_000);
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("arrow_ipc_10k_samples", |b| {
        b.iter(|| {
            out.clear();
            decode(Format::Arrow, black_box(&arrow), &mut out).unwrap()
        })
    });

    let influx = influx_payload(1_000);
    g.throughput(Throughput::Elements(5_000));
    g.bench_function("influx_1k_lines_5k_samples", |b| {
        b.iter(|| {
            out.clear();
            decode(Format::Influx, black_box(influx.as_bytes()), &mut out).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
