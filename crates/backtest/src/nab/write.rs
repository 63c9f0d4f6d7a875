//! Writing a detector's per-file output in NAB's results layout
//! (`<out_dir>/<category>/<detector>_<file>.csv` with columns
//! `timestamp,value,anomaly_score,label`), which is what NAB's `detect` step
//! produces and what its `optimize`/`score` steps read.

use std::path::Path;

use super::corpus::Corpus;
use super::results::{check_scores, results_path};
use crate::error::{Error, Result};

/// Writes `scores_per_file` (one list per corpus file, in
/// [`Corpus::files`] order, one finite score per data row) for `detector`
/// under `out_dir` in NAB's results layout. The timestamp and value columns
/// copy the data file; `label` is 1 inside a window and 0 elsewhere.
/// Directories are created as needed and existing files are replaced.
///
/// Scores are written in Rust's shortest round-trip form, so reading the
/// files back with [`crate::nab::DetectorResults::load`] gives the same
/// numbers bit for bit.
pub fn write_results<S: AsRef<[f64]>>(
    corpus: &Corpus,
    detector: &str,
    scores_per_file: &[S],
    out_dir: &Path,
) -> Result<()> {
    check_scores(corpus, detector, scores_per_file)?;
    for (file, scores) in corpus.files().iter().zip(scores_per_file) {
        let dir = out_dir.join(file.category());
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        let path = results_path(out_dir, detector, file.category(), file.file_name());
        let csv_err = |source| Error::Csv {
            path: path.clone(),
            source,
        };
        let mut writer = csv::Writer::from_path(&path).map_err(csv_err)?;
        writer
            .write_record(["timestamp", "value", "anomaly_score", "label"])
            .map_err(csv_err)?;
        let labels = file.labels();
        let rows = file
            .timestamps()
            .iter()
            .zip(file.values())
            .zip(scores.as_ref())
            .zip(&labels);
        for (((timestamp, value), score), label) in rows {
            writer
                .write_record([
                    timestamp.as_str(),
                    &value.to_string(),
                    &score.to_string(),
                    if *label == 1 { "1" } else { "0" },
                ])
                .map_err(csv_err)?;
        }
        writer.flush().map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}
