//! The Numenta Anomaly Benchmark (NAB v1.1) scorer, implementing
//! `datasets/nab/SCORING.md`: probationary period, window scoring with the
//! scaled sigmoid, per-profile weights, one corpus-wide threshold per
//! profile (published or swept) and normalisation against the null and
//! perfect detectors.
//!
//! Typical use: [`Corpus::load`] a NAB directory, get a detector's scores
//! with [`DetectorResults::load`] (NAB's results layout) or
//! [`DetectorResults::from_scores`] (in memory), then call [`score`].
//! [`write_results`] writes scores in NAB's results layout.
//! [`run_detector`] runs Forewarn's own univariate detector over the corpus.

mod corpus;
mod data_file;
mod layout;
mod probation;
mod profile;
mod report;
mod results;
mod run;
mod score;
mod sigmoid;
mod sweep;
mod thresholds;
mod timestamp;
mod window;
mod write;

#[cfg(test)]
mod tests;

pub use corpus::{Corpus, DATA_DIR, PROFILES_FILE, WINDOWS_FILE};
pub use data_file::DataFile;
pub use probation::{PROBATION_PERCENT, probation_len};
pub use profile::{CostMatrix, Profile, Profiles};
pub use report::{Counts, FileReport, NabReport, ProfileReport, ThresholdSource};
pub use results::{DetectorResults, SCORE_COLUMN};
pub use run::{MAX_THREADS, run_detector, run_file};
pub use score::score;
pub use sigmoid::{max_tp, scaled_sigmoid};
pub use sweep::NO_DETECTION_THRESHOLD;
pub use thresholds::{PublishedThreshold, PublishedThresholds, ThresholdMode};
pub use timestamp::parse_timestamp;
pub use window::{Window, WindowError};
pub use write::write_results;
