//! The producer side: samples to an Arrow IPC stream with the layout the
//! decoder reads. Service, instance and metric are dictionary-encoded (few
//! distinct values per batch); `ts` is `Timestamp(ns, "UTC")` when every
//! sample fits the nanosecond range (years 1677 to 2262), else
//! `Timestamp(us, "UTC")`.

use std::sync::Arc;

use arrow_array::builder::{MapBuilder, StringBuilder, StringDictionaryBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, Float64Array, RecordBatch, TimestampMicrosecondArray, TimestampNanosecondArray,
};
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{Field, Schema};
use forewarn_core::contracts::MetricSample;

/// Encodes `samples` as one Arrow IPC stream holding a single record batch
/// (no batch at all when `samples` is empty).
///
/// ```
/// use forewarn_formats::{decode, encode_arrow_ipc, Format};
/// let sample = forewarn_core::decode::decode_metric(
///     br#"{"ts":"2026-01-01T00:00:00Z","service":"api","metric":"cpu","value":0.5}"#,
/// ).unwrap();
/// let bytes = encode_arrow_ipc(std::slice::from_ref(&sample));
/// let mut out = Vec::new();
/// assert_eq!(decode(Format::Arrow, &bytes, &mut out).unwrap(), 1);
/// assert_eq!(out, [sample]);
/// ```
pub fn encode_arrow_ipc(samples: &[MetricSample]) -> Vec<u8> {
    encode_arrow_ipc_chunked(samples, samples.len().max(1))
}

/// Encodes `samples` as one Arrow IPC stream of record batches of at most
/// `rows_per_batch` rows (at least 1).
pub fn encode_arrow_ipc_chunked(samples: &[MetricSample], rows_per_batch: usize) -> Vec<u8> {
    let rows_per_batch = rows_per_batch.max(1);
    let nanos = samples.iter().all(|s| s.ts.timestamp_nanos_opt().is_some());
    let batches: Vec<RecordBatch> = samples
        .chunks(rows_per_batch)
        .map(|chunk| batch(chunk, nanos))
        .collect();
    let schema = match batches.first() {
        Some(b) => b.schema(),
        None => batch(&[], nanos).schema(),
    };
    // Writing into a Vec cannot fail, and the batches match the schema they
    // were built with, so these errors are unreachable.
    let mut writer =
        StreamWriter::try_new(Vec::new(), &schema).expect("IPC schema of our own columns");
    for b in &batches {
        writer.write(b).expect("writing a batch into memory");
    }
    writer.into_inner().expect("finishing a stream in memory")
}

fn batch(samples: &[MetricSample], nanos: bool) -> RecordBatch {
    let ts: ArrayRef = if nanos {
        Arc::new(
            TimestampNanosecondArray::from_iter_values(
                samples
                    .iter()
                    .map(|s| s.ts.timestamp_nanos_opt().unwrap_or_default()),
            )
            .with_timezone("UTC"),
        )
    } else {
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(
                samples.iter().map(|s| s.ts.timestamp_micros()),
            )
            .with_timezone("UTC"),
        )
    };
    let dict = |get: fn(&MetricSample) -> &str| -> ArrayRef {
        let mut b = StringDictionaryBuilder::<Int32Type>::new();
        for s in samples {
            b.append_value(get(s));
        }
        Arc::new(b.finish())
    };
    let service = dict(|s| &s.service);
    let instance = dict(|s| &s.instance);
    let metric = dict(|s| &s.metric);
    let value: ArrayRef = Arc::new(Float64Array::from_iter_values(
        samples.iter().map(|s| s.value),
    ));
    let mut labels = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
    for s in samples {
        for (k, v) in &s.labels {
            labels.keys().append_value(k);
            labels.values().append_value(v);
        }
        labels
            .append(true)
            .expect("keys and values appended in pairs");
    }
    let labels: ArrayRef = Arc::new(labels.finish());

    let columns = [
        ("ts", ts),
        ("service", service),
        ("instance", instance),
        ("metric", metric),
        ("value", value),
        ("labels", labels),
    ];
    let schema = Schema::new(
        columns
            .iter()
            .map(|(name, a)| Field::new(*name, a.data_type().clone(), false))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(
        Arc::new(schema),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("columns of equal length without nulls")
}
