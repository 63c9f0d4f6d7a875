//! Accuracy evaluation on the Loghub-2k benchmark: per-system settings,
//! loading raw logs and ground truth, the grouping-accuracy metric, and
//! [`evaluate`], which runs one miner per system and reports the scores.

mod cv;
mod evaluate;
mod grouping;
mod loghub;
mod settings;

pub use cv::{
    Candidate, CvReport, CvSystem, DRAIN_PUBLISHED, Fold, WordRule, cross_validate, default_grid,
    drain_published, splits,
};
pub use evaluate::{AccuracyReport, SystemResult, evaluate, evaluate_system, score};
pub use grouping::grouping_accuracy;
pub use loghub::{LabelledLog, load_system};
pub use settings::{SystemSettings, load_settings};
