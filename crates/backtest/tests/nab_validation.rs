//! Validation of the NAB scorer on the real NAB v1.1 corpus: the published
//! thresholds must reproduce `results/final_results.json` for the null,
//! random and numenta detectors, numenta's per-file published score CSVs
//! must match file by file, and the threshold sweep must never do worse than
//! the published thresholds.
//!
//! The data lives in `<shared>/datasets/nab`, where `<shared>` is
//! `$FOREWARN_SHARED` or the `shared` directory beside the workspace. When
//! it is missing the tests skip with a notice, unless `CI=true`, where they
//! fail.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use forewarn_backtest::nab::{
    self, Corpus, DetectorResults, NO_DETECTION_THRESHOLD, NabReport, Profile, PublishedThresholds,
    ThresholdMode,
};

mod common;
use common::nab_dir;

struct Fixture {
    dir: PathBuf,
    corpus: Corpus,
    published: PublishedThresholds,
    detectors: Vec<DetectorResults>,
}

impl Fixture {
    fn detector(&self, name: &str) -> &DetectorResults {
        self.detectors
            .iter()
            .find(|d| d.detector() == name)
            .unwrap()
    }

    fn published(&self, name: &str) -> NabReport {
        let mode = ThresholdMode::Published(self.published.clone());
        nab::score(&self.corpus, self.detector(name), &mode).unwrap()
    }
}

/// Loads the corpus and the three published detectors once per test binary.
fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let dir = nab_dir()?;
            let start = Instant::now();
            let corpus = Corpus::load(&dir).unwrap();
            let published = PublishedThresholds::load(&dir.join("config/thresholds.json")).unwrap();
            let detectors = ["null", "random", "numenta"]
                .iter()
                .map(|d| DetectorResults::load(&corpus, &dir.join("results").join(d)).unwrap())
                .collect();
            eprintln!(
                "Loaded the NAB corpus and 3 detectors in {:?}.",
                start.elapsed()
            );
            Some(Fixture {
                dir,
                corpus,
                published,
                detectors,
            })
        })
        .as_ref()
}

fn assert_close(actual: f64, expected: f64, tol: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: got {actual}, expected {expected} ± {tol}"
    );
}

#[test]
fn corpus_has_the_documented_shape() {
    let Some(fx) = fixture() else { return };
    assert_eq!(fx.corpus.files().len(), 58);
    assert_eq!(fx.corpus.row_count(), 365_558);
    assert_eq!(fx.corpus.scored_row_count(), 332_842);
    assert_eq!(fx.corpus.window_count(), 116);
    let machine = fx
        .corpus
        .file("realKnownCause/machine_temperature_system_failure.csv")
        .unwrap();
    assert_eq!((machine.len(), machine.probation_len()), (22_695, 750));
    // Row order is kept even where time steps back (once, at 0-based row
    // 10,149).
    let t = machine.times();
    let back: Vec<usize> = (1..t.len()).filter(|&i| t[i] < t[i - 1]).collect();
    assert_eq!(back, [10_149]);
}

#[test]
fn published_thresholds_reproduce_the_published_scores() {
    let Some(fx) = fixture() else { return };
    let expected = [
        ("null", [0.0, 0.0, 0.0]),
        ("numenta", [70.101, 63.117, 74.320]),
        ("random", [16.832, 5.764, 25.876]),
    ];
    for (detector, scores) in expected {
        let report = fx.published(detector);
        for (profile, want) in Profile::ALL.into_iter().zip(scores) {
            let got = report.normalized(profile);
            eprintln!("{detector} {profile}: {got:.6} (published {want:.3})");
            assert_close(got, want, 0.01, &format!("{detector} {profile}"));
        }
    }
    // The JSON keys are NAB's.
    let json = serde_json::to_value(fx.published("numenta")).unwrap();
    for key in ["standard", "reward_low_FP_rate", "reward_low_FN_rate"] {
        assert!(json[key].is_f64(), "missing key {key}");
    }
}

#[test]
fn published_scores_match_final_results_json_closely() {
    let Some(fx) = fixture() else { return };
    let text = std::fs::read_to_string(fx.dir.join("results/final_results.json")).unwrap();
    let finals: serde_json::Value = serde_json::from_str(&text).unwrap();
    for detector in ["null", "random", "numenta"] {
        let report = fx.published(detector);
        for profile in Profile::ALL {
            let want = finals[detector][profile.key()].as_f64().unwrap();
            assert_close(report.normalized(profile), want, 1e-6, detector);
        }
    }
}

