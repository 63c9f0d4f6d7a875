//! [`RecordLimits`]: how large a record, and the identity of a series in
//! it, may be. Everything that names a series (service, instance, metric,
//! label names and values) becomes a key held in memory for as long as the
//! series lives, and is written into every checkpoint: one 5 MB record
//! would otherwise become a 5 MB series label. A record beyond a limit goes
//! to the dead-letter topic (`oversize_record`, `oversize_labels`) with the
//! limit it broke.

use forewarn_core::contracts::{LogRecord, MetricSample};

/// Bounds on one record and on the identity of the series it feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLimits {
    /// Largest record (payload bytes) decoded; beyond it the record is a
    /// dead letter (`oversize_record`) without being parsed.
    pub max_record_bytes: usize,
    /// Most labels on one sample (`oversize_labels` beyond).
    pub max_labels: usize,
    /// Longest service, instance, metric name, label name or label value,
    /// in bytes (`oversize_labels` beyond).
    pub max_label_bytes: usize,
}

/// Default of [`RecordLimits::max_record_bytes`]: 1 MiB (Kafka's own
/// default `message.max.bytes` is about as large).
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1 << 20;
/// Default of [`RecordLimits::max_labels`]: 32.
pub const DEFAULT_MAX_LABELS: usize = 32;
/// Default of [`RecordLimits::max_label_bytes`]: 1 KiB.
pub const DEFAULT_MAX_LABEL_BYTES: usize = 1024;

impl Default for RecordLimits {
    fn default() -> Self {
        Self {
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            max_labels: DEFAULT_MAX_LABELS,
            max_label_bytes: DEFAULT_MAX_LABEL_BYTES,
        }
    }
}

impl RecordLimits {
    /// Why a record of `len` bytes is refused, if it is.
    pub fn record(&self, len: usize) -> Option<String> {
        (len > self.max_record_bytes).then(|| {
            format!(
                "record of {len} bytes is over the limit of {} bytes (--max-record-bytes)",
                self.max_record_bytes
            )
        })
    }

    /// Why `s` is refused, if it is: too many labels, or a name or value
    /// too long.
    pub fn sample(&self, s: &MetricSample) -> Option<String> {
        if s.labels.len() > self.max_labels {
            return Some(format!(
                "{} labels on one sample, over the limit of {} (--max-labels)",
                s.labels.len(),
                self.max_labels
            ));
        }
        let named = [
            ("service", s.service.as_str()),
            ("instance", s.instance.as_str()),
            ("metric", s.metric.as_str()),
        ];
        named
            .into_iter()
            .find_map(|(what, v)| self.text(what, v))
            .or_else(|| {
                s.labels.iter().find_map(|(k, v)| {
                    self.text("label name", k).or_else(|| {
                        // The field's name is only written for a value over the limit.
                        (v.len() > self.max_label_bytes)
                            .then(|| self.text(&format!("label {}", short(k)), v))
                            .flatten()
                    })
                })
            })
    }

    /// Why `r` is refused, if it is: a service or instance name too long.
    pub fn log(&self, r: &LogRecord) -> Option<String> {
        self.text("service", &r.service)
            .or_else(|| self.text("instance", &r.instance))
    }

    fn text(&self, what: &str, v: &str) -> Option<String> {
        (v.len() > self.max_label_bytes).then(|| {
            format!(
                "{what} of {} bytes ({}…) is over the limit of {} bytes (--max-label-bytes)",
                v.len(),
                short(v),
                self.max_label_bytes
            )
        })
    }
}

/// The first few characters of `s`, for a message.
fn short(s: &str) -> &str {
    let end = s.char_indices().nth(24).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_names_itself_and_stays_short() {
        let l = RecordLimits {
            max_record_bytes: 10,
            max_labels: 1,
            max_label_bytes: 4,
        };
        assert!(l.record(10).is_none());
        assert!(l.record(11).unwrap().contains("--max-record-bytes"));
        let mut s: MetricSample = serde_json::from_str(
            r#"{"ts":"2026-01-05T00:00:00Z","service":"api","metric":"m","value":1}"#,
        )
        .unwrap();
        assert!(l.sample(&s).is_none());
        s.labels.insert("k".into(), "é".repeat(100));
        let why = l.sample(&s).unwrap();
        assert!(
            why.contains("label k of 200 bytes") && why.chars().count() < 120,
            "{why}"
        );
        s.labels.insert("j".into(), "v".into());
        assert!(l.sample(&s).unwrap().contains("--max-labels"));
    }
}
