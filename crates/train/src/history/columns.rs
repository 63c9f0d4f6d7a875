//! Converting the columns of a history frame: event times to epoch
//! milliseconds, values to `f64` (null → NaN), keys to text. Problems name
//! the file, the column and, for a bad value, its row in the file.

use std::path::Path;

use polars::prelude::{Column, DataFrame, DataType, Int64Chunked, TimeUnit};

use super::time::parse_ms;
use crate::error::{Error, Result};

pub(super) fn column<'a>(path: &Path, df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    df.column(name).map_err(|e| Error::Column {
        path: path.to_path_buf(),
        column: name.into(),
        message: e.to_string(),
    })
}

fn first_null(c: &Column) -> Option<usize> {
    (c.null_count() > 0)
        .then(|| {
            c.as_materialized_series()
                .is_null()
                .iter()
                .position(|n| n == Some(true))
        })
        .flatten()
}

/// Event times of a column as epoch milliseconds; `base` is the file row
/// of the frame's first row.
pub(super) fn timestamps(path: &Path, c: &Column, base: usize) -> Result<Int64Chunked> {
    let name = c.name().to_string();
    let bad = |message: String| Error::Column {
        path: path.to_path_buf(),
        column: name.clone(),
        message,
    };
    if let Some(row) = first_null(c) {
        return Err(Error::Value {
            path: path.to_path_buf(),
            row: base + row + 1,
            column: name,
            message: "missing timestamp".into(),
        });
    }
    let cast = |dtype: DataType| c.cast(&dtype).map_err(|e| bad(e.to_string()));
    match c.dtype() {
        DataType::Datetime(_, tz) => {
            let ms = cast(DataType::Datetime(TimeUnit::Milliseconds, tz.clone()))?;
            Ok(ms
                .datetime()
                .map_err(|e| bad(e.to_string()))?
                .physical()
                .clone())
        }
        DataType::Date => {
            let ms = cast(DataType::Datetime(TimeUnit::Milliseconds, None))?;
            Ok(ms
                .datetime()
                .map_err(|e| bad(e.to_string()))?
                .physical()
                .clone())
        }
        d if d.is_integer() => Ok(cast(DataType::Int64)?
            .i64()
            .map_err(|e| bad(e.to_string()))?
            .clone()),
        DataType::String => {
            let text = c.str().map_err(|e| bad(e.to_string()))?;
            let mut out = Vec::with_capacity(text.len());
            let mut last: Option<(&str, i64)> = None;
            for (row, t) in text.iter().enumerate() {
                let t = t.unwrap_or_default();
                let ms = match last {
                    Some((prev, ms)) if prev == t => ms,
                    _ => parse_ms(t).map_err(|e| Error::Value {
                        path: path.to_path_buf(),
                        row: base + row + 1,
                        column: name.clone(),
                        message: e.to_string(),
                    })?,
                };
                last = Some((t, ms));
                out.push(ms);
            }
            Ok(Int64Chunked::from_vec(c.name().clone(), out))
        }
        other => Err(bad(format!(
            "expected timestamps (datetime, RFC 3339 text or epoch milliseconds), found {other}"
        ))),
    }
}

/// Values of a column as `f64`; nulls become NaN, unparsable text is an error.
pub(super) fn values(path: &Path, c: &Column, base: usize) -> Result<Vec<f64>> {
    let name = c.name().to_string();
    let bad = |message: String| Error::Column {
        path: path.to_path_buf(),
        column: name.clone(),
        message,
    };
    let dtype = c.dtype();
    if !(dtype.is_primitive_numeric() || *dtype == DataType::String || *dtype == DataType::Null) {
        return Err(bad(format!("expected numbers, found {dtype}")));
    }
    let f = c.cast(&DataType::Float64).map_err(|e| bad(e.to_string()))?;
    let f = f.f64().map_err(|e| bad(e.to_string()))?;
    if *dtype == DataType::String && f.null_count() > c.null_count() {
        let text = c.str().map_err(|e| bad(e.to_string()))?;
        for (row, (t, v)) in text.iter().zip(f.iter()).enumerate() {
            if let (Some(t), None) = (t, v)
                && !t.trim().is_empty()
            {
                return Err(Error::Value {
                    path: path.to_path_buf(),
                    row: base + row + 1,
                    column: name,
                    message: format!("cannot parse {t:?} as a number"),
                });
            }
        }
    }
    Ok(f.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// A key column as text (numbers are printed).
pub(super) fn keys(path: &Path, c: &Column, base: usize) -> Result<Column> {
    let bad = |message: String| Error::Column {
        path: path.to_path_buf(),
        column: c.name().to_string(),
        message,
    };
    if let Some(row) = first_null(c) {
        return Err(Error::Value {
            path: path.to_path_buf(),
            row: base + row + 1,
            column: c.name().to_string(),
            message: "missing value (every row needs a service, instance and metric)".into(),
        });
    }
    match c.dtype() {
        DataType::String => Ok(c.clone()),
        d if d.is_primitive_numeric() => c.cast(&DataType::String).map_err(|e| bad(e.to_string())),
        other => Err(bad(format!("expected text, found {other}"))),
    }
}
