//! Integration tests of `forewarn_formats::decode`: realistic payloads of
//! every format, every error path (an error, a useful message, nothing
//! appended), Arrow round trips, and a property that no byte string makes
//! any decoder panic.

mod arrow;
mod influx;
mod json;
mod never_panics;
mod prometheus;

use forewarn_core::contracts::MetricSample;
use forewarn_formats::{Format, FormatError, decode};

/// A sentinel sample already in the buffer: decoders must append after it
/// and never touch it.
pub(crate) fn sentinel() -> MetricSample {
    forewarn_core::decode::decode_metric(
        br#"{"ts":"2026-01-01T00:00:00Z","service":"sentinel","metric":"m","value":1}"#,
    )
    .unwrap()
}

/// Decodes into a buffer holding a sentinel; returns the new samples.
pub(crate) fn ok(format: Format, bytes: &[u8]) -> Vec<MetricSample> {
    let mut out = vec![sentinel()];
    let n = decode(format, bytes, &mut out).unwrap_or_else(|e| panic!("{format}: {e}"));
    assert_eq!(n, out.len() - 1);
    assert_eq!(out[0], sentinel());
    out.split_off(1)
}

/// Decodes expecting an error; checks nothing was appended.
pub(crate) fn err(format: Format, bytes: &[u8]) -> FormatError {
    let mut out = vec![sentinel()];
    let e = decode(format, bytes, &mut out).expect_err("expected an error");
    assert_eq!(out, [sentinel()], "{format}: samples appended despite {e}");
    assert_eq!(e.format(), format);
    e
}
