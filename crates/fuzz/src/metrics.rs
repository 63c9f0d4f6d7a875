//! The metric wire formats of the metrics topic, through
//! [`forewarn_formats::decode`] (the scorer's worker calls nothing else on
//! a metrics record): Forewarn JSON, Influx line protocol,
//! prometheus-kafka-adapter JSON and Arrow IPC streams.
//!
//! Every harness checks the decoder's all-or-nothing promise (a refused
//! record appends nothing), and that each accepted sample is one the JSON
//! contract accepts back unchanged (so every format yields the same kind
//! of sample); Arrow also re-encodes what it decoded and reads it again.

use chrono::{TimeZone, Utc};
use forewarn_core::contracts::MetricSample;
use forewarn_formats::{Format, decode, encode_arrow_ipc};

/// A sample already in the output buffer before the record is decoded,
/// as in the worker's reused buffer.
fn sentinel() -> MetricSample {
    MetricSample {
        schema_version: 1,
        ts: Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
        service: "sentinel".into(),
        instance: String::new(),
        metric: "m".into(),
        value: 0.0,
        labels: Default::default(),
    }
}

/// Decode `data` as `format` after one sample already in the buffer;
/// the samples the record carried, if it was accepted.
fn decode_checked(format: Format, data: &[u8]) -> Option<Vec<MetricSample>> {
    let mut out = vec![sentinel()];
    match decode(format, data, &mut out) {
        Ok(n) => {
            assert_eq!(n, out.len() - 1, "{format:?}: count returned vs appended");
            assert_eq!(
                out[0],
                sentinel(),
                "{format:?}: the buffer's sample changed"
            );
            out.remove(0);
            for s in &out {
                same_through_json(s);
            }
            Some(out)
        }
        Err(e) => {
            assert_eq!(
                out,
                vec![sentinel()],
                "{format:?}: refused ({e}) but appended"
            );
            let _ = e.to_string();
            None
        }
    }
}

/// An accepted sample is a valid JSON-contract sample, and reads back
/// equal through it.
fn same_through_json(s: &MetricSample) {
    let json = serde_json::to_vec(s).expect("a sample serializes");
    let mut back = Vec::new();
    match decode(Format::Json, &json, &mut back) {
        Ok(1) => assert_eq!(&back[0], s, "a sample changed through its JSON"),
        other => panic!(
            "a decoded sample is not a valid JSON sample: {other:?}: {}",
            String::from_utf8_lossy(&json)
        ),
    }
}

/// Forewarn's JSON sample. The worker's decoder reads most records on
/// its fast tiers (a hand-written scan, then plain serde) and the rest
/// with the contract decoder; whichever answered, the answer is the
/// contract decoder's, sample for sample and bit for bit.
pub fn metric_json(data: &[u8]) {
    let fast = decode_checked(Format::Json, data);
    if let Some(v) = &fast {
        assert_eq!(v.len(), 1, "a JSON record carries one sample");
    }
    let contract = forewarn_core::decode::decode_metric(data).ok();
    let bits = |s: &MetricSample| s.value.to_bits();
    assert_eq!(
        fast.as_ref().map(|v| (&v[0], bits(&v[0]))),
        contract.as_ref().map(|s| (s, bits(s))),
        "the fast tiers and the contract decoder disagree"
    );
}

/// InfluxDB line protocol (Telegraf).
pub fn influx(data: &[u8]) {
    decode_checked(Format::Influx, data);
}

/// prometheus-kafka-adapter JSON.
pub fn prometheus(data: &[u8]) {
    decode_checked(Format::Prometheus, data);
}

/// Arrow IPC streams; what is decoded re-encodes and decodes the same.
pub fn arrow_ipc(data: &[u8]) {
    let Some(samples) = decode_checked(Format::Arrow, data) else {
        return;
    };
    if samples.is_empty() {
        return;
    }
    let bytes = encode_arrow_ipc(&samples);
    let mut again = Vec::new();
    decode(Format::Arrow, &bytes, &mut again).expect("re-encoded samples decode");
    assert_eq!(
        again, samples,
        "samples changed through an Arrow round trip"
    );
}
