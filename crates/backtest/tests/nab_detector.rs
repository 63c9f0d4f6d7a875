//! Forewarn's univariate detector on the whole NAB v1.1 corpus, with NAB's
//! rules: one configuration (the defaults) for every file, no labels, no
//! look-ahead, one corpus-wide threshold per profile chosen by NAB's sweep.
//! The test asserts floors on the three normalised scores.
//!
//! The data lives in `<shared>/datasets/nab`, where `<shared>` is
//! `$FOREWARN_SHARED` or the `shared` directory beside the workspace. When
//! it is missing the test skips with a notice, unless `CI=true`, where it
//! fails.

use std::time::Instant;

use forewarn_backtest::nab::{self, Corpus, DetectorResults, ThresholdMode};
use forewarn_models::univariate::DetectorConfig;

/// Floors: what the defaults score (70.162 / 63.710 / 74.935; the run is
/// deterministic), minus about 0.5.
const FLOOR_STANDARD: f64 = 69.6;
const FLOOR_LOW_FP: f64 = 63.2;
const FLOOR_LOW_FN: f64 = 74.4;

mod common;
use common::nab_dir;

#[test]
fn default_detector_scores_above_its_floors_on_nab() {
    let Some(dir) = nab_dir() else { return };
    let corpus = Corpus::load(&dir).unwrap();
    let cfg = DetectorConfig::default();

    let start = Instant::now();
    let scores = nab::run_detector(&corpus, &cfg).unwrap();
    let elapsed = start.elapsed();
    assert!(
        scores.iter().flatten().all(|s| (0.0..=1.0).contains(s)),
        "every score must lie in [0, 1]"
    );
    // Same scores file by file when run alone: no state leaks between files
    // or threads.
    let again = nab::run_file(&corpus.files()[7], &cfg).unwrap();
    assert_eq!(again, scores[7]);

    let results = DetectorResults::from_scores(&corpus, "forewarn", scores).unwrap();
    let report = nab::score(&corpus, &results, &ThresholdMode::Optimize).unwrap();
    eprintln!(
        "Forewarn univariate on NAB ({} rows in {elapsed:?}): standard {:.3}, \
         reward_low_FP_rate {:.3}, reward_low_FN_rate {:.3}.",
        corpus.row_count(),
        report.standard,
        report.reward_low_fp_rate,
        report.reward_low_fn_rate
    );
    assert!(
        report.standard >= FLOOR_STANDARD,
        "standard {}",
        report.standard
    );
    assert!(
        report.reward_low_fp_rate >= FLOOR_LOW_FP,
        "reward_low_FP_rate {}",
        report.reward_low_fp_rate
    );
    assert!(
        report.reward_low_fn_rate >= FLOOR_LOW_FN,
        "reward_low_FN_rate {}",
        report.reward_low_fn_rate
    );
}
