//! Scoring a detector over the corpus: one threshold per profile (published
//! or swept), each file scored at that threshold (SCORING.md §5), the file
//! scores summed (§9) and normalised against the null and perfect detectors
//! (§8).

use super::corpus::Corpus;
use super::layout::{FileLayout, OUTSIDE};
use super::profile::{CostMatrix, Profile};
use super::report::{Counts, FileReport, NabReport, ProfileReport, ThresholdSource, normalize};
use super::results::DetectorResults;
use super::sweep::Sweep;
use super::thresholds::ThresholdMode;
use crate::error::{Error, Result};

/// Scores `results` on `corpus` under every profile.
///
/// With [`ThresholdMode::Published`] each profile uses the threshold stored
/// for [`DetectorResults::detector`]; with [`ThresholdMode::Optimize`] it
/// uses the best threshold of the corpus-wide sweep. A row is a detection
/// when its score is at least the threshold.
///
/// Fails when the results do not belong to this corpus, when a published
/// threshold is missing, or when the corpus has no windows (the
/// normalisation is then undefined).
pub fn score(
    corpus: &Corpus,
    results: &DetectorResults,
    mode: &ThresholdMode,
) -> Result<NabReport> {
    if !results.matches(corpus) {
        return Err(Error::Score(format!(
            "the results of {} were not built for this corpus",
            results.detector()
        )));
    }
    let window_count = corpus.window_count();
    if window_count == 0 {
        return Err(Error::Score("the corpus has no label windows".to_owned()));
    }
    let layouts: Vec<FileLayout> = corpus.files().iter().map(FileLayout::new).collect();
    let counted_windows: usize = layouts.iter().map(FileLayout::counted_windows).sum();
    let sweep = match mode {
        ThresholdMode::Optimize => Some(Sweep::new(&layouts, results.scores())),
        ThresholdMode::Published(_) => None,
    };
    let mut profiles = Vec::with_capacity(Profile::ALL.len());
    for profile in Profile::ALL {
        let cost = *corpus.profiles().get(profile);
        let threshold = match (mode, &sweep) {
            (ThresholdMode::Published(published), _) => {
                published.get(results.detector(), profile)?.threshold
            }
            (_, Some(sweep)) => sweep.optimise(&cost).threshold,
            (_, None) => unreachable!("the sweep is built in optimise mode"),
        };
        let files: Vec<FileReport> = corpus
            .files()
            .iter()
            .zip(&layouts)
            .zip(results.scores())
            .map(|((file, layout), scores)| {
                score_file(file.name(), layout, scores, threshold, &cost)
            })
            .collect();
        let raw_score = files.iter().map(|f| f.score).sum();
        let mut counts = Counts::default();
        files.iter().for_each(|f| counts.add(&f.counts));
        let null_score = -cost.fn_weight * counted_windows as f64;
        let perfect_score = cost.tp_weight * window_count as f64;
        profiles.push(ProfileReport {
            profile,
            cost,
            threshold,
            raw_score,
            null_score,
            perfect_score,
            normalized: normalize(raw_score, null_score, perfect_score),
            counts,
            files,
        });
    }
    let source = match mode {
        ThresholdMode::Published(_) => ThresholdSource::Published,
        ThresholdMode::Optimize => ThresholdSource::Optimized,
    };
    Ok(NabReport::new(
        results.detector().to_owned(),
        source,
        profiles,
    ))
}

/// Scores one file at `threshold` (SCORING.md §5). `scores` covers all rows.
pub(crate) fn score_file(
    name: &str,
    layout: &FileLayout,
    scores: &[f64],
    threshold: f64,
    cost: &CostMatrix,
) -> FileReport {
    let mut counts = Counts::default();
    let mut best: Vec<Option<f64>> = vec![None; layout.counted.len()];
    let mut score = 0.0;
    for (k, &s) in scores[layout.probation..].iter().enumerate() {
        let detected = s >= threshold;
        let slot = layout.slot[k];
        match (slot == OUTSIDE, detected) {
            (true, true) => {
                counts.false_positives += 1;
                score += layout.value(k, cost.tp_weight, cost.fp_weight);
            }
            (true, false) => counts.true_negatives += 1,
            (false, true) => {
                counts.true_positives += 1;
                let value = layout.value(k, cost.tp_weight, cost.fp_weight);
                let b = &mut best[slot as usize];
                *b = Some(b.map_or(value, |old: f64| old.max(value)));
            }
            (false, false) => counts.false_negatives += 1,
        }
    }
    let mut detected_windows = 0;
    for (b, counted) in best.iter().zip(&layout.counted) {
        match (b, counted) {
            (Some(value), _) => {
                detected_windows += 1;
                score += value;
            }
            (None, true) => score -= cost.fn_weight,
            (None, false) => {}
        }
    }
    FileReport {
        file: name.to_owned(),
        score,
        counts,
        windows: layout.counted_windows(),
        detected_windows,
    }
}
