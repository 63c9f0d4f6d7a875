//! Scenario tests of the scorer on small in-memory corpora: probation,
//! window edges, first-detection-only, FPs before and after windows, the
//! `≥ θ` rule, normalisation, and a property test that the sweep finds the
//! best of all candidate thresholds.

use proptest::prelude::*;

use super::layout::FileLayout;
use super::score::score_file;
use super::sweep::Sweep;
use super::*;

const STD_FP: f64 = 0.11;

/// `n` five-minute rows with windows on the given inclusive row ranges.
fn file(name: &str, n: usize, windows: &[(usize, usize)]) -> DataFile {
    let base = parse_timestamp("2014-04-01 00:00:00").unwrap();
    let stamps: Vec<String> = (0..n)
        .map(|i| {
            (base + chrono::Duration::minutes(5 * i as i64))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .collect();
    let bounds: Vec<(String, String)> = windows
        .iter()
        .map(|&(s, e)| (format!("{}.000000", stamps[s]), stamps[e].clone()))
        .collect();
    DataFile::new(name, stamps, vec![0.0; n], &bounds).unwrap()
}

/// Standard-profile score of `f` when exactly the rows `alerts` fire.
fn score_alerts(f: &DataFile, alerts: &[usize]) -> FileReport {
    let mut scores = vec![0.0; f.len()];
    for &i in alerts {
        scores[i] = 1.0;
    }
    let cost = *Profiles::default().get(Profile::Standard);
    score_file(f.name(), &FileLayout::new(f), &scores, 0.5, &cost)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn probation_rows_are_never_scored() {
    // 100 rows: probation is 15 rows, no windows.
    let f = file("c/a.csv", 100, &[]);
    let r = score_alerts(&f, &[0, 14]);
    assert_eq!(r.score, 0.0);
    assert_eq!(r.counts.total(), 85);
    assert_eq!(r.counts.false_positives, 0);
    let r = score_alerts(&f, &[15]);
    assert!(close(r.score, -STD_FP));
    assert_eq!(r.counts.false_positives, 1);
}

#[test]
fn window_start_is_worth_a_tp_and_the_end_is_small_but_positive() {
    let f = file("c/a.csv", 100, &[(50, 59)]);
    assert!(close(score_alerts(&f, &[50]).score, 1.0));
    let end = score_alerts(&f, &[59]).score;
    assert!(close(end, (2.5_f64 / 10.0).tanh() / 2.5_f64.tanh()));
    assert!(end > 0.0);
    // Missed window.
    let r = score_alerts(&f, &[]);
    assert!(close(r.score, -1.0));
    assert_eq!((r.windows, r.detected_windows), (1, 0));
    assert_eq!(r.counts.false_negatives, 10);
}

#[test]
fn only_the_earliest_detection_in_a_window_counts() {
    let f = file("c/a.csv", 100, &[(50, 59)]);
    let first = score_alerts(&f, &[52]).score;
    let r = score_alerts(&f, &[55, 52, 57]);
    assert!(close(r.score, first));
    assert_eq!(r.counts.true_positives, 3);
    assert!(close(first, scaled_sigmoid(-0.8) / max_tp()));
}

#[test]
fn fp_before_the_first_window_costs_the_full_penalty() {
    let f = file("c/a.csv", 100, &[(50, 59)]);
    let r = score_alerts(&f, &[49]);
    assert!(close(r.score, -STD_FP - 1.0));
}

#[test]
fn fp_after_a_window_is_measured_from_its_right_edge() {
    // W = 10, so the FP distance is scaled by W - 1 = 9.
    let f = file("c/a.csv", 100, &[(50, 59)]);
    let fp = |i: usize| score_alerts(&f, &[50, i]).score - 1.0;
    assert!(close(fp(60), -STD_FP * (2.5_f64 / 9.0).tanh()));
    assert!(close(fp(68), -STD_FP * 2.5_f64.tanh()));
    assert!(close(fp(86), STD_FP * scaled_sigmoid(3.0)));
    assert!(fp(86) > -STD_FP);
    assert!(close(fp(87), -STD_FP));
    assert!(fp(60) > fp(61) && fp(61) > fp(68));
}

#[test]
fn fp_between_windows_ignores_the_upcoming_one() {
    let f = file("c/a.csv", 200, &[(50, 89), (100, 119)]);
    // Row 99 is just before the second window but 10 rows after the first
    // (W' - 1 = 39).
    let r = score_alerts(&f, &[50, 100, 99]);
    assert!(close(
        r.score,
        2.0 - STD_FP * (2.5 * 10.0_f64 / 39.0).tanh()
    ));
    // Row 120 follows the second window (W = 20).
    let r = score_alerts(&f, &[50, 100, 120]);
    assert!(close(r.score, 2.0 - STD_FP * (2.5_f64 / 19.0).tanh()));
}

#[test]
fn window_cut_by_the_probation_keeps_its_full_width() {
    // P = 15; window rows 10..=19 with W = 10: rows 10..14 cannot detect.
    let f = file("c/a.csv", 100, &[(10, 19)]);
    assert!(close(score_alerts(&f, &[12]).score, -1.0));
    let r = score_alerts(&f, &[15]);
    assert!(close(r.score, scaled_sigmoid(-0.5) / max_tp()));
    assert_eq!(r.counts.total(), 85);
}

#[test]
fn window_inside_the_probation_is_not_counted_but_still_ends() {
    let f = file("c/a.csv", 100, &[(2, 6)]);
    let r = score_alerts(&f, &[]);
    assert_eq!((r.score, r.windows), (0.0, 0));
    // FP at row 15 is 9 rows after the window's end, W' - 1 = 4.
    let r = score_alerts(&f, &[15]);
    assert!(close(r.score, STD_FP * scaled_sigmoid(9.0 / 4.0)));
}

#[test]
fn a_score_equal_to_the_threshold_is_a_detection() {
    let f = file("c/a.csv", 100, &[(50, 59)]);
    let mut scores = vec![0.0; 100];
    scores[50] = 0.7;
    let cost = *Profiles::default().get(Profile::Standard);
    let layout = FileLayout::new(&f);
    assert!(close(
        score_file("x", &layout, &scores, 0.7, &cost).score,
        1.0
    ));
    assert!(close(
        score_file("x", &layout, &scores, 0.7 + 1e-12, &cost).score,
        -1.0
    ));
}

#[test]
fn perfect_and_null_detectors_normalise_to_100_and_0() {
    let files = vec![
        file("c/a.csv", 300, &[(100, 119), (200, 229)]),
        file("c/b.csv", 200, &[]),
        file("d/c.csv", 150, &[(60, 90)]),
    ];
    let corpus = Corpus::new(files, Profiles::default()).unwrap();
    let perfect: Vec<Vec<f64>> = corpus
        .files()
        .iter()
        .map(|f| {
            let mut s = vec![0.0; f.len()];
            f.windows().iter().for_each(|w| s[w.start] = 1.0);
            s
        })
        .collect();
    let null: Vec<Vec<f64>> = corpus.files().iter().map(|f| vec![0.5; f.len()]).collect();
    let mut published = PublishedThresholds::default();
    for p in Profile::ALL {
        let entry = |threshold| PublishedThreshold {
            threshold,
            score: 0.0,
        };
        published.insert("perfect", p, entry(0.5));
        published.insert("null", p, entry(0.625));
    }
    let modes = [ThresholdMode::Published(published), ThresholdMode::Optimize];
    for mode in &modes {
        let r = DetectorResults::from_scores(&corpus, "perfect", perfect.clone()).unwrap();
        let report = score(&corpus, &r, mode).unwrap();
        for p in Profile::ALL {
            assert!(close(report.normalized(p), 100.0), "{p}: {report:?}");
        }
        let r = DetectorResults::from_scores(&corpus, "null", null.clone()).unwrap();
        let report = score(&corpus, &r, mode).unwrap();
        for p in Profile::ALL {
            assert!(close(report.normalized(p), 0.0), "{p}");
            assert_eq!(report.profile(p).counts.false_positives, 0);
        }
    }
    let r = DetectorResults::from_scores(&corpus, "null", null).unwrap();
    let report = score(&corpus, &r, &ThresholdMode::Optimize).unwrap();
    assert_eq!(
        report.profile(Profile::Standard).threshold,
        NO_DETECTION_THRESHOLD
    );
    assert_eq!(report.profile(Profile::RewardLowFnRate).null_score, -6.0);
}

#[test]
fn mismatched_results_are_rejected() {
    let corpus = Corpus::new(vec![file("c/a.csv", 100, &[(50, 59)])], Profiles::default()).unwrap();
    assert!(DetectorResults::from_scores(&corpus, "d", vec![vec![0.0; 99]]).is_err());
    assert!(DetectorResults::from_scores(&corpus, "d", vec![]).is_err());
    let mut nan = vec![0.0; 100];
    nan[3] = f64::NAN;
    assert!(DetectorResults::from_scores(&corpus, "d", vec![nan]).is_err());
    let other = Corpus::new(vec![file("c/b.csv", 100, &[(50, 59)])], Profiles::default()).unwrap();
    let r = DetectorResults::from_scores(&other, "d", vec![vec![0.0; 100]]).unwrap();
    assert!(score(&corpus, &r, &ThresholdMode::Optimize).is_err());
    let published = ThresholdMode::Published(PublishedThresholds::default());
    let r = DetectorResults::from_scores(&corpus, "d", vec![vec![0.0; 100]]).unwrap();
    assert!(matches!(
        score(&corpus, &r, &published),
        Err(crate::Error::Threshold { .. })
    ));
}

#[test]
fn write_then_load_round_trips() {
    let files = vec![file("c/a.csv", 120, &[(50, 59)]), file("d/b.csv", 80, &[])];
    let corpus = Corpus::new(files, Profiles::default()).unwrap();
    let scores: Vec<Vec<f64>> = corpus
        .files()
        .iter()
        .map(|f| {
            (0..f.len())
                .map(|i| (i as f64 * 0.618_033_988_7).fract())
                .collect()
        })
        .collect();
    let dir = std::env::temp_dir().join(format!("forewarn-nab-{}", std::process::id()));
    let out = dir.join("mydet");
    write_results(&corpus, "mydet", &scores, &out).unwrap();
    let loaded = DetectorResults::load(&corpus, &out).unwrap();
    assert_eq!(loaded.detector(), "mydet");
    assert_eq!(loaded.scores(), &scores[..]);
    let text = std::fs::read_to_string(out.join("c/mydet_a.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("timestamp,value,anomaly_score,label"));
    let labels: Vec<&str> = lines.map(|l| l.rsplit(',').next().unwrap()).collect();
    assert_eq!(labels.iter().filter(|l| **l == "1").count(), 10);
    assert_eq!(
        (labels[49], labels[50], labels[59], labels[60]),
        ("0", "1", "1", "0")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A corpus of up to four files with random lengths and non-overlapping
/// windows, plus scores drawn from a small set so that ties are common.
fn corpus_and_scores() -> impl Strategy<Value = (Corpus, Vec<Vec<f64>>)> {
    let one_file = (20usize..160).prop_flat_map(|n| {
        let windows = proptest::collection::vec((0..n, 1usize..25), 0..4);
        let scores = proptest::collection::vec(0u8..12, n);
        (Just(n), windows, scores)
    });
    proptest::collection::vec(one_file, 1..5).prop_map(|specs| {
        let mut files = Vec::new();
        let mut all_scores = Vec::new();
        for (j, (n, raw_windows, raw_scores)) in specs.into_iter().enumerate() {
            let mut starts: Vec<(usize, usize)> = raw_windows;
            starts.sort();
            let mut windows: Vec<(usize, usize)> = Vec::new();
            for (s, w) in starts {
                let s = windows.last().map_or(s, |&(_, e)| s.max(e + 2));
                if s < n {
                    windows.push((s, (s + w - 1).min(n - 1)));
                }
            }
            files.push(file(&format!("c/f{j}.csv"), n, &windows));
            all_scores.push(
                raw_scores
                    .into_iter()
                    .map(|s| f64::from(s) / 11.0)
                    .collect(),
            );
        }
        (Corpus::new(files, Profiles::default()).unwrap(), all_scores)
    })
}

proptest! {
    #[test]
    fn sweep_finds_the_best_candidate_threshold((corpus, scores) in corpus_and_scores()) {
        let layouts: Vec<FileLayout> = corpus.files().iter().map(FileLayout::new).collect();
        let sweep = Sweep::new(&layouts, &scores);
        let mut candidates = vec![NO_DETECTION_THRESHOLD];
        for (l, s) in layouts.iter().zip(&scores) {
            candidates.extend_from_slice(&s[l.probation..]);
        }
        for p in Profile::ALL {
            let cost = *corpus.profiles().get(p);
            let at = |theta: f64| -> f64 {
                layouts.iter().zip(&scores).map(|(l, s)| score_file("", l, s, theta, &cost).score).sum()
            };
            let best = candidates.iter().map(|&t| at(t)).fold(f64::NEG_INFINITY, f64::max);
            let optimum = sweep.optimise(&cost);
            prop_assert!((optimum.score - best).abs() < 1e-9, "{p}: sweep {optimum:?} vs {best}");
            prop_assert!((at(optimum.threshold) - optimum.score).abs() < 1e-9);
        }
    }
}
