//! [`decode`], the single entry point that dispatches a record's bytes to
//! the right decoder and enforces all-or-nothing per record. [`Format`]
//! itself lives in `forewarn-core` (one type for pipeline files, decoders
//! and the command line) and is re-exported here.

use forewarn_core::contracts::MetricSample;

use crate::error::{FormatError, Result};
use crate::{arrow_ipc, influx, json, prometheus};

pub use forewarn_core::format::{Format, UnknownFormat};

/// Decodes one record (one Kafka message value) in `format`, appending every
/// sample it carries to `out`, and returns how many were appended.
///
/// All-or-nothing: when an error is returned, `out` is exactly as it was
/// before the call. Never panics on any input.
pub fn decode(format: Format, bytes: &[u8], out: &mut Vec<MetricSample>) -> Result<usize> {
    let start = out.len();
    let result: Result<(), FormatError> = match format {
        Format::Json => json::decode(bytes, out),
        Format::Influx => influx::decode(bytes, out),
        Format::Prometheus => prometheus::decode(bytes, out),
        Format::Arrow => arrow_ipc::decode(bytes, out),
    };
    match result {
        Ok(()) => Ok(out.len() - start),
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}
