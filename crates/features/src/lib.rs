//! Rolling feature windows per series. This crate is the single definition of
//! every feature Forewarn computes: the streaming scorer, model training and
//! backtests all fold samples through [`SeriesWindows`], so no feature is
//! implemented twice.
//!
//! Layout:
//! - [`feature`]: [`Feature`], the statistics a window computes.
//! - [`spec`]: [`FeatureSpec`], the serialisable description of windows and
//!   features, its validation, and [`CompiledSpec`], the form the engine runs.
//! - [`sketch`]: the log-bucket quantile sketch (relative-error guarantee).
//! - [`window`]: one window of one series, a ring of panes.
//! - [`series`]: [`SeriesWindows`], all windows of one series plus the
//!   input rules (lateness, duplicates, NaN, counter resets).
//! - [`engine`]: [`FeatureEngine`], many series keyed by [`SeriesKey`], with
//!   bounded series count and idle eviction.
//! - [`key`]: [`StoredKey`], a series key packed into one allocation, as
//!   the engine keeps it.
//! - [`batch`]: fold a whole series at once (training, backtests).
//!
//! # Window semantics
//! A window of length `L` split into `k` panes of width `P = L / k` covers
//! the `k` most recent panes, aligned to multiples of `P` in event time, up to
//! and including the pane that holds the series' newest sample (its
//! *watermark*). So a 1h window with 6 panes covers between 50 and 60 minutes
//! of data. Memory per series is bounded by the pane count, not the sampling
//! rate, apart from the sketch buckets (one per distinct value bucket per pane).
//!
//! ```
//! use forewarn_features::{FeatureSpec, SeriesWindows};
//! let spec = FeatureSpec::default_set().compile().unwrap();
//! let mut s = SeriesWindows::new(&spec, false);
//! for i in 0..100 {
//!     s.push(&spec, i * 10_000, i as f64).unwrap();
//! }
//! let f = s.features(&spec);
//! let slope = f[spec.index_of("5m", forewarn_features::Feature::Slope).unwrap()];
//! assert!((slope - 0.1).abs() < 1e-9); // 1 per 10 s
//! ```

pub mod batch;
pub mod engine;
pub mod feature;
pub mod key;
pub mod series;
pub mod sketch;
pub mod spec;
pub mod window;

pub use engine::{EngineStats, FeatureEngine, SeriesRef};
pub use forewarn_core::SeriesKey;
pub use key::StoredKey;
pub use series::{PushOutcome, Rejected, SeriesWindows};
pub use spec::{CompiledSpec, Feature, FeatureSpec, SpecProblem, WindowSpec};
