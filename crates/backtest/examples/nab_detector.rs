//! Runs Forewarn's univariate detector over the NAB corpus and prints the
//! optimised NAB scores of the three profiles, with timings.
//!
//! ```text
//! cargo run --release -p forewarn-backtest --example nab_detector -- <nab_dir> [<config-json>] [<results_out_dir>]
//! cargo run --release -p forewarn-backtest --example nab_detector -- ../shared/datasets/nab
//! cargo run --release -p forewarn-backtest --example nab_detector -- ../shared/datasets/nab '{"seasonal":{"alpha":0.1}}'
//! ```
//!
//! The optional JSON is a (partial) `DetectorConfig`; omitted fields keep
//! their defaults. One configuration is used for every file, as NAB's rules
//! require. With a third argument the scores are also written in NAB's
//! results layout under `<results_out_dir>/<category>/forewarn_<file>.csv`.

use std::path::PathBuf;
use std::time::Instant;

use forewarn_backtest::nab::{self, Corpus, DetectorResults, Profile, ThresholdMode};
use forewarn_models::univariate::DetectorConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(nab_dir) = args.next().map(PathBuf::from) else {
        return Err("usage: nab_detector <nab_dir> [<config-json>] [<results_out_dir>]".into());
    };
    let cfg: DetectorConfig = match args.next() {
        Some(json) => serde_json::from_str(&json)?,
        None => DetectorConfig::default(),
    };
    let out_dir = args.next().map(PathBuf::from);

    let start = Instant::now();
    let corpus = Corpus::load(&nab_dir)?;
    let load_time = start.elapsed();

    let start = Instant::now();
    let scores = nab::run_detector(&corpus, &cfg)?;
    let run_time = start.elapsed();

    let start = Instant::now();
    let results = DetectorResults::from_scores(&corpus, "forewarn", scores.clone())?;
    let report = nab::score(&corpus, &results, &ThresholdMode::Optimize)?;
    let score_time = start.elapsed();

    for profile in Profile::ALL {
        let p = report.profile(profile);
        println!(
            "{:<20} {:8.3}  (θ = {:.6}, raw {:.4}, FP rows {}, windows detected {}/{})",
            profile.key(),
            p.normalized,
            p.threshold,
            p.raw_score,
            p.counts.false_positives,
            p.files.iter().map(|f| f.detected_windows).sum::<usize>(),
            p.files.iter().map(|f| f.windows).sum::<usize>(),
        );
    }
    let rows = corpus.row_count();
    println!("load corpus:   {load_time:?}");
    println!(
        "run detector:  {run_time:?} for {rows} rows ({:.0} ns/row, features + detector)",
        run_time.as_nanos() as f64 / rows as f64
    );
    println!("score (3 prof): {score_time:?}");
    if let Some(dir) = out_dir {
        nab::write_results(&corpus, "forewarn", &scores, &dir)?;
        println!("results written under {}", dir.display());
    }
    Ok(())
}
