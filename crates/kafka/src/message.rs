//! rdkafka's messages as plain [`Record`]s. [`to_record`] copies one into
//! a new record; [`copy_into`] reuses a record's buffers (its topic, key
//! and payload keep their capacity), which a consumer of millions of small
//! records calls instead: four allocations and frees per record were a
//! tenth of the scorer's thread on one-sample JSON records. Headers are
//! read only when asked for: librdkafka parses them on request, and
//! allocates an empty list for a record that has none.

use rdkafka::message::{BorrowedMessage, Headers as _, Message};

use crate::record::Record;

/// A message as a new [`Record`] (bytes copied; headers when `headers`).
pub(crate) fn to_record(m: &BorrowedMessage<'_>, headers: bool) -> Record {
    let mut r = Record {
        topic: String::new(),
        partition: 0,
        offset: 0,
        key: Vec::new(),
        payload: Vec::new(),
        headers: Vec::new(),
        timestamp_ms: None,
    };
    copy_into(m, &mut r, headers);
    r
}

/// Copy `m` into `out`, reusing its buffers; its headers too when
/// `headers`, else `out.headers` is left empty.
pub(crate) fn copy_into(m: &BorrowedMessage<'_>, out: &mut Record, headers: bool) {
    out.topic.clear();
    out.topic.push_str(m.topic());
    out.partition = m.partition();
    out.offset = m.offset();
    out.key.clear();
    out.key.extend_from_slice(m.key().unwrap_or_default());
    out.payload.clear();
    out.payload
        .extend_from_slice(m.payload().unwrap_or_default());
    out.headers.clear();
    if headers && let Some(h) = m.headers() {
        out.headers.extend(
            h.iter()
                .map(|h| (h.key.to_string(), h.value.unwrap_or_default().to_vec())),
        );
    }
    out.timestamp_ms = m.timestamp().to_millis();
}
