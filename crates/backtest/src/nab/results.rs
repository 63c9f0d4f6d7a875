//! A detector's anomaly scores for every corpus file, read from NAB's
//! results layout (`<results_dir>/<category>/<detector>_<file>.csv`) or
//! given in memory. The k-th score is paired with the k-th data row, by
//! position, as NAB does; the results' own timestamps are not used.

use std::path::{Path, PathBuf};

use super::corpus::Corpus;
use crate::error::{Error, Result};

/// The column NAB's scorer reads from a results file.
pub const SCORE_COLUMN: &str = "anomaly_score";

/// One detector's anomaly scores, aligned with [`Corpus::files`].
#[derive(Debug, Clone)]
pub struct DetectorResults {
    detector: String,
    files: Vec<String>,
    scores: Vec<Vec<f64>>,
}

impl DetectorResults {
    /// Reads a results folder in NAB's layout. The detector name is the
    /// folder's last path component, e.g. `numenta` for `results/numenta`.
    pub fn load(corpus: &Corpus, results_dir: &Path) -> Result<Self> {
        let detector = results_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::Decode {
                path: results_dir.to_path_buf(),
                line: None,
                message: "cannot take a detector name from this path".to_owned(),
            })?;
        Self::load_named(corpus, results_dir, &detector)
    }

    /// Reads a results folder in NAB's layout for the detector `detector`:
    /// for each corpus file `<category>/<file>.csv` it reads the
    /// `anomaly_score` column of `<results_dir>/<category>/<detector>_<file>.csv`.
    /// Each results file must have exactly as many rows as its data file.
    pub fn load_named(corpus: &Corpus, results_dir: &Path, detector: &str) -> Result<Self> {
        let scores = corpus
            .files()
            .iter()
            .map(|file| {
                let path = results_path(results_dir, detector, file.category(), file.file_name());
                read_scores(&path)
            })
            .collect::<Result<Vec<_>>>()?;
        Self::from_scores(corpus, detector, scores)
    }

    /// Wraps scores computed in memory. `scores[j]` belongs to
    /// `corpus.files()[j]` and must have one finite value per data row.
    pub fn from_scores(corpus: &Corpus, detector: &str, scores: Vec<Vec<f64>>) -> Result<Self> {
        check_scores(corpus, detector, &scores)?;
        Ok(Self {
            detector: detector.to_owned(),
            files: corpus.files().iter().map(|f| f.name().to_owned()).collect(),
            scores,
        })
    }

    /// The detector's name.
    pub fn detector(&self) -> &str {
        &self.detector
    }

    /// The scores of every file, in corpus order.
    pub fn scores(&self) -> &[Vec<f64>] {
        &self.scores
    }

    /// The scores of the file called `name`, if any.
    pub fn file_scores(&self, name: &str) -> Option<&[f64]> {
        let j = self.files.iter().position(|f| f == name)?;
        Some(&self.scores[j])
    }

    /// Whether these results were built for `corpus` (same files, in the
    /// same order).
    pub(crate) fn matches(&self, corpus: &Corpus) -> bool {
        self.files.len() == corpus.files().len()
            && self
                .files
                .iter()
                .zip(corpus.files())
                .all(|(name, file)| name == file.name())
    }
}

/// `<results_dir>/<category>/<detector>_<file>`.
pub(crate) fn results_path(
    results_dir: &Path,
    detector: &str,
    category: &str,
    file: &str,
) -> PathBuf {
    results_dir
        .join(category)
        .join(format!("{detector}_{file}"))
}

/// Checks that `scores` fits `corpus` row for row and holds no NaN or
/// infinity. Shared with [`crate::nab::write_results`].
pub(crate) fn check_scores<S: AsRef<[f64]>>(
    corpus: &Corpus,
    detector: &str,
    scores: &[S],
) -> Result<()> {
    let align = |file: &str, message: String| Error::Align {
        detector: detector.to_owned(),
        file: file.to_owned(),
        message,
    };
    if scores.len() != corpus.files().len() {
        return Err(align(
            "(corpus)",
            format!(
                "{} score lists for {} files",
                scores.len(),
                corpus.files().len()
            ),
        ));
    }
    for (file, file_scores) in corpus.files().iter().zip(scores) {
        let file_scores = file_scores.as_ref();
        if file_scores.len() != file.len() {
            return Err(align(
                file.name(),
                format!("{} scores for {} data rows", file_scores.len(), file.len()),
            ));
        }
        if let Some(row) = file_scores.iter().position(|s| !s.is_finite()) {
            return Err(align(
                file.name(),
                format!("score {} at row {row} is not finite", file_scores[row]),
            ));
        }
    }
    Ok(())
}

/// Reads the `anomaly_score` column of one results CSV.
fn read_scores(path: &Path) -> Result<Vec<f64>> {
    let csv_err = |source| Error::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = csv::Reader::from_path(path).map_err(csv_err)?;
    let column = reader
        .headers()
        .map_err(csv_err)?
        .iter()
        .position(|h| h.trim() == SCORE_COLUMN)
        .ok_or_else(|| Error::Decode {
            path: path.to_path_buf(),
            line: Some(1),
            message: format!("no {SCORE_COLUMN:?} column"),
        })?;
    let mut scores = Vec::new();
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(csv_err)? {
        let bad = |message: String| Error::Decode {
            path: path.to_path_buf(),
            line: record.position().map(csv::Position::line),
            message,
        };
        let field = record
            .get(column)
            .ok_or_else(|| bad("short row".to_owned()))?;
        let text = std::str::from_utf8(field).map_err(|_| bad("score is not UTF-8".to_owned()))?;
        let score = text
            .trim()
            .parse::<f64>()
            .map_err(|_| bad(format!("bad {SCORE_COLUMN} {text:?}")))?;
        scores.push(score);
    }
    Ok(scores)
}
