//! Segment backtests on labelled multivariate data in the layout of the
//! Server Machine Dataset (SMD, `../shared/datasets/smd-dev`): per machine a
//! `train` half, the `test` half right after it, one 0/1 label per test row.
//! A detector is trained on the train half only and scores the test half
//! online; its alerts are scored per labelled segment (incident level,
//! no point-adjust) beside two references scored the same way.
//!
//! Data flows one way:
//! [`data`] (machines) → [`forewarn`] (train, replay through the production
//! scorer) and [`references`] (z-score, random) → alert rows →
//! [`score`] (segments, precision, recall, F1) → [`report`].

pub mod data;
pub mod forewarn;
pub mod references;
pub mod report;
pub mod score;

pub use data::{Layout, Machine, SMD_COLUMNS};
pub use forewarn::{ForewarnOptions, run_forewarn, warm_rows_for};
pub use report::{DetectorScores, MachineReport, Report};
pub use score::{Score, Segment, segments};
