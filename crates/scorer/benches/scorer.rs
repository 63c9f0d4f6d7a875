//! Cost of scoring one sample on one core: the default pipeline (three
//! windows, 14 features each), the committed default model (trend
//! forecasts for capacity and SLO metrics, a cluster model per service),
//! the incident tracker and root-cause ranking: everything
//! [`Scorer::on_metric`] does. The input is a simulated fleet of 20
//! services at 10 s sampling, replayed in event time; the first 2 hours
//! warm the windows up outside the measurement.
//!
//! Run: `cargo bench -p forewarn-scorer --bench scorer`. Target: under
//! 500 ns per sample.
//!
//! Also the cost of one log record through [`Scorer::on_log`]: template
//! mining with the default masks, the minute's counts, and per closed
//! minute the six log series into the windows and the log-anomaly check;
//! 20 services logging 120 lines a minute each, the first 2 hours as
//! warm-up.

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use forewarn_core::contracts::{LogRecord, MetricSample};
use forewarn_models::artifact::Artifact;
use forewarn_scorer::{Events, Scorer, ScorerOptions};
use forewarn_sim::{Fleet, SimConfig};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn samples(services: usize, hours: u64) -> Vec<MetricSample> {
    let cfg = SimConfig {
        services,
        duration: format!("{hours}h").parse().unwrap(),
        interval: "10s".parse().unwrap(),
        seed: 3,
        ..SimConfig::default()
    };
    Fleet::new(&cfg).unwrap().flat_map(|b| b.metrics).collect()
}

fn bench(c: &mut Criterion) {
    let pipeline = forewarn_config::load(&root().join("pipelines/default.yaml")).unwrap();
    let model = Artifact::load_for(&root().join("models/default"), &pipeline.features.hash())
        .unwrap()
        .model;
    let all = samples(20, 4);
    let warm = all.len() / 2;
    let (warmup, measured) = all.split_at(warm);
    let mut scorer =
        Scorer::new(pipeline.clone(), model.clone(), ScorerOptions::default()).unwrap();
    let mut events = Events::default();
    for s in warmup {
        scorer.on_metric(s, &mut events).unwrap();
    }
    let events = events.len();
    eprintln!(
        "{} samples warm-up ({events} events), {} measured per iteration",
        warmup.len(),
        measured.len()
    );
    let mut g = c.benchmark_group("scorer");
    g.throughput(Throughput::Elements(measured.len() as u64));
    g.sample_size(10);
    g.bench_function("on_metric/default_pipeline", |b| {
        b.iter_batched(
            || scorer_clone(&pipeline, &model, warmup),
            |mut sc| {
                let mut out = Events::default();
                for s in measured {
                    sc.on_metric(black_box(s), &mut out).unwrap();
                }
                out.len()
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// A scorer warmed up on `warmup` (rebuilt per batch so every iteration
/// scores the same hours from the same state).
fn scorer_clone(
    pipeline: &forewarn_config::PipelineConfig,
    model: &forewarn_models::artifact::Model,
    warmup: &[MetricSample],
) -> Scorer {
    let mut sc = Scorer::new(pipeline.clone(), model.clone(), ScorerOptions::default()).unwrap();
    let mut out = Events::default();
    for s in warmup {
        let _ = sc.on_metric(s, &mut out);
    }
    sc
}

fn logs(services: usize, hours: u64) -> Vec<LogRecord> {
    let mut cfg = SimConfig {
        services,
        duration: format!("{hours}h").parse().unwrap(),
        interval: "10s".parse().unwrap(),
        seed: 3,
        ..SimConfig::default()
    };
    cfg.logs.lines_per_minute = 120.0;
    let mut logs: Vec<LogRecord> = Fleet::new(&cfg).unwrap().flat_map(|b| b.logs).collect();
    logs.sort_by_key(|l| l.ts);
    logs
}

fn bench_logs(c: &mut Criterion) {
    let pipeline = forewarn_config::load(&root().join("pipelines/default.yaml")).unwrap();
    let model = Artifact::load_for(&root().join("models/default"), &pipeline.features.hash())
        .unwrap()
        .model;
    let all = logs(20, 4);
    let (warmup, measured) = all.split_at(all.len() / 2);
    let warm = |warmup: &[LogRecord]| {
        let mut sc =
            Scorer::new(pipeline.clone(), model.clone(), ScorerOptions::default()).unwrap();
        let mut out = Events::default();
        for r in warmup {
            sc.on_log(r, &mut out);
        }
        sc
    };
    eprintln!(
        "{} log records warm-up, {} measured per iteration",
        warmup.len(),
        measured.len()
    );
    let mut g = c.benchmark_group("scorer");
    g.throughput(Throughput::Elements(measured.len() as u64));
    g.sample_size(10);
    g.bench_function("on_log/default_pipeline", |b| {
        b.iter_batched(
            || warm(warmup),
            |mut sc| {
                let mut out = Events::default();
                for r in measured {
                    sc.on_log(black_box(r), &mut out);
                }
                out.len()
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench, bench_logs);
criterion_main!(benches);
