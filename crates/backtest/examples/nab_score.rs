//! Scores one detector's NAB results folder and prints the normalised
//! scores of both threshold modes, with timings.
//!
//! ```text
//! cargo run -p forewarn-backtest --example nab_score -- <nab_dir> <results_dir>
//! cargo run -p forewarn-backtest --example nab_score -- ../shared/datasets/nab ../shared/datasets/nab/results/numenta
//! ```

use std::path::PathBuf;
use std::time::Instant;

use forewarn_backtest::nab::{self, Corpus, DetectorResults, Profile, ThresholdMode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(nab_dir), Some(results_dir)) = (args.next(), args.next()) else {
        return Err("usage: nab_score <nab_dir> <results_dir>".into());
    };

    let start = Instant::now();
    let corpus = Corpus::load(&nab_dir)?;
    let corpus_time = start.elapsed();

    let start = Instant::now();
    let results = DetectorResults::load(&corpus, &results_dir)?;
    let results_time = start.elapsed();

    let start = Instant::now();
    let optimised = nab::score(&corpus, &results, &ThresholdMode::Optimize)?;
    let optimise_time = start.elapsed();

    let published = ThresholdMode::published_from_file(&nab_dir.join("config/thresholds.json"))
        .and_then(|mode| nab::score(&corpus, &results, &mode));

    println!("detector: {}", results.detector());
    for profile in Profile::ALL {
        let o = optimised.profile(profile);
        print!(
            "{:<20} optimised {:8.4} (θ = {:.12}, raw {:.6})",
            profile.key(),
            o.normalized,
            o.threshold,
            o.raw_score
        );
        match &published {
            Ok(p) => println!(
                "  published {:8.4} (θ = {:.12})",
                p.normalized(profile),
                p.profile(profile).threshold
            ),
            Err(_) => println!(),
        }
    }
    if let Err(e) = &published {
        println!("published thresholds: {e}");
    }
    println!("load corpus:               {corpus_time:?}");
    println!("load results:              {results_time:?}");
    println!("score + optimise (3 prof): {optimise_time:?}");
    println!(
        "total for one detector:    {:?}",
        corpus_time + results_time + optimise_time
    );
    Ok(())
}
