//! The profile-independent preparation of a file for scoring: for each row
//! after the probation, which window it belongs to (if any) and its "unit"
//! value from SCORING.md §4. A profile then only multiplies: in-window rows
//! by `A_TP`, rows outside every window by `A_FP`. Thresholds can be swept
//! over this layout without touching the data again.

use super::data_file::DataFile;
use super::sigmoid::{max_tp, scaled_sigmoid};

/// Marks a row outside every window in [`FileLayout::slot`].
pub(crate) const OUTSIDE: u32 = u32::MAX;

/// Per-row scoring positions of one file.
#[derive(Debug, Clone)]
pub(crate) struct FileLayout {
    /// Number of probationary rows; `slot` and `unit` start at this row.
    pub(crate) probation: usize,
    /// For each scored row: the index of its window in the file, or
    /// [`OUTSIDE`].
    pub(crate) slot: Vec<u32>,
    /// For each scored row: `σs(y)/maxTP` inside a window (to be multiplied
    /// by `A_TP`), `σs(y)` or `−1` outside (to be multiplied by `A_FP`).
    pub(crate) unit: Vec<f64>,
    /// Whether each window has at least one scored row, and so counts as a
    /// TP or an FN.
    pub(crate) counted: Vec<bool>,
}

impl FileLayout {
    /// Computes the layout of `file`.
    pub(crate) fn new(file: &DataFile) -> Self {
        let probation = file.probation_len();
        let windows = file.windows();
        let n = file.len();
        let max_tp = max_tp();
        let mut slot = Vec::with_capacity(n.saturating_sub(probation));
        let mut unit = Vec::with_capacity(n.saturating_sub(probation));
        let mut counted = vec![false; windows.len()];
        // `next` is the first window that has not ended before row `i`.
        let mut next = 0;
        for i in 0..n {
            while next < windows.len() && windows[next].end < i {
                next += 1;
            }
            let (s, u) = match windows.get(next) {
                Some(w) if w.start <= i => {
                    let y = -((w.end - i + 1) as f64) / w.width() as f64;
                    counted[next] |= i >= probation;
                    (next as u32, scaled_sigmoid(y) / max_tp)
                }
                _ if next > 0 => {
                    // After the most recently ended window; a one-row window
                    // divides by zero and so gives the full penalty.
                    let prev = &windows[next - 1];
                    let y = (i - prev.end) as f64 / (prev.width() - 1) as f64;
                    (OUTSIDE, scaled_sigmoid(y))
                }
                _ => (OUTSIDE, -1.0),
            };
            if i >= probation {
                slot.push(s);
                unit.push(u);
            }
        }
        Self {
            probation,
            slot,
            unit,
            counted,
        }
    }

    /// Number of windows that count for scoring.
    pub(crate) fn counted_windows(&self) -> usize {
        self.counted.iter().filter(|c| **c).count()
    }

    /// The weighted value `v_i` of scored row `k` (row `probation + k`).
    pub(crate) fn value(&self, k: usize, tp_weight: f64, fp_weight: f64) -> f64 {
        if self.slot[k] == OUTSIDE {
            fp_weight * self.unit[k]
        } else {
            tp_weight * self.unit[k]
        }
    }
}
