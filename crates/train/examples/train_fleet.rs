//! Time training on a synthetic fleet generated in memory.
//!
//! ```text
//! cargo run --release -p forewarn-train --example train_fleet -- [SERVICES] [INSTANCES] [DAYS] [--parquet DIR]
//! ```
//!
//! Defaults: 11 services × 7 instances × 13 metrics = 1,001 series, 7 days
//! at 10 s (60,480 samples per series, 60.5 M in all), the default pipeline
//! and fit settings. With `--parquet DIR` the fleet is also written to
//! `DIR/metrics.parquet` and trained from the file, timing the read too.

use std::path::PathBuf;
use std::time::Instant;

use forewarn_train::Trainer;
use forewarn_train::synthetic::Fleet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parquet = args
        .iter()
        .position(|a| a == "--parquet")
        .map(|i| PathBuf::from(&args[i + 1]));
    let nums: Vec<usize> = args.iter().map_while(|a| a.parse().ok()).collect();
    let fleet = Fleet {
        services: nums.first().copied().unwrap_or(11),
        instances: nums.get(1).copied().unwrap_or(7),
        duration_ms: nums.get(2).copied().unwrap_or(7) as i64 * 86_400_000,
        ..Fleet::default()
    };
    let pipeline_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../pipelines/default.yaml");
    let pipeline = forewarn_config::load(pipeline_path.as_ref()).map_err(|p| p.to_string())?;

    let t = Instant::now();
    let history = fleet.generate();
    eprintln!(
        "generated {} series, {} samples in {:.1}s",
        history.series.len(),
        history.samples(),
        t.elapsed().as_secs_f64()
    );
    let trainer = Trainer::new(&pipeline).seed(1).progress(true);
    let t = Instant::now();
    let trained = match parquet {
        Some(dir) => {
            std::fs::create_dir_all(&dir)?;
            let file = dir.join("metrics.parquet");
            write_parquet(&history, &file)?;
            drop(history);
            eprintln!(
                "wrote {} ({} bytes)",
                file.display(),
                std::fs::metadata(&file)?.len()
            );
            let t = Instant::now();
            let trained = trainer.train_files(&[file], "bench")?;
            eprintln!("trained from the file in {:.1}s", t.elapsed().as_secs_f64());
            trained
        }
        None => trainer.train_history(&history, "bench")?,
    };
    let s = &trained.summary;
    eprintln!(
        "total {:.1}s: read {:.1}s, fold {:.1}s, fit {:.1}s (trend {:.1}s); {} trend metrics, {} cluster models + fallback",
        t.elapsed().as_secs_f64(),
        s.read_s,
        s.fold_s,
        s.fit_s,
        s.trend_s,
        s.trend.len(),
        s.services.len()
    );
    println!("{}", serde_json::to_string(s)?);
    Ok(())
}

fn write_parquet(
    h: &forewarn_train::History,
    path: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use polars::prelude::*;
    let n = h.samples() as usize;
    let (mut ts, mut value) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut svc, mut inst, mut metric) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for s in &h.series {
        ts.extend_from_slice(&s.ts);
        value.extend_from_slice(&s.values);
        for _ in 0..s.len() {
            svc.push(s.key.service.as_str());
            inst.push(s.key.instance.as_str());
            metric.push(s.key.metric.as_str());
        }
    }
    let ts = Series::new("ts".into(), ts).cast(&DataType::Datetime(
        TimeUnit::Milliseconds,
        Some(TimeZone::UTC),
    ))?;
    let mut df = DataFrame::new_infer_height(vec![
        ts.into_column(),
        Series::new("service".into(), svc).into_column(),
        Series::new("instance".into(), inst).into_column(),
        Series::new("metric".into(), metric).into_column(),
        Series::new("value".into(), value).into_column(),
    ])?;
    ParquetWriter::new(std::fs::File::create(path)?).finish(&mut df)?;
    Ok(())
}
