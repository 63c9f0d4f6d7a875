//! Input formats of the metrics topic, decoded into
//! [`forewarn_core::contracts::MetricSample`].
//!
//! Agents write metrics to Kafka in their own formats; [`decode`] turns one
//! record (one Kafka message value) of any supported [`Format`] into the
//! samples it carries, appending them to a caller-owned `Vec` so a consumer
//! loop reuses one buffer. Decoding is all-or-nothing per record: on error
//! nothing is appended, and the [`FormatError`] says where the record is bad
//! (JSON path, Influx line and field, Arrow column and row), ready for a
//! dead-letter topic. No decoder panics, whatever the bytes.
//!
//! | [`Format`] | pipeline name | samples per record |
//! |---|---|---|
//! | `Json` | `json` | 1 (Forewarn's contract) |
//! | `Influx` | `influx` | one per numeric field, over one or more lines |
//! | `Prometheus` | `prometheus` | 1 (prometheus-kafka-adapter JSON) |
//! | `Arrow` | `arrow` | one per row of every record batch of an IPC stream |
//!
//! Layout:
//! - [`format`]: [`decode`], and [`Format`] re-exported from `forewarn-core` (the type of `sources.metrics.format` in the
//!   pipeline config too).
//! - [`error`]: the error type, [`FormatError`].
//! - `json`: Forewarn's JSON contract: a fast path for valid records, and
//!   `forewarn_core::decode` for the rest (its errors name the field).
//! - `influx`: InfluxDB line protocol as Telegraf writes it; the mapping of
//!   measurement, fields and tags to samples is documented there.
//! - `prometheus`: prometheus-kafka-adapter's JSON messages.
//! - `arrow_ipc`: Arrow IPC streams, and the producer side
//!   [`encode_arrow_ipc`].
//!
//! ```
//! use forewarn_formats::{decode, Format};
//! let line = b"cpu,service=api,host=web-1 usage_idle=97.5,procs=12i 1700000000000000000\n";
//! let mut out = Vec::new();
//! assert_eq!(decode(Format::Influx, line, &mut out).unwrap(), 2);
//! assert_eq!(out[0].metric, "cpu_usage_idle");
//! assert_eq!(out[0].instance, "web-1");
//! assert!(decode(Format::Influx, b"cpu,service=api idle=1", &mut out).is_err());
//! assert_eq!(out.len(), 2);
//! ```

mod arrow_ipc;
pub mod error;
pub mod format;
mod influx;
mod json;
mod prometheus;

pub use arrow_ipc::{encode_arrow_ipc, encode_arrow_ipc_chunked};
pub use error::{FormatError, Result};
pub use format::{Format, UnknownFormat, decode};
