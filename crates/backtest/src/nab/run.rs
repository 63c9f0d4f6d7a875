//! Runs Forewarn's online univariate detector over every NAB file, through
//! the production scoring path (`forewarn_models::univariate::SeriesDetector`:
//! feature windows, then the detector), one score per row in file order.
//! Timestamps are read as UTC epoch milliseconds. Files are scored in
//! parallel on up to [`MAX_THREADS`] threads; the result does not depend
//! on the thread count.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use forewarn_models::univariate::{DetectorConfig, SeriesDetector};

use super::corpus::Corpus;
use super::data_file::DataFile;
use crate::error::{Error, Result};

/// Most threads [`run_detector`] uses.
pub const MAX_THREADS: usize = 4;

/// The detector's scores for every row of `file`.
pub fn run_file(file: &DataFile, cfg: &DetectorConfig) -> Result<Vec<f64>> {
    let model_err = |e: forewarn_models::Error| Error::Detector {
        file: file.name().to_owned(),
        message: e.to_string(),
    };
    let spec = cfg
        .feature_spec()
        .compile()
        .map_err(|problems| Error::Detector {
            file: file.name().to_owned(),
            message: format!("invalid feature spec: {problems:?}"),
        })?;
    let mut scorer = SeriesDetector::new(cfg.clone(), &spec).map_err(model_err)?;
    Ok(file
        .epoch_seconds()
        .zip(file.values())
        .map(|(t, &v)| scorer.push(&spec, t * 1000, v))
        .collect())
}

/// The detector's scores for every file of `corpus`, in corpus order, ready
/// for [`super::DetectorResults::from_scores`]. The same `cfg` serves every
/// file.
pub fn run_detector(corpus: &Corpus, cfg: &DetectorConfig) -> Result<Vec<Vec<f64>>> {
    let files = corpus.files();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, MAX_THREADS);
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<Result<Vec<f64>>>>> =
        Mutex::new((0..files.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(j) else { break };
                    let scores = run_file(file, cfg);
                    slots.lock().unwrap_or_else(|p| p.into_inner())[j] = Some(scores);
                }
            });
        }
    });
    slots
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|s| s.unwrap_or_else(|| Ok(Vec::new())))
        .collect()
}
