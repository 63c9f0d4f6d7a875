//! `metrics.parquet`: the long format as typed columns, one row group per
//! block, encoded and compressed on several threads and written in order.
//!
//! Readers see `ts` as `Datetime(Milliseconds, UTC)`, `service`,
//! `instance` and `metric` as `String`, `value` as `Float64`. The string
//! columns repeat the same pattern every step, so they are built once as
//! polars `Enum` columns, converted once to Arrow dictionary arrays and
//! shared by every row group: their dictionary pages are written directly
//! instead of hashing ~800 M strings at full scale. The file's Arrow schema
//! (`ARROW:schema` metadata) is that of plain strings, so every reader,
//! with or without polars' categorical support, reads them as strings.
//! `ts` is delta-encoded (runs of equal timestamps cost almost nothing) and
//! `value` plain-encoded (no dictionary attempt).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use polars::prelude::{
    ArrayRef, CompatLevel, DataType, Field, Float64Chunked, FrozenCategories, Int64Chunked,
    IntoSeries, NewChunkedArray, PolarsError, PolarsResult, Schema, SchemaExt, Series,
    StringChunked, TimeUnit, TimeZone,
};
use polars_parquet::write::{
    CompressedPage, CompressionOptions, DynIter, DynStreamingIterator, Encoding, FileWriter,
    ParquetType, StatisticsOptions, Version, WriteOptions, array_to_columns, compress,
    fallible_streaming_iterator, schema_to_metadata_key, to_parquet_schema,
};

use crate::config::Compression;
use crate::topology::Topology;
use crate::{Error, Metric, Result};

/// One encoded and compressed row group: rows, then pages per column.
#[derive(Debug)]
pub(crate) struct EncodedGroup {
    rows: u64,
    columns: Vec<Vec<CompressedPage>>,
}

/// Turns blocks of values into row groups; shared by the encoder threads.
pub(crate) struct ParquetEncoder {
    /// `service`, `instance`, `metric` as dictionary arrays for a full block.
    keys: [ArrayRef; 3],
    types: Vec<ParquetType>,
    encodings: [Encoding; 5],
    options: WriteOptions,
    rows_per_step: usize,
    start_ms: i64,
    dt_ms: i64,
}

impl std::fmt::Debug for ParquetEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetEncoder").finish_non_exhaustive()
    }
}

fn compression(c: Compression) -> CompressionOptions {
    match c {
        Compression::Uncompressed => CompressionOptions::Uncompressed,
        Compression::Snappy => CompressionOptions::Snappy,
        Compression::Lz4 => CompressionOptions::Lz4Raw,
        Compression::Zstd => CompressionOptions::Zstd(None),
    }
}

/// The schema of `metrics.parquet` as readers see it.
pub(crate) fn schema() -> Schema {
    Schema::from_iter([
        Field::new(
            "ts".into(),
            DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)),
        ),
        Field::new("service".into(), DataType::String),
        Field::new("instance".into(), DataType::String),
        Field::new("metric".into(), DataType::String),
        Field::new("value".into(), DataType::Float64),
    ])
}

/// `block_steps` repetitions of `one`, as an `Enum` of its values.
fn repeated(name: &str, one: &[&str], block_steps: usize) -> PolarsResult<Series> {
    let mut distinct: Vec<&str> = one.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let dtype = DataType::from_frozen_categories(FrozenCategories::new(distinct)?);
    StringChunked::from_iter_values(
        name.into(),
        (0..block_steps).flat_map(|_| one.iter().copied()),
    )
    .into_series()
    .cast(&dtype)
}

fn one_chunk(s: &Series) -> ArrayRef {
    s.rechunk().to_arrow(0, CompatLevel::newest())
}

impl ParquetEncoder {
    /// Prepare the key columns of `topo` for blocks of `block_steps` steps
    /// of the file at `path`.
    pub(crate) fn new(
        path: &Path,
        topo: &Topology,
        block_steps: usize,
        start_ms: i64,
        dt_ms: i64,
        comp: Compression,
    ) -> Result<Self> {
        Self::build(topo, block_steps, start_ms, dt_ms, comp).map_err(|source| Error::Parquet {
            path: path.to_path_buf(),
            source,
        })
    }

