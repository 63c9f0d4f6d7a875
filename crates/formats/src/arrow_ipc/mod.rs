//! Arrow IPC streams: one Kafka record is a whole stream (schema message,
//! one or more record batches, end-of-stream marker), each row one sample.
//!
//! Columns, by name (others are ignored):
//! - `ts`: `Timestamp(s|ms|us|ns, any time zone)`, or `Int64` milliseconds.
//! - `service`, `metric`: `Utf8`, `LargeUtf8`, `Utf8View` or a dictionary of
//!   those. Required, no nulls, not empty.
//! - `instance`: same types; optional column, a null is an empty instance.
//! - `value`: `Float64`, `Float32` or `Int64`; no nulls, finite.
//! - `labels`: optional `Map<string, string>`; a null map is no labels.
//!
//! Before the IPC reader runs, every buffer of every batch is checked
//! against its column's layout (`layout`); a stream with a union column
//! is refused.
//!
//! [`encode_arrow_ipc`] writes exactly this layout, so
//! `decode(encode(samples)) == samples`.

mod columns;
mod decode;
mod encode;
mod layout;

pub(crate) use decode::decode;
pub use encode::{encode_arrow_ipc, encode_arrow_ipc_chunked};
