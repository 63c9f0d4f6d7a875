//! Typed, borrowed views of the columns an Arrow metrics stream may carry,
//! resolved once per batch so the per-row loop does no downcasting. Type
//! problems are reported here, naming the column and the type found.

use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, LargeStringArray, MapArray, StringArray, StringViewArray};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, TimeUnit};
use chrono::{DateTime, Utc};

/// Why a column cannot be read; the caller adds the column name.
pub(super) type TypeError = String;

fn wrong_type(found: &DataType, expected: &str) -> TypeError {
    format!("has type {found}, expected {expected}")
}

/// A column of strings, plain or dictionary-encoded.
pub(super) enum StrCol<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
    Dict {
        keys: &'a dyn Array,
        /// Keys as indices into `values`; empty when `values` is empty.
        index: Vec<usize>,
        values: Box<StrCol<'a>>,
    },
}

const STRING_TYPES: &str = "Utf8, LargeUtf8, Utf8View or a dictionary of them";

impl<'a> StrCol<'a> {
    pub(super) fn new(array: &'a ArrayRef) -> Result<Self, TypeError> {
        Self::from_dyn(array.as_ref())
    }

    fn from_dyn(array: &'a dyn Array) -> Result<Self, TypeError> {
        match array.data_type() {
            DataType::Utf8 => Ok(Self::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Self::Large(array.as_string::<i64>())),
            DataType::Utf8View => Ok(Self::View(array.as_string_view())),
            DataType::Dictionary(_, v)
                if matches!(
                    **v,
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
                ) =>
            {
                let dict = array
                    .as_any_dictionary_opt()
                    .ok_or_else(|| wrong_type(array.data_type(), STRING_TYPES))?;
                let values = Self::from_dyn(dict.values().as_ref())?;
                let index = if dict.values().is_empty() {
                    Vec::new()
                } else {
                    dict.normalized_keys()
                };
                Ok(Self::Dict {
                    keys: dict.keys(),
                    index,
                    values: Box::new(values),
                })
            }
            other => Err(wrong_type(other, STRING_TYPES)),
        }
    }

    /// The string at `row`, `None` when null.
    pub(super) fn get(&self, row: usize) -> Option<&'a str> {
        match self {
            Self::Utf8(a) => a.is_valid(row).then(|| a.value(row)),
            Self::Large(a) => a.is_valid(row).then(|| a.value(row)),
            Self::View(a) => a.is_valid(row).then(|| a.value(row)),
            Self::Dict {
                keys,
                index,
                values,
            } => {
                if keys.is_null(row) {
                    return None;
                }
                values.get(*index.get(row)?)
            }
        }
    }
}

/// The event-time column.
pub(super) struct TsCol<'a> {
    values: &'a [i64],
    nulls: Option<&'a NullBuffer>,
    unit: TimeUnit,
}

impl<'a> TsCol<'a> {
    pub(super) fn new(array: &'a ArrayRef) -> Result<Self, TypeError> {
        let (values, unit): (&[i64], TimeUnit) = match array.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => (
                array.as_primitive::<TimestampSecondType>().values(),
                TimeUnit::Second,
            ),
            DataType::Timestamp(TimeUnit::Millisecond, _) => (
                array.as_primitive::<TimestampMillisecondType>().values(),
                TimeUnit::Millisecond,
            ),
            DataType::Timestamp(TimeUnit::Microsecond, _) => (
                array.as_primitive::<TimestampMicrosecondType>().values(),
                TimeUnit::Microsecond,
            ),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => (
                array.as_primitive::<TimestampNanosecondType>().values(),
                TimeUnit::Nanosecond,
            ),
            DataType::Int64 => (
                array.as_primitive::<Int64Type>().values(),
                TimeUnit::Millisecond,
            ),
            other => {
                return Err(wrong_type(
                    other,
                    "Timestamp (any unit and time zone) or Int64 milliseconds",
                ));
            }
        };
        Ok(Self {
            values,
            nulls: array.nulls(),
            unit,
        })
    }

    /// `None` when null; `Some(Err)` when out of the representable range.
    pub(super) fn get(&self, row: usize) -> Option<Result<DateTime<Utc>, String>> {
        if self.nulls.is_some_and(|n| n.is_null(row)) {
            return None;
        }
        let v = self.values[row];
        let ts = match self.unit {
            TimeUnit::Second => DateTime::from_timestamp(v, 0),
            TimeUnit::Millisecond => DateTime::from_timestamp_millis(v),
            TimeUnit::Microsecond => DateTime::from_timestamp_micros(v),
            TimeUnit::Nanosecond => Some(DateTime::from_timestamp_nanos(v)),
        };
        Some(ts.ok_or_else(|| format!("{v} ({:?}) is out of the supported time range", self.unit)))
    }
}

/// The value column.
pub(super) enum ValCol<'a> {
    F64(&'a [f64], Option<&'a NullBuffer>),
    F32(&'a [f32], Option<&'a NullBuffer>),
    I64(&'a [i64], Option<&'a NullBuffer>),
}

impl<'a> ValCol<'a> {
    pub(super) fn new(array: &'a ArrayRef) -> Result<Self, TypeError> {
        let nulls = array.nulls();
        match array.data_type() {
            DataType::Float64 => Ok(Self::F64(
                array.as_primitive::<Float64Type>().values(),
                nulls,
            )),
            DataType::Float32 => Ok(Self::F32(
                array.as_primitive::<Float32Type>().values(),
                nulls,
            )),
            DataType::Int64 => Ok(Self::I64(array.as_primitive::<Int64Type>().values(), nulls)),
            other => Err(wrong_type(other, "Float64, Float32 or Int64")),
        }
    }

    /// `None` when null.
    pub(super) fn get(&self, row: usize) -> Option<f64> {
        let (valid, v) = match self {
            Self::F64(v, n) => (n.is_none_or(|n| n.is_valid(row)), v[row]),
            Self::F32(v, n) => (n.is_none_or(|n| n.is_valid(row)), f64::from(v[row])),
            Self::I64(v, n) => (n.is_none_or(|n| n.is_valid(row)), v[row] as f64),
        };
        valid.then_some(v)
    }
}

/// The optional labels column, a map of strings to strings.
pub(super) struct LabelsCol<'a> {
    map: &'a MapArray,
    keys: StrCol<'a>,
    values: StrCol<'a>,
}

impl<'a> LabelsCol<'a> {
    pub(super) fn new(array: &'a ArrayRef) -> Result<Self, TypeError> {
        let map = array
            .as_map_opt()
            .ok_or_else(|| wrong_type(array.data_type(), "Map<Utf8, Utf8>"))?;
        let keys = StrCol::new(map.keys()).map_err(|e| format!("map keys: {e}"))?;
        let values = StrCol::new(map.values()).map_err(|e| format!("map values: {e}"))?;
        Ok(Self { map, keys, values })
    }

    /// The labels of `row`; an error names the offending key.
    pub(super) fn get(&self, row: usize) -> Result<BTreeMap<String, String>, String> {
        let mut labels = BTreeMap::new();
        if self.map.is_null(row) {
            return Ok(labels);
        }
        let offsets = self.map.value_offsets();
        let (start, end) = (offsets[row], offsets[row + 1]);
        for i in start.max(0) as usize..end.max(0) as usize {
            let key = self.keys.get(i).ok_or("null label key")?;
            let value = self
                .values
                .get(i)
                .ok_or_else(|| format!("label `{key}` is null"))?;
            labels.insert(key.to_string(), value.to_string());
        }
        Ok(labels)
    }
}
