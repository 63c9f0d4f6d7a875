//! Reading history files with polars. The format follows the extension
//! (`.csv`, `.parquet`/`.pq`); the layout follows the columns:
//!
//! - **long** (the simulator's): `ts`, `service`, `instance`, `metric`,
//!   `value`. `ts` is a Parquet datetime (any unit; no zone means UTC),
//!   epoch milliseconds (integers) or text (RFC 3339, or `YYYY-MM-DD HH:MM:SS` in UTC).
//! - **NAB**: `timestamp`, `value`; one series whose service is the file
//!   stem, instance empty and metric `value`.
//!
//! Every problem names the file and the column (and the row for a bad
//! value). Missing values (null `value`) are kept as NaN, so the feature
//! engine counts and skips them like any non-finite sample.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use polars::prelude::{Column, CsvReadOptions, DataFrame, ParquetReader, SerReader};
use xxhash_rust::xxh3::Xxh3;

use super::columns::{column, keys, timestamps, values};
use super::series::{Grouper, History};
use crate::error::{Error, Result};

/// Columns of the long layout.
pub const LONG_COLUMNS: [&str; 5] = ["ts", "service", "instance", "metric", "value"];
/// Columns of the NAB layout.
pub const NAB_COLUMNS: [&str; 2] = ["timestamp", "value"];

/// Read `files` (each CSV or Parquet) into one [`History`]. Series that
/// appear in several files are merged.
pub fn read(files: &[PathBuf]) -> Result<History> {
    read_with(files, |_| {})
}

/// [`read`], calling `done(path)` after each file.
pub fn read_with(files: &[PathBuf], mut done: impl FnMut(&Path)) -> Result<History> {
    if files.is_empty() {
        return Err(Error::Empty("no input files given".into()));
    }
    let mut grouper = Grouper::default();
    let mut hash = Xxh3::new();
    for path in files {
        hash_file(path, &mut hash)?;
        read_file(path, &mut grouper, PARQUET_SLICE_ROWS)?;
        done(path);
    }
    let rows = grouper.rows;
    let series = grouper.finish();
    if series.is_empty() {
        return Err(Error::Empty(format!(
            "{} held no rows",
            files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(History {
        series,
        files: files.iter().map(|p| p.display().to_string()).collect(),
        hash: format!("{:032x}", hash.digest128()),
        rows,
    })
}

/// Turn the paths given on a command line into files: a file stays as it
/// is; a directory gives its `metrics.parquet`, else its `metrics.csv`
/// (the simulator's output), else every `.csv`/`.parquet` file in it,
/// sorted (a NAB category directory).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
            continue;
        }
        if !p.is_dir() {
            return Err(Error::Input {
                path: p.clone(),
                message: "no such file or directory".into(),
            });
        }
        let preferred = ["metrics.parquet", "metrics.csv"].map(|f| p.join(f));
        if let Some(f) = preferred.iter().find(|f| f.is_file()) {
            out.push(f.clone());
            continue;
        }
        let entries = std::fs::read_dir(p).map_err(|source| Error::Io {
            path: p.clone(),
            source,
        })?;
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|f| f.is_file() && Format::of(f).is_some())
            .collect();
        if found.is_empty() {
            return Err(Error::Input {
                path: p.clone(),
                message: "directory holds no .csv or .parquet file".into(),
            });
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Csv,
    Parquet,
}

impl Format {
    fn of(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Parquet => "Parquet",
        }
    }
}

fn hash_file(path: &Path, h: &mut Xxh3) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = File::open(path).map_err(io)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            return Ok(());
        }
        h.update(&buf[..n]);
    }
}

/// Rows of a Parquet file read at a time: the file is never held whole
/// in memory, only its series.
const PARQUET_SLICE_ROWS: usize = 4 << 20;

