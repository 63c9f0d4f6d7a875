//! Forewarn's own JSON metric-sample contract: one object per record,
//! decoded and checked by `forewarn_core::decode::decode_metric`, whose
//! errors carry the dotted field path.
//!
//! Most records are well-formed, so they take a fast path first: a
//! hand-written scan of the common shape (`scan`: a flat object, no
//! escapes, no labels), else plain `serde_json` into a borrowing mirror of
//! the contract ([`Sample`]: the names borrow from the record unless they
//! hold escapes), without the path tracking of `serde_path_to_error`; then
//! the same checks (schema version, non-empty names, finite value). A
//! record the fast path refuses
//! is decoded again by `decode_metric`, which names the offending field:
//! the fast path decides nothing on its own, it only skips work for records
//! both accept (a property test holds the two to the same answer).

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use forewarn_core::SCHEMA_VERSION;
use forewarn_core::contracts::MetricSample;
use forewarn_core::decode::{Contract, decode_metric};
use serde::Deserialize;

use crate::error::Result;

/// [`MetricSample`] as it is on the wire, with the same field rules
/// (unknown fields refused, `schema_version`, `instance` and `labels`
/// optional), borrowing its names from the record where it can.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample<'a> {
    #[serde(default = "schema_version")]
    schema_version: u32,
    #[serde(borrow)]
    ts: Cow<'a, str>,
    #[serde(borrow)]
    service: Cow<'a, str>,
    #[serde(borrow, default)]
    instance: Cow<'a, str>,
    #[serde(borrow)]
    metric: Cow<'a, str>,
    value: f64,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

fn schema_version() -> u32 {
    SCHEMA_VERSION
}

/// The sample in `bytes` when it is valid; `None` for any problem, which
/// `decode_metric` then describes. The hand-written scan first (the common
/// shape, see [`scan`]), then `serde_json` into [`Sample`].
pub(crate) fn fast(bytes: &[u8]) -> Option<MetricSample> {
    if let Some(f) = scan::scan(bytes) {
        let version = f.schema_version.unwrap_or(SCHEMA_VERSION);
        let instance = f.instance.unwrap_or_default();
        return checked(
            version,
            f.ts?,
            f.service?,
            instance,
            f.metric?,
            f.value?,
            BTreeMap::new(),
        );
    }
    let s: Sample<'_> = serde_json::from_slice(bytes).ok()?;
    checked(
        s.schema_version,
        &s.ts,
        s.service,
        s.instance,
        s.metric,
        s.value,
        s.labels,
    )
}

/// The sample of these fields when the contract accepts it.
fn checked(
    schema_version: u32,
    ts: &str,
    service: impl Into<String>,
    instance: impl Into<String>,
    metric: impl Into<String>,
    value: f64,
    labels: BTreeMap<String, String>,
) -> Option<MetricSample> {
    if schema_version > SCHEMA_VERSION {
        return None;
    }
    let ts = match utc_seconds(ts) {
        Some(ts) => ts,
        None => ts.parse().ok()?,
    };
    let sample = MetricSample {
        schema_version,
        ts,
        service: service.into(),
        instance: instance.into(),
        metric: metric.into(),
        value,
        labels,
    };
    sample.check().ok()?;
    Some(sample)
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, the form nearly every shipper writes,
/// read without chrono's general parser; `None` for anything else (seconds
/// of 60 included), which chrono then reads as the contract does.
pub(crate) fn utc_seconds(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() < 20
        || (b[4], b[7], b[10], b[13], b[16], b[b.len() - 1]) != (b'-', b'-', b'T', b':', b':', b'Z')
    {
        return None;
    }
    let digit = |i: usize| {
        let d = b[i].wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    let two = |i: usize| Some(digit(i)? * 10 + digit(i + 1)?);
    let year = two(0)? * 100 + two(2)?;
    let (month, day) = (two(5)?, two(8)?);
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    if second > 59 {
        return None;
    }
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            let mut n = 0;
            for i in 0..fraction.len() {
                n = n * 10 + digit(20 + i)?;
            }
            n * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    Some(
        date.and_hms_nano_opt(hour, minute, second, nanos)?
            .and_utc(),
    )
}

pub(crate) fn decode(bytes: &[u8], out: &mut Vec<MetricSample>) -> Result<()> {
    let sample = match fast(bytes) {
        Some(s) => s,
        None => decode_metric(bytes)?,
    };
    out.push(sample);
    Ok(())
}

mod scan;
#[cfg(test)]
mod tests;
