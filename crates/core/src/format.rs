//! [`Format`]: the wire formats a metrics topic can carry. One type for the
//! pipeline file (`sources.metrics.format`), the decoders of
//! `forewarn-formats` and the command line (`--format`, with the `clap`
//! feature).

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Wire format of the records of a metrics topic. Spelled `json`,
/// `influx`, `prometheus`, `arrow` in files and on the command line;
/// `prometheus_json` and `arrow_ipc` are accepted as aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Forewarn's own metric-sample contract, one JSON object per record
    /// (see [`crate::contracts::MetricSample`]).
    Json,
    /// InfluxDB line protocol as Telegraf's Kafka output writes it: one or
    /// more lines per record, each line one or more fields.
    Influx,
    /// The JSON that prometheus-kafka-adapter writes, one sample per record.
    #[serde(alias = "prometheus_json")]
    #[cfg_attr(feature = "clap", value(alias = "prometheus_json"))]
    Prometheus,
    /// An Arrow IPC stream (schema, record batches, end-of-stream marker)
    /// per record: many samples in one message.
    #[serde(alias = "arrow_ipc")]
    #[cfg_attr(feature = "clap", value(alias = "arrow_ipc"))]
    Arrow,
}

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 4] = [Self::Json, Self::Influx, Self::Prometheus, Self::Arrow];

    /// The name used in pipeline files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Influx => "influx",
            Self::Prometheus => "prometheus",
            Self::Arrow => "arrow",
        }
    }
}

impl Default for Format {
    /// `json`: what most shippers send.
    fn default() -> Self {
        Self::Json
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
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Self::Json),
            "influx" => Ok(Self::Influx),
            "prometheus" | "prometheus_json" => Ok(Self::Prometheus),
            "arrow" | "arrow_ipc" => Ok(Self::Arrow),
            other => Err(UnknownFormat(other.to_string())),
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