    fn build(
        topo: &Topology,
        block_steps: usize,
        start_ms: i64,
        dt_ms: i64,
        comp: Compression,
    ) -> PolarsResult<Self> {
        let (mut svc, mut inst, mut metric) = (Vec::new(), Vec::new(), Vec::new());
        for s in &topo.services {
            for i in &s.instances {
                for m in Metric::ALL {
                    svc.push(s.name.as_str());
                    inst.push(i.as_str());
                    metric.push(m.name());
                }
            }
        }
        let keys = [
            repeated("service", &svc, block_steps)?,
            repeated("instance", &inst, block_steps)?,
            repeated("metric", &metric, block_steps)?,
        ];
        let physical = Schema::from_iter(schema().iter().map(|(name, dtype)| {
            let dtype = keys
                .iter()
                .find(|c| c.name() == name)
                .map_or_else(|| dtype.clone(), |c| c.dtype().clone());
            Field::new(name.clone(), dtype)
        }));
        let parquet_schema = to_parquet_schema(&physical.to_arrow(CompatLevel::newest()))?;
        Ok(Self {
            keys: [
                one_chunk(&keys[0]),
                one_chunk(&keys[1]),
                one_chunk(&keys[2]),
            ],
            types: parquet_schema.fields().to_vec(),
            encodings: [
                Encoding::DeltaBinaryPacked,
                Encoding::RleDictionary,
                Encoding::RleDictionary,
                Encoding::RleDictionary,
                Encoding::Plain,
            ],
            options: WriteOptions {
                statistics: StatisticsOptions::default(),
                version: Version::V1,
                compression: compression(comp),
                data_page_size: None,
            },
            rows_per_step: svc.len(),
            start_ms,
            dt_ms,
        })
    }

    /// The Arrow schema the file is written with (dictionary key columns).
    fn physical_arrow(&self) -> polars::prelude::ArrowSchema {
        let mut s = schema().to_arrow(CompatLevel::newest());
        for (i, (_, field)) in s.iter_mut().enumerate() {
            if (1..=3).contains(&i) {
                field.dtype = self.keys[i - 1].dtype().clone();
            }
        }
        s
    }

    /// Encode and compress the steps from `k0` whose values are `values`.
    pub(crate) fn encode(&self, k0: u64, values: Vec<f64>) -> Result<EncodedGroup> {
        self.encode_polars(k0, values)
            .map_err(|source| Error::Parquet {
                path: crate::METRICS_PARQUET.into(),
                source,
            })
    }

    fn encode_polars(&self, k0: u64, values: Vec<f64>) -> PolarsResult<EncodedGroup> {
        let rows = values.len();
        let steps = rows / self.rows_per_step.max(1);
        let mut ts = Vec::with_capacity(rows);
        for j in 0..steps {
            let t = self.start_ms + (k0 as i64 + j as i64) * self.dt_ms;
            ts.extend(std::iter::repeat_n(t, self.rows_per_step));
        }
        let ts = Int64Chunked::from_vec("ts".into(), ts)
            .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            .into_series();
        let value = Float64Chunked::from_vec("value".into(), values).into_series();
        let arrays: [ArrayRef; 5] = [
            one_chunk(&ts),
            self.keys[0].sliced(0, rows),
            self.keys[1].sliced(0, rows),
            self.keys[2].sliced(0, rows),
            one_chunk(&value),
        ];
        let mut columns = Vec::with_capacity(5);
        for ((array, type_), encoding) in arrays.iter().zip(&self.types).zip(&self.encodings) {
            for pages in array_to_columns(array, type_.clone(), self.options, &[*encoding])? {
                let mut compressed = Vec::new();
                for page in pages {
                    compressed.push(compress(page?, Vec::new(), self.options.compression)?);
                }
                columns.push(compressed);
            }
        }
        Ok(EncodedGroup {
            rows: rows as u64,
            columns,
        })
    }
}

/// The file being written: row groups in order, then the footer.
pub(crate) struct ParquetFile {
    path: PathBuf,
    writer: FileWriter<BufWriter<File>>,
}

impl std::fmt::Debug for ParquetFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetFile")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ParquetFile {
    pub(crate) fn create(path: &Path, encoder: &ParquetEncoder) -> Result<Self> {
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        let writer = FileWriter::try_new(
            BufWriter::with_capacity(1 << 20, file),
            encoder.physical_arrow(),
            encoder.options,
        )
        .map_err(|source| Error::Parquet {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            writer,
        })
    }

    fn err(&self, source: PolarsError) -> Error {
        Error::Parquet {
            path: self.path.clone(),
            source,
        }
    }

    /// Append one row group.
    pub(crate) fn write(&mut self, group: &EncodedGroup) -> Result<()> {
        let columns = group.columns.iter().map(|pages| {
            Ok(DynStreamingIterator::new(
                fallible_streaming_iterator::convert(pages.iter().map(Ok)),
            ))
        });
        let result = self.writer.write(group.rows, DynIter::new(columns));
        result.map_err(|e| self.err(e))
    }

    /// Write the footer, declaring the key columns as plain strings;
    /// returns the file size.
    pub(crate) fn finish(mut self) -> Result<u64> {
        let key = schema_to_metadata_key(&schema().to_arrow(CompatLevel::newest()));
        let result = self.writer.end(Some(vec![key]));
        result.map_err(|e| self.err(e))
    }
}
