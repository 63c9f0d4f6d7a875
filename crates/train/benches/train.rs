//! Training time on a small synthetic fleet (3 services, 6 hours at 10 s:
//! 39 series, 84 k samples). The full-size measurement (1,001 series ×
//! 7 days) is the `train_fleet` example.

use criterion::{Criterion, criterion_group, criterion_main};
use forewarn_train::Trainer;
use forewarn_train::synthetic::Fleet;

fn bench(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../pipelines/default.yaml");
    let pipeline = forewarn_config::load(path.as_ref()).expect("default pipeline");
    let history = Fleet {
        duration_ms: 6 * 3_600_000,
        ..Fleet::default()
    }
    .generate();
    let trainer = Trainer::new(&pipeline).seed(1);
    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    g.bench_function("3_services_6h", |b| {
        b.iter(|| trainer.train_history(&history, "bench").expect("trains"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
