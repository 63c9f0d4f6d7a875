//! The benchmark's records, encoded before any clock runs: Arrow IPC
//! batches of one service's samples, or one JSON sample per record, keyed
//! by service.

use std::collections::BTreeMap;

use forewarn_core::Format;
use forewarn_core::contracts::MetricSample;

use crate::error::Result;

/// One record to produce: key, value, samples it carries.
pub(super) type Encoded = (String, Vec<u8>, usize);

/// Records of samples keyed by service, in `format`.
pub(super) struct Encoder {
    format: Format,
    batch: usize,
    pending: BTreeMap<String, Vec<MetricSample>>,
}

impl Encoder {
    /// An encoder of `batch` samples per Arrow record (JSON: one).
    pub(super) fn new(format: Format, batch: usize) -> Self {
        Self {
            format,
            batch: batch.max(1),
            pending: BTreeMap::new(),
        }
    }

    /// Add one sample; a full batch goes to `out`.
    pub(super) fn push(&mut self, s: MetricSample, out: &mut Vec<Encoded>) -> Result<()> {
        if self.format != Format::Arrow {
            out.push((s.service.clone(), serde_json::to_vec(&s)?, 1));
            return Ok(());
        }
        let buf = self.pending.entry(s.service.clone()).or_default();
        buf.push(s);
        if buf.len() >= self.batch {
            let key = buf[0].service.clone();
            out.push((key, forewarn_formats::encode_arrow_ipc(buf), buf.len()));
            buf.clear();
        }
        Ok(())
    }

    /// Every partial batch to `out`.
    pub(super) fn flush(&mut self, out: &mut Vec<Encoded>) {
        for (service, buf) in &mut self.pending {
            if !buf.is_empty() {
                out.push((
                    service.clone(),
                    forewarn_formats::encode_arrow_ipc(buf),
                    buf.len(),
                ));
                buf.clear();
            }
        }
    }
}
