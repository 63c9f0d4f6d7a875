//! Reading an Arrow IPC stream into samples. The stream must end with the
//! end-of-stream marker, so a record cut at a message boundary is reported
//! as truncated instead of silently losing its last batches. The message
//! framing, and every buffer's size against its column's layout
//! (`layout`), are checked before the IPC reader sees the stream: arrow 60
//! asserts on buffers of the wrong size. A panic that would still remain
//! in the reader is caught and reported as an error (the default panic
//! hook still prints it); none is known.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamReader;
use arrow_schema::{DataType, Schema};
use forewarn_core::SCHEMA_VERSION;
use forewarn_core::contracts::MetricSample;

use super::columns::{LabelsCol, StrCol, TsCol, ValCol};
use super::layout;
use crate::error::{FormatError, Result};

/// End-of-stream marker: continuation token and a zero length. (Pre-0.15
/// writers ended with the zero length alone; that form is refused, as a
/// stream cut after a zero-padded message would look terminated.)
const EOS: [u8; 8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

pub(crate) fn decode(bytes: &[u8], out: &mut Vec<MetricSample>) -> Result<()> {
    if !bytes.ends_with(&EOS) {
        return Err(FormatError::ArrowStream {
            reason: format!(
                "{} bytes not ending in the end-of-stream marker: truncated, or not an IPC stream",
                bytes.len()
            ),
        });
    }
    check_framing(bytes)?;
    match catch_unwind(AssertUnwindSafe(|| decode_stream(bytes, out))) {
        Ok(result) => result,
        Err(_) => Err(FormatError::ArrowStream {
            reason: "the IPC reader panicked on malformed input".into(),
        }),
    }
}

/// Walks the stream's messages before the IPC reader does, checking what
/// the reader trusts: every message fits in the bytes, and every buffer of a
/// record or dictionary batch lies inside its message body (the reader
/// slices those without checking, and panics) at an 8-byte aligned offset,
/// as the IPC format requires (arrow 60 panics validating misaligned
/// offsets).
fn check_framing(bytes: &[u8]) -> Result<()> {
    let mut pos = 0usize;
    // The stream's schema once read, and its dictionaries' value types.
    let mut schema: Option<(Schema, HashMap<i64, DataType>)> = None;
    for msg_no in 0.. {
        let err =
            |reason: String| stream_error(format!("message {msg_no} at byte {pos}: {reason}"));
        let word = |at: usize| -> Option<u32> {
            let b = bytes.get(at..at.checked_add(4)?)?;
            Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let mut at = pos;
        let mut len = word(at).ok_or_else(|| err("truncated message header".into()))?;
        at += 4;
        if len == u32::MAX {
            len = word(at).ok_or_else(|| err("truncated message header".into()))?;
            at += 4;
        }
        if len == 0 {
            return Ok(());
        }
        let len = i32::try_from(len).map_err(|_| err(format!("negative metadata length {len}")))?;
        let meta = bytes
            .get(at..at + len as usize)
            .ok_or_else(|| err(format!("metadata of {len} bytes runs past the end")))?;
        let message = arrow_ipc::root_as_message(meta)
            .map_err(|e| err(format!("invalid message metadata: {e}")))?;
        let body_len = usize::try_from(message.bodyLength())
            .map_err(|_| err(format!("invalid body length {}", message.bodyLength())))?;
        let body_start = at + len as usize;
        if bytes.len() - body_start < body_len {
            return Err(err(format!("body of {body_len} bytes runs past the end")));
        }
        let batch = message
            .header_as_record_batch()
            .or_else(|| message.header_as_dictionary_batch().and_then(|d| d.data()));
        if let Some(fb) = message.header_as_schema() {
            // A schema the reader cannot convert is its to refuse.
            schema = arrow_ipc::convert::try_fb_to_schema(fb)
                .ok()
                .map(|s| (layout::dictionaries(fb, &s), s))
                .map(|(d, s)| (s, d));
        }
        let columns: Option<Vec<DataType>> = schema.as_ref().and_then(|(s, dicts)| {
            if let Some(d) = message.header_as_dictionary_batch() {
                return dicts.get(&d.id()).map(|t| vec![t.clone()]);
            }
            message
                .header_as_record_batch()
                .map(|_| s.fields().iter().map(|f| f.data_type().clone()).collect())
        });
        if let (Some(b), Some(columns)) = (batch, columns)
            && b.compression().is_none()
        {
            let (nodes, buffers) = (
                b.nodes().unwrap_or_default(),
                b.buffers().unwrap_or_default(),
            );
            let mut walk = layout::Batch {
                nodes: nodes.iter(),
                buffers: buffers.iter(),
                variadic: b.variadicBufferCounts().into_iter().flatten(),
            };
            for (i, dt) in columns.iter().enumerate() {
                walk.column(dt)
                    .map_err(|reason| err(format!("column {i} ({dt}): {reason}")))?;
            }
        }
        if let Some(buffers) = batch.and_then(|b| b.buffers()) {
            for (i, b) in buffers.iter().enumerate() {
                let fits = usize::try_from(b.offset())
                    .ok()
                    .filter(|o| o % 8 == 0)
                    .zip(usize::try_from(b.length()).ok())
                    .and_then(|(o, l)| o.checked_add(l))
                    .is_some_and(|end| end <= body_len);
                if !fits {
                    return Err(err(format!(
                        "buffer {i} (offset {}, length {}) is not 8-byte aligned inside the {body_len}-byte body",
                        b.offset(),
                        b.length()
                    )));
                }
            }
        }
        pos = body_start + body_len;
    }
    Ok(())
}

fn stream_error(e: impl std::fmt::Display) -> FormatError {
    FormatError::ArrowStream {
        reason: e.to_string(),
    }
}

/// Column positions, checked against the schema once.
struct Layout {
    ts: usize,
    service: usize,
    instance: Option<usize>,
    metric: usize,
    value: usize,
    labels: Option<usize>,
}

fn column_error(column: &str, reason: impl Into<String>) -> FormatError {
    FormatError::ArrowColumn {
        column: column.to_string(),
        batch: None,
        row: None,
        reason: reason.into(),
    }
}

impl Layout {
    fn of(schema: &Schema) -> Result<Self> {
        let find = |name: &str| schema.index_of(name).ok();
        let require = |name: &str| {
            find(name).ok_or_else(|| {
                let have: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                column_error(
                    name,
                    format!("missing required column (stream has: {})", have.join(", ")),
                )
            })
        };
        Ok(Self {
            ts: require("ts")?,
            service: require("service")?,
            instance: find("instance"),
            metric: require("metric")?,
            value: require("value")?,
            labels: find("labels"),
        })
    }
}

fn decode_stream(bytes: &[u8], out: &mut Vec<MetricSample>) -> Result<()> {
    let mut rest = bytes;
    let mut reader = StreamReader::try_new(&mut rest, None).map_err(stream_error)?;
    let layout = Layout::of(&reader.schema())?;
    let mut first_row = 0;
    for batch_no in 0.. {
        let Some(batch) = reader.next() else { break };
        let batch = batch.map_err(|e| stream_error(format!("record batch {batch_no}: {e}")))?;
        decode_batch(&batch, &layout, batch_no, first_row, out)?;
        first_row += batch.num_rows();
    }
    drop(reader);
    if !rest.is_empty() {
        return Err(stream_error(format!(
            "{} bytes after the end-of-stream marker",
            rest.len()
        )));
    }
    Ok(())
}

fn typed<T>(name: &str, r: std::result::Result<T, String>) -> Result<T> {
    r.map_err(|reason| column_error(name, reason))
}

fn decode_batch(
    batch: &RecordBatch,
    layout: &Layout,
    batch_no: usize,
    first_row: usize,
    out: &mut Vec<MetricSample>,
) -> Result<()> {
    let col = |i: usize| batch.column(i);
    let ts = typed("ts", TsCol::new(col(layout.ts)))?;
    let service = typed("service", StrCol::new(col(layout.service)))?;
    let instance = match layout.instance {
        Some(i) => Some(typed("instance", StrCol::new(col(i)))?),
        None => None,
    };
    let metric = typed("metric", StrCol::new(col(layout.metric)))?;
    let value = typed("value", ValCol::new(col(layout.value)))?;
    let labels = match layout.labels {
        Some(i) => Some(typed("labels", LabelsCol::new(col(i)))?),
        None => None,
    };

    let at = |column: &str, row: usize, reason: String| FormatError::ArrowColumn {
        column: column.to_string(),
        batch: Some(batch_no),
        row: Some(first_row + row),
        reason,
    };
    let null = |column: &str, row: usize| at(column, row, "null in a required column".into());
    let non_empty = |column: &str, row: usize, s: &str| {
        if s.trim().is_empty() {
            Err(at(column, row, "must not be empty".into()))
        } else {
            Ok(())
        }
    };

    out.reserve(batch.num_rows());
    for row in 0..batch.num_rows() {
        let ts = ts
            .get(row)
            .ok_or_else(|| null("ts", row))?
            .map_err(|reason| at("ts", row, reason))?;
        let service_v = service.get(row).ok_or_else(|| null("service", row))?;
        non_empty("service", row, service_v)?;
        let metric_v = metric.get(row).ok_or_else(|| null("metric", row))?;
        non_empty("metric", row, metric_v)?;
        let value_v = value.get(row).ok_or_else(|| null("value", row))?;
        if !value_v.is_finite() {
            return Err(at("value", row, format!("must be finite, got {value_v}")));
        }
        let instance_v = instance.as_ref().and_then(|c| c.get(row)).unwrap_or("");
        let labels_v = match &labels {
            Some(c) => c.get(row).map_err(|reason| at("labels", row, reason))?,
            None => Default::default(),
        };
        out.push(MetricSample {
            schema_version: SCHEMA_VERSION,
            ts,
            service: service_v.to_string(),
            instance: instance_v.to_string(),
            metric: metric_v.to_string(),
            value: value_v,
            labels: labels_v,
        });
    }
    Ok(())
}
