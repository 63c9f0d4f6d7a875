//! Metric history: files read with polars and grouped into series sorted
//! by event time.
//!
//! - [`read()`](read::read): CSV or Parquet files, the simulator's long layout or NAB's.
//! - [`History`], [`Series`]: the grouped result.

mod columns;
pub mod read;
mod series;
mod time;

pub use read::{LONG_COLUMNS, NAB_COLUMNS, expand, read, read_with};
pub use series::{History, Series};
pub(crate) use time::rfc3339;