/// Read one file into `g`, Parquet `slice_rows` rows at a time.
fn read_file(path: &Path, g: &mut Grouper, slice_rows: usize) -> Result<()> {
    let format = Format::of(path).ok_or_else(|| Error::Input {
        path: path.to_path_buf(),
        message: "unknown file type (expected a .csv or .parquet extension)".into(),
    })?;
    let err = |source| Error::Read {
        path: path.to_path_buf(),
        format: format.name(),
        source,
    };
    let open = || {
        File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    match format {
        Format::Csv => {
            let df = CsvReadOptions::default()
                .with_has_header(true)
                // Every column as text: values and times are converted here,
                // so a late oddity gets a row number, not a schema error.
                .with_infer_schema_length(Some(0))
                .try_into_reader_with_file_path(Some(path.to_path_buf()))
                .and_then(|r| r.finish())
                .map_err(err)?;
            add_frame(path, &df, 0, g)
        }
        Format::Parquet => {
            let mut reader = ParquetReader::new(open()?);
            let schema = reader.schema().map_err(err)?;
            let names: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
            let wanted: Vec<String> = layout(path, &names)?
                .columns()
                .iter()
                .map(|c| c.to_string())
                .collect();
            let rows = reader.num_rows().map_err(err)?;
            let mut offset = 0;
            while offset < rows {
                let df = ParquetReader::new(open()?)
                    .with_columns(Some(wanted.clone()))
                    .with_slice(Some((offset, slice_rows)))
                    .finish()
                    .map_err(err)?;
                add_frame(path, &df, offset, g)?;
                offset += slice_rows;
            }
            Ok(())
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Long,
    Nab,
}

impl Layout {
    fn columns(self) -> &'static [&'static str] {
        match self {
            Layout::Long => &LONG_COLUMNS,
            Layout::Nab => &NAB_COLUMNS,
        }
    }
}

fn layout(path: &Path, names: &[&str]) -> Result<Layout> {
    let has = |c: &str| names.contains(&c);
    let layout = if !has("ts") && has("timestamp") {
        Layout::Nab
    } else {
        Layout::Long
    };
    if let Some(missing) = layout.columns().iter().find(|c| !has(c)) {
        return Err(Error::Column {
            path: path.to_path_buf(),
            column: missing.to_string(),
            message: format!(
                "missing (found columns: {}); expected the long layout `{}` or NAB's `{}`",
                names.join(", "),
                LONG_COLUMNS.join(","),
                NAB_COLUMNS.join(",")
            ),
        });
    }
    Ok(layout)
}

/// Add the rows of `df`, the file's rows from `base` on, to `g`.
fn add_frame(path: &Path, df: &DataFrame, base: usize, g: &mut Grouper) -> Result<()> {
    let names: Vec<&str> = df
        .get_column_names()
        .into_iter()
        .map(|n| n.as_str())
        .collect();
    let layout = layout(path, &names)?;
    let ts_col = if layout == Layout::Nab {
        "timestamp"
    } else {
        "ts"
    };
    let ts = timestamps(path, column(path, df, ts_col)?, base)?;
    let vals = values(path, column(path, df, "value")?, base)?;
    if layout == Layout::Nab {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("series");
        let slot = g.slot(stem, "", "value");
        for (t, v) in ts.iter().zip(vals) {
            g.push(slot, t.unwrap_or_default(), v);
        }
        return Ok(());
    }
    let cols = ["service", "instance", "metric"]
        .map(|n| column(path, df, n).and_then(|c| keys(path, c, base)));
    let [svc, inst, metric] = cols;
    let (svc, inst, metric) = (svc?, inst?, metric?);
    let str_of = |c: &Column| {
        c.str().cloned().map_err(|e| Error::Column {
            path: path.to_path_buf(),
            column: c.name().to_string(),
            message: e.to_string(),
        })
    };
    let (svc, inst, metric) = (str_of(&svc)?, str_of(&inst)?, str_of(&metric)?);
    // Keys borrowed from the frame: one hash per row, one allocation per series.
    let mut local: HashMap<(&str, &str, &str), usize> = HashMap::new();
    let rows = svc
        .iter()
        .zip(inst.iter())
        .zip(metric.iter())
        .zip(ts.iter())
        .zip(vals);
    for ((((s, i), m), t), v) in rows {
        let key = (
            s.unwrap_or_default(),
            i.unwrap_or_default(),
            m.unwrap_or_default(),
        );
        let slot = match local.get(&key) {
            Some(slot) => *slot,
            None => {
                let slot = g.slot(key.0, key.1, key.2);
                local.insert(key, slot);
                slot
            }
        };
        g.push(slot, t.unwrap_or_default(), v);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use polars::prelude::{IntoColumn, NamedFrom, ParquetWriter, Series, TimeZone};

    use super::*;

    #[test]
    fn parquet_read_in_slices_equals_read_whole_and_rows_count_from_the_file() {
        let dir =
            std::env::temp_dir().join(format!("forewarn-train-slices-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.parquet");
        let n = 1000i64;
        let ts = Series::new(
            "ts".into(),
            (0..n).map(|i| (i / 2) * 10_000).collect::<Vec<_>>(),
        )
        .cast(&polars::prelude::DataType::Datetime(
            polars::prelude::TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))
        .unwrap();
        let svc: Vec<&str> = (0..n).map(|i| if i % 2 == 0 { "a" } else { "b" }).collect();
        let mut value: Vec<Option<f64>> = (0..n).map(|i| Some(i as f64)).collect();
        value[777] = None;
        let mut df = DataFrame::new_infer_height(vec![
            ts.into_column(),
            Series::new("service".into(), svc).into_column(),
            Series::new("instance".into(), vec!["0"; n as usize]).into_column(),
            Series::new("metric".into(), vec!["m"; n as usize]).into_column(),
            Series::new("value".into(), value).into_column(),
        ])
        .unwrap();
        ParquetWriter::new(File::create(&path).unwrap())
            .finish(&mut df)
            .unwrap();
        let (mut whole, mut sliced) = (Grouper::default(), Grouper::default());
        read_file(&path, &mut whole, 1 << 40).unwrap();
        read_file(&path, &mut sliced, 7).unwrap();
        assert_eq!(sliced.rows, 1000);
        let (whole, sliced) = (whole.finish(), sliced.finish());
        assert_eq!(format!("{whole:?}"), format!("{sliced:?}"));
        assert!(
            sliced[1].values[388].is_nan(),
            "row 778 is service b's 389th"
        );
    }
}
