//! Stand-in for the Parquet writer when the crate is built without its
//! `parquet` feature (no polars): asking for Parquet output is a
//! configuration error; everything else works.

use std::path::Path;

use crate::config::Compression;
use crate::topology::Topology;
use crate::{Error, Result};

/// Never built.
#[derive(Debug)]
pub(crate) struct EncodedGroup;

/// Never built.
#[derive(Debug)]
pub(crate) struct ParquetEncoder;

/// Never built.
#[derive(Debug)]
pub(crate) struct ParquetFile;

fn unavailable() -> Error {
    Error::Config(vec![
        "output.format: Parquet output needs the `parquet` feature of forewarn-sim; use `csv`"
            .to_string(),
    ])
}

impl ParquetEncoder {
    pub(crate) fn new(
        _path: &Path,
        _topo: &Topology,
        _block_steps: usize,
        _start_ms: i64,
        _dt_ms: i64,
        _comp: Compression,
    ) -> Result<Self> {
        Err(unavailable())
    }

    pub(crate) fn encode(&self, _k0: u64, _values: Vec<f64>) -> Result<EncodedGroup> {
        Err(unavailable())
    }
}

impl ParquetFile {
    pub(crate) fn create(_path: &Path, _encoder: &ParquetEncoder) -> Result<Self> {
        Err(unavailable())
    }

    pub(crate) fn write(&mut self, _group: &EncodedGroup) -> Result<()> {
        Err(unavailable())
    }

    pub(crate) fn finish(self) -> Result<u64> {
        Err(unavailable())
    }
}
