//! Every buffer of a batch checked against its column's layout before the
//! IPC reader sees it. arrow 60 trusts the sizes a batch declares: a
//! values or offsets buffer whose length is not a multiple of its element
//! width, or shorter than the column's row count needs, makes arrow-buffer
//! assert (a panic, which the fuzzer found). This walks the schema's types
//! in the reader's own order (a field node and its buffers, then its
//! children) and refuses such a batch with a reason instead. Column types
//! whose buffers it does not model (unions) are refused: no metric stream
//! needs them.

use std::collections::HashMap;

use arrow_ipc::{Buffer, FieldNode};
use arrow_schema::{DataType, IntervalUnit, Schema};

/// The value type of each dictionary id of `fb` (the flatbuffer schema),
/// `schema` being the same schema converted.
pub(super) fn dictionaries(fb: arrow_ipc::Schema<'_>, schema: &Schema) -> HashMap<i64, DataType> {
    fn ids(f: arrow_ipc::Field<'_>, out: &mut Vec<i64>) {
        if let Some(d) = f.dictionary() {
            out.push(d.id());
        }
        for c in f.children().iter().flatten() {
            ids(c, out);
        }
    }
    fn values(dt: &DataType, out: &mut Vec<DataType>) {
        if let DataType::Dictionary(_, v) = dt {
            out.push(v.as_ref().clone());
        }
        for c in children(dt) {
            values(&c, out);
        }
    }
    let (mut i, mut v) = (Vec::new(), Vec::new());
    for f in fb.fields().iter().flatten() {
        ids(f, &mut i);
    }
    for f in schema.fields() {
        values(f.data_type(), &mut v);
    }
    i.into_iter().zip(v).collect()
}

/// The child types of `dt`, in the reader's order.
fn children(dt: &DataType) -> Vec<DataType> {
    match dt {
        DataType::List(f)
        | DataType::LargeList(f)
        | DataType::ListView(f)
        | DataType::LargeListView(f)
        | DataType::FixedSizeList(f, _)
        | DataType::Map(f, _) => vec![f.data_type().clone()],
        DataType::Struct(fs) => fs.iter().map(|f| f.data_type().clone()).collect(),
        DataType::RunEndEncoded(r, v) => vec![r.data_type().clone(), v.data_type().clone()],
        _ => Vec::new(),
    }
}

/// A batch's field nodes, buffers and variadic counts, consumed in order.
pub(super) struct Batch<'a, N, B, V>
where
    N: Iterator<Item = &'a FieldNode>,
    B: Iterator<Item = &'a Buffer>,
    V: Iterator<Item = i64>,
{
    pub(super) nodes: N,
    pub(super) buffers: B,
    pub(super) variadic: V,
}

/// Width in bytes of one value of a fixed-width type.
fn width(dt: &DataType) -> Option<usize> {
    use DataType::*;
    Some(match dt {
        Int8 | UInt8 => 1,
        Int16 | UInt16 | Float16 => 2,
        Int32 | UInt32 | Float32 | Date32 | Time32(_) | Decimal32(..) => 4,
        Int64 | UInt64 | Float64 | Date64 | Time64(_) | Timestamp(..) | Duration(_)
        | Decimal64(..) => 8,
        Interval(IntervalUnit::YearMonth) => 4,
        Interval(IntervalUnit::DayTime) => 8,
        Interval(IntervalUnit::MonthDayNano) | Decimal128(..) => 16,
        Decimal256(..) => 32,
        _ => return None,
    })
}

