//! Output options of [`crate::simulate`]: which metric files, Parquet
//! compression, generator threads, row-group size.

use serde::{Deserialize, Serialize};

/// Which metric files [`crate::simulate`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// `metrics.parquet` only (the choice at large scale: CSV is ~60 bytes a row).
    Parquet,
    /// `metrics.csv` only.
    Csv,
    /// Both files (the default; `csv` without the `parquet` feature).
    Both,
}

impl OutputFormat {
    /// Whether `metrics.parquet` is written.
    pub fn parquet(self) -> bool {
        matches!(self, Self::Parquet | Self::Both)
    }

    /// Whether `metrics.csv` is written.
    pub fn csv(self) -> bool {
        matches!(self, Self::Csv | Self::Both)
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "parquet" => Ok(Self::Parquet),
            "csv" => Ok(Self::Csv),
            "both" => Ok(Self::Both),
            _ => Err(format!(
                "unknown format {s:?}; expected parquet, csv or both"
            )),
        }
    }
}

/// Parquet page compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// No compression (about twice the size of LZ4).
    Uncompressed,
    /// Snappy: as fast as LZ4, readable by the oldest tools.
    Snappy,
    /// LZ4 (`LZ4_RAW`): fast; the default, chosen so that a 1,000-service
    /// week fits in a minute on two cores.
    #[default]
    Lz4,
    /// Zstandard (default level): files about a third smaller than LZ4, for
    /// about 50 % more CPU in total.
    Zstd,
}

impl std::str::FromStr for Compression {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "uncompressed" | "none" => Ok(Self::Uncompressed),
            "snappy" => Ok(Self::Snappy),
            "lz4" => Ok(Self::Lz4),
            "zstd" => Ok(Self::Zstd),
            _ => Err(format!(
                "unknown compression {s:?}; expected lz4, zstd, snappy or uncompressed"
            )),
        }
    }
}

/// Output options of [`crate::simulate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Metric file format(s). Logs (`logs.jsonl`) and `labels.json` are always written.
    pub format: OutputFormat,
    /// Generator threads; 0 means one per available core. Output bytes do
    /// not depend on it.
    pub threads: usize,
    /// Compression of the Parquet pages.
    pub compression: Compression,
    /// Target rows per Parquet row group (rounded to whole time steps).
    pub rows_per_group: usize,
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self {
            format: if cfg!(feature = "parquet") {
                OutputFormat::Both
            } else {
                OutputFormat::Csv
            },
            threads: 0,
            compression: Compression::Lz4,
            rows_per_group: 1 << 20,
        }
    }
}
