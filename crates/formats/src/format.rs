//! [`Format`], the wire formats of the metrics topic, and [`decode`], the
//! single entry point that dispatches a record's bytes to the right decoder
//! and enforces all-or-nothing per record.

use std::fmt;
use std::str::FromStr;

use forewarn_core::contracts::MetricSample;
use serde::{Deserialize, Serialize};

use crate::error::{FormatError, Result};
use crate::{arrow_ipc, influx, json, prometheus};

/// Wire format of the records of a metrics topic.
///
/// Variant names and their serde spelling (`json`, `influx`, `prometheus`,
/// `arrow`) are the same as `forewarn_config::pipeline::Format`, the type of
/// `sources.metrics.format` in a pipeline file, so the two map one to one:
/// `Json ↔ Json`, `Influx ↔ Influx`, `Prometheus ↔ Prometheus`,
/// `Arrow ↔ Arrow` (a `match`, or a serde round trip through the name).
/// `prometheus_json` and `arrow_ipc` are accepted as aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Forewarn's own metric-sample contract, one JSON object per record
    /// (see `forewarn_core::contracts::MetricSample`).
    Json,
    /// InfluxDB line protocol as Telegraf's Kafka output writes it: one or
    /// more lines per record, each line one or more fields.
    Influx,
    /// The JSON that prometheus-kafka-adapter writes, one sample per record.
    #[serde(alias = "prometheus_json")]
    Prometheus,
    /// An Arrow IPC stream (schema, record batches, end-of-stream marker)
    /// per record.
    #[serde(alias = "arrow_ipc")]
    Arrow,
}

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 4] = [Self::Json, Self::Influx, Self::Prometheus, Self::Arrow];

    /// The name used in pipeline files.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Influx => "influx",
            Self::Prometheus => "prometheus",
            Self::Arrow => "arrow",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of the [`Format`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown metrics format `{0}`; expected json, influx, prometheus or arrow")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "influx" => Ok(Self::Influx),
            "prometheus" | "prometheus_json" => Ok(Self::Prometheus),
            "arrow" | "arrow_ipc" => Ok(Self::Arrow),
            other => Err(UnknownFormat(other.to_string())),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_from_str() {
        for f in Format::ALL {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.name()));
            assert_eq!(serde_json::from_str::<Format>(&json).unwrap(), f);
            assert_eq!(f.name().parse::<Format>().unwrap(), f);
        }
        assert_eq!(
            serde_json::from_str::<Format>("\"arrow_ipc\"").unwrap(),
            Format::Arrow
        );
        assert!(
            "csv"
                .parse::<Format>()
                .unwrap_err()
                .to_string()
                .contains("csv")
        );
    }
}
