//! Offline training for Forewarn: read metric history with polars, fold it
//! through the feature engine (the same code the streaming scorer runs),
//! fit the trend forecasters and the per-service cluster models, and return
//! a versioned model artifact bound to the pipeline's feature spec.
//!
//! Layout:
//! - [`history`]: CSV and Parquet files (the simulator's long layout, NAB's
//!   `timestamp,value`) into [`History`], series sorted by event time.
//! - `fold`: one pass of each series through `forewarn_features::batch::fold`,
//!   keeping anomaly snapshots and trend traces.
//! - [`fit`]: the trend grid search and `z` calibration ([`fit::trend`]),
//!   the cluster models ([`fit::anomaly`]), and every training choice not
//!   in the pipeline file ([`FitConfig`]).
//! - [`Trainer`], [`train`]: the whole run, returning an unsaved
//!   [`forewarn_models::artifact::Artifact`] and a [`TrainSummary`].
//! - [`synthetic`]: an in-memory synthetic fleet for tests and benchmarks.
//! - [`error`]: the crate's [`Error`] type.
//!
//! Training is deterministic: the same history, pipeline, [`FitConfig`] and
//! seed give the same `model.json`, whatever the thread count.
//!
//! ```
//! use forewarn_train::{FitConfig, Trainer, synthetic::Fleet};
//! let yaml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../pipelines/default.yaml")).unwrap();
//! let pipeline = forewarn_config::load_str(&yaml).unwrap();
//! let history = Fleet { services: 2, duration_ms: 6 * 3_600_000, ..Fleet::default() }.generate();
//! let trained = Trainer::new(&pipeline).seed(7).train_history(&history, "doc").unwrap();
//! let model = &trained.artifact.model;
//! assert!(model.trend.contains_key("memory_rss_bytes"));
//! assert!(model.services.contains_key("svc-00") && model.fallback.is_some());
//! assert_eq!(trained.artifact.metadata.feature_spec_hash, pipeline.features.hash());
//! ```

pub mod error;
pub mod fit;
mod fold;
pub mod history;
mod parallel;
mod progress;
mod stats;
mod summary;
pub mod synthetic;
mod trainer;

pub use error::{Error, Result};
pub use fit::{AnomalyFit, FitConfig, TrendFit};
pub use history::{History, Series};
pub use summary::{ClusterSummary, TrainSummary, TrendSummary};
pub use trainer::{Trained, Trainer, train};