impl<'a, N, B, V> Batch<'a, N, B, V>
where
    N: Iterator<Item = &'a FieldNode>,
    B: Iterator<Item = &'a Buffer>,
    V: Iterator<Item = i64>,
{
    /// Check the column of type `dt` (and its children).
    pub(super) fn column(&mut self, dt: &DataType) -> Result<(), String> {
        let node = self.nodes.next().ok_or("fewer field nodes than columns")?;
        let n = usize::try_from(node.length()).map_err(|_| "negative row count")?;
        let nulls = usize::try_from(node.null_count()).map_err(|_| "negative null count")?;
        if nulls > n {
            return Err(format!("{nulls} nulls in {n} rows"));
        }
        use DataType::*;
        match dt {
            Null => {}
            Boolean => {
                self.validity(n, nulls)?;
                self.sized(n.div_ceil(8), 1, "bit-packed values")?;
            }
            Utf8 | Binary => self.offsets(n, nulls, 4, true)?,
            LargeUtf8 | LargeBinary => self.offsets(n, nulls, 8, true)?,
            Utf8View | BinaryView => {
                let count = self
                    .variadic
                    .next()
                    .ok_or("missing variadic buffer count")?;
                self.validity(n, nulls)?;
                self.sized(n.saturating_mul(16), 16, "views")?;
                for _ in 0..count.max(0) {
                    self.buffer()?;
                }
            }
            FixedSizeBinary(w) => {
                self.validity(n, nulls)?;
                let w = usize::try_from(*w).map_err(|_| "negative byte width")?;
                self.sized(n.saturating_mul(w), 1, "values")?;
            }
            List(_) | Map(..) => self.offsets(n, nulls, 4, false)?,
            LargeList(_) => self.offsets(n, nulls, 8, false)?,
            ListView(_) | LargeListView(_) => {
                let w = if matches!(dt, ListView(_)) { 4 } else { 8 };
                self.validity(n, nulls)?;
                self.sized(n.saturating_mul(w), w, "offsets")?;
                self.sized(n.saturating_mul(w), w, "sizes")?;
            }
            FixedSizeList(..) | Struct(_) => self.validity(n, nulls)?,
            RunEndEncoded(..) => {}
            Dictionary(k, _) => {
                self.validity(n, nulls)?;
                let w = width(k).ok_or_else(|| format!("dictionary keys of type {k}"))?;
                self.sized(n.saturating_mul(w), w, "dictionary keys")?;
            }
            other => match width(other) {
                Some(w) => {
                    self.validity(n, nulls)?;
                    self.sized(n.saturating_mul(w), w, "values")?;
                }
                None => return Err(format!("columns of type {other} are not read")),
            },
        }
        for c in children(dt) {
            self.column(&c)?;
        }
        Ok(())
    }

    fn buffer(&mut self) -> Result<usize, String> {
        let b = self
            .buffers
            .next()
            .ok_or("fewer buffers than the columns need")?;
        usize::try_from(b.length()).map_err(|_| "negative buffer length".into())
    }

    /// The validity bitmap: one bit a row when any row is null.
    fn validity(&mut self, n: usize, nulls: usize) -> Result<(), String> {
        let len = self.buffer()?;
        if nulls > 0 && len < n.div_ceil(8) {
            return Err(format!("validity of {len} bytes for {n} rows"));
        }
        Ok(())
    }

    /// A buffer of `w`-byte elements holding at least `need` bytes (or
    /// none at all for no rows).
    fn sized(&mut self, need: usize, w: usize, what: &str) -> Result<(), String> {
        let len = self.buffer()?;
        if len % w != 0 || len < need {
            return Err(format!(
                "{what} buffer of {len} bytes (need {need}, a multiple of {w})"
            ));
        }
        Ok(())
    }

    /// Validity, `w`-byte offsets (one more than rows), and the data when
    /// `data` (strings and binaries; a list's values are its child).
    fn offsets(&mut self, n: usize, nulls: usize, w: usize, data: bool) -> Result<(), String> {
        self.validity(n, nulls)?;
        let need = if n == 0 {
            0
        } else {
            n.saturating_add(1).saturating_mul(w)
        };
        self.sized(need, w, "offsets")?;
        if data {
            self.buffer()?;
        }
        Ok(())
    }
}