#[test]
fn numenta_per_file_scores_match_its_published_score_files() {
    let Some(fx) = fixture() else { return };
    let report = fx.published("numenta");
    for profile in Profile::ALL {
        let path = fx.dir.join(format!(
            "results/numenta/numenta_{}_scores.csv",
            profile.key()
        ));
        let details = report.profile(profile);
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let mut seen = 0;
        for row in reader.records() {
            let row = row.unwrap();
            let count = |k: usize| row[k].parse::<usize>().unwrap();
            let score: f64 = row[4].parse().unwrap();
            if &row[0] == "Totals" {
                assert_close(details.raw_score, score, 1e-8, "total");
                continue;
            }
            let file = details.files.iter().find(|f| f.file == row[2]).unwrap();
            let what = format!("{profile} {}", file.file);
            assert_close(file.score, score, 1e-9, &what);
            let c = file.counts;
            let counts = (c.true_positives, c.true_negatives, c.false_positives);
            assert_eq!(counts, (count(5), count(6), count(7)), "{what}");
            assert_eq!(c.false_negatives, count(8), "{what}");
            seen += 1;
        }
        assert_eq!(seen, 58);
    }
}

/// `Some((θ, normalised score))` from SCORING.md §10, or `None` where the
/// sweep gives the published score.
type SweepOptimum = Option<(f64, f64)>;

#[test]
fn optimising_never_loses_to_the_published_thresholds() {
    let Some(fx) = fixture() else { return };
    // SCORING.md §10: the exhaustive sweep's optimum.
    let expected: [(&str, [SweepOptimum; 3]); 2] = [
        ("numenta", [None, Some((0.543_099_145_074, 63.2092)), None]),
        (
            "random",
            [
                Some((0.998_405_097_835, 17.6554)),
                Some((0.999_595_043_934, 7.4800)),
                Some((0.998_405_097_835, 27.5749)),
            ],
        ),
    ];
    for (detector, sweep_results) in expected {
        let start = Instant::now();
        let optimised =
            nab::score(&fx.corpus, fx.detector(detector), &ThresholdMode::Optimize).unwrap();
        eprintln!("Scored and optimised {detector} in {:?}.", start.elapsed());
        let published = fx.published(detector);
        for (profile, spec) in Profile::ALL.into_iter().zip(sweep_results) {
            let (got, base) = (optimised.normalized(profile), published.normalized(profile));
            let theta = optimised.profile(profile).threshold;
            eprintln!(
                "{detector} {profile}: optimised {got:.6} at θ={theta} (published {base:.6})"
            );
            assert!(got >= base - 1e-9, "{detector} {profile}: {got} < {base}");
            match spec {
                Some((want_theta, want)) => {
                    assert_close(theta, want_theta, 1e-11, "θ");
                    assert_close(got, want, 1e-4, "optimised score");
                }
                None => assert_close(got, base, 1e-9, "unchanged score"),
            }
        }
    }
    let null = nab::score(&fx.corpus, fx.detector("null"), &ThresholdMode::Optimize).unwrap();
    for profile in Profile::ALL {
        assert_eq!(null.normalized(profile), 0.0);
        assert_eq!(null.profile(profile).threshold, NO_DETECTION_THRESHOLD);
    }
}

#[test]
fn written_results_score_the_same() {
    let Some(fx) = fixture() else { return };
    let numenta = fx.detector("numenta");
    let tmp = std::env::temp_dir().join(format!("forewarn-nab-it-{}", std::process::id()));
    let out = tmp.join("numenta");
    nab::write_results(&fx.corpus, "numenta", numenta.scores(), &out).unwrap();
    let reloaded = DetectorResults::load(&fx.corpus, &out).unwrap();
    assert_eq!(reloaded.scores(), numenta.scores());
    assert_eq!(
        label_column(&out.join("realKnownCause/numenta_nyc_taxi.csv")),
        label_column(
            &fx.dir
                .join("results/numenta/realKnownCause/numenta_nyc_taxi.csv")
        )
    );
    std::fs::remove_dir_all(&tmp).unwrap();
    let again = nab::score(&fx.corpus, &reloaded, &ThresholdMode::Optimize).unwrap();
    let first = nab::score(&fx.corpus, numenta, &ThresholdMode::Optimize).unwrap();
    assert_eq!(again, first);
}

fn label_column(path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "label")
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[col].to_owned())
        .collect()
}
