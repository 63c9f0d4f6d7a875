//! The corpus-wide threshold sweep (SCORING.md §6): pool every scored row
//! of every file, sort by anomaly score (highest first), switch rows on one
//! distinct score at a time and keep the threshold with the best corpus
//! score. The sort is done once; each profile is then one linear pass.

use super::layout::{FileLayout, OUTSIDE};
use super::profile::CostMatrix;

/// The threshold of "no detections", NAB's starting candidate.
pub const NO_DETECTION_THRESHOLD: f64 = 1.1;

/// One scored row, pooled over the corpus.
#[derive(Debug, Clone, Copy)]
struct Entry {
    score: f64,
    unit: f64,
    /// Corpus-wide window index, or [`OUTSIDE`].
    window: u32,
}

/// The sorted pool of scored rows of one detector.
#[derive(Debug)]
pub(crate) struct Sweep {
    entries: Vec<Entry>,
    window_count: usize,
    counted_windows: usize,
}

/// The best threshold of one profile and its raw corpus score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Optimum {
    pub(crate) threshold: f64,
    pub(crate) score: f64,
}

impl Sweep {
    /// Pools the scored rows of every file. `scores[j]` belongs to
    /// `layouts[j]` and covers all rows, probation included.
    pub(crate) fn new(layouts: &[FileLayout], scores: &[Vec<f64>]) -> Self {
        let total: usize = layouts.iter().map(|l| l.slot.len()).sum();
        let mut entries = Vec::with_capacity(total);
        let mut offset = 0u32;
        let mut counted_windows = 0;
        for (layout, file_scores) in layouts.iter().zip(scores) {
            let scored = &file_scores[layout.probation..];
            for ((&score, &slot), &unit) in scored.iter().zip(&layout.slot).zip(&layout.unit) {
                let window = if slot == OUTSIDE {
                    OUTSIDE
                } else {
                    offset + slot
                };
                entries.push(Entry {
                    score,
                    unit,
                    window,
                });
            }
            offset += layout.counted.len() as u32;
            counted_windows += layout.counted_windows();
        }
        // Stable, highest score first.
        entries.sort_by(|a, b| b.score.total_cmp(&a.score));
        Self {
            entries,
            window_count: offset as usize,
            counted_windows,
        }
    }

    /// Sweeps the thresholds for one profile and returns the best one. The
    /// candidates are [`NO_DETECTION_THRESHOLD`] and every distinct score;
    /// on ties the highest threshold wins.
    pub(crate) fn optimise(&self, cost: &CostMatrix) -> Optimum {
        let missed = -cost.fn_weight;
        // Value of the best detection so far in each window (None: missed).
        let mut best: Vec<Option<f64>> = vec![None; self.window_count];
        let mut total = missed * self.counted_windows as f64;
        let mut optimum = Optimum {
            threshold: NO_DETECTION_THRESHOLD,
            score: total,
        };
        let mut i = 0;
        while i < self.entries.len() {
            let threshold = self.entries[i].score;
            while i < self.entries.len() && self.entries[i].score == threshold {
                let e = self.entries[i];
                if e.window == OUTSIDE {
                    total += cost.fp_weight * e.unit;
                } else {
                    let value = cost.tp_weight * e.unit;
                    let slot = &mut best[e.window as usize];
                    match *slot {
                        None => {
                            total += value - missed;
                            *slot = Some(value);
                        }
                        Some(old) if value > old => {
                            total += value - old;
                            *slot = Some(value);
                        }
                        Some(_) => {}
                    }
                }
                i += 1;
            }
            if total > optimum.score {
                optimum = Optimum {
                    threshold,
                    score: total,
                };
            }
        }
        optimum
    }
}
