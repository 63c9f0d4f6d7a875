//! One NAB data file: its rows in file order (timestamp text, parsed time,
//! value) and its resolved label windows. Rows are never sorted or
//! de-duplicated, because NAB pairs detector output with data by position.

use std::path::Path;

use chrono::NaiveDateTime;

use super::probation::probation_len;
use super::timestamp::parse_timestamp;
use super::window::{Window, resolve_windows};
use crate::error::{Error, Result};

/// A data file of the corpus, with its label windows.
#[derive(Debug, Clone)]
pub struct DataFile {
    name: String,
    timestamps: Vec<String>,
    times: Vec<NaiveDateTime>,
    values: Vec<f64>,
    windows: Vec<Window>,
}

impl DataFile {
    /// Builds a data file from its rows and its window bounds.
    ///
    /// `name` is the corpus-relative name `<category>/<file>.csv`.
    /// `timestamps` and `values` are the rows in file order. Each window is a
    /// pair of timestamps (either NAB form) that must each match exactly one
    /// row; windows may not overlap.
    pub fn new(
        name: impl Into<String>,
        timestamps: Vec<String>,
        values: Vec<f64>,
        windows: &[(String, String)],
    ) -> Result<Self> {
        let name = name.into();
        if timestamps.len() != values.len() {
            return Err(Error::Label {
                file: name,
                message: format!(
                    "{} timestamps but {} values",
                    timestamps.len(),
                    values.len()
                ),
            });
        }
        let mut times = Vec::with_capacity(timestamps.len());
        for (row, text) in timestamps.iter().enumerate() {
            let time = parse_timestamp(text).ok_or_else(|| Error::Decode {
                path: name.clone().into(),
                line: Some(row as u64 + 2),
                message: format!("bad timestamp {text:?}"),
            })?;
            times.push(time);
        }
        let windows = resolve_windows(&times, windows).map_err(|e| Error::Label {
            file: name.clone(),
            message: e.to_string(),
        })?;
        Ok(Self {
            name,
            timestamps,
            times,
            values,
            windows,
        })
    }

    /// Reads a `timestamp,value` CSV and resolves `windows` against it.
    pub fn read_csv(path: &Path, name: &str, windows: &[(String, String)]) -> Result<Self> {
        let csv_err = |source| Error::Csv {
            path: path.to_path_buf(),
            source,
        };
        let mut reader = csv::Reader::from_path(path).map_err(csv_err)?;
        let headers = reader.headers().map_err(csv_err)?.clone();
        let column = |want: &str| {
            headers
                .iter()
                .position(|h| h.trim() == want)
                .ok_or_else(|| Error::Decode {
                    path: path.to_path_buf(),
                    line: Some(1),
                    message: format!("no {want:?} column"),
                })
        };
        let (ts_col, value_col) = (column("timestamp")?, column("value")?);
        let mut timestamps = Vec::new();
        let mut values = Vec::new();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).map_err(csv_err)? {
            let line = record.position().map(csv::Position::line);
            let field = |col: usize| {
                record.get(col).ok_or_else(|| Error::Decode {
                    path: path.to_path_buf(),
                    line,
                    message: "short row".to_owned(),
                })
            };
            timestamps.push(field(ts_col)?.to_owned());
            let text = field(value_col)?;
            let value = text.trim().parse().map_err(|_| Error::Decode {
                path: path.to_path_buf(),
                line,
                message: format!("bad value {text:?}"),
            })?;
            values.push(value);
        }
        Self::new(name, timestamps, values, windows)
    }

    /// Corpus-relative name, `<category>/<file>.csv`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The category directory (the part of [`Self::name`] before the `/`).
    pub fn category(&self) -> &str {
        self.name
            .rsplit_once('/')
            .map_or("", |(category, _)| category)
    }

    /// The file name without its category (the part after the `/`).
    pub fn file_name(&self) -> &str {
        self.name
            .rsplit_once('/')
            .map_or(&self.name, |(_, file)| file)
    }

    /// Number of rows `N`.
    pub fn len(&self) -> usize {
        self.timestamps.len()
    }

    /// Whether the file has no rows.
    pub fn is_empty(&self) -> bool {
        self.timestamps.is_empty()
    }

    /// The timestamps exactly as written in the file, in file order.
    pub fn timestamps(&self) -> &[String] {
        &self.timestamps
    }

    /// The parsed timestamps (no time zone), in file order.
    pub fn times(&self) -> &[NaiveDateTime] {
        &self.times
    }

    /// The timestamps as Unix seconds, reading them as UTC.
    pub fn epoch_seconds(&self) -> impl ExactSizeIterator<Item = i64> + '_ {
        self.times.iter().map(|t| t.and_utc().timestamp())
    }

    /// The values, in file order.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The label windows, sorted by start row.
    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    /// Number of leading probationary rows, see [`probation_len`].
    pub fn probation_len(&self) -> usize {
        probation_len(self.len())
    }

    /// Per-row labels: 1 inside a window, 0 elsewhere (NAB's `label` column).
    pub fn labels(&self) -> Vec<u8> {
        let mut labels = vec![0; self.len()];
        for w in &self.windows {
            labels[w.start..=w.end].fill(1);
        }
        labels
    }
}
