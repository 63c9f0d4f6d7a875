//! Writing a simulated fleet to disk: the orchestration ([`simulate`]) and
//! one streaming writer per file format.

mod csv;
mod jsonl;
#[cfg(feature = "parquet")]
mod parquet;
#[cfg(not(feature = "parquet"))]
#[path = "parquet_off.rs"]
mod parquet;
mod pipeline;
mod simulate;

pub use simulate::{
    LABELS_JSON, LOGS_JSONL, METRICS_CSV, METRICS_PARQUET, OutputFile, SimSummary, simulate,
};
