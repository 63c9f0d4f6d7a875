//! `logs.jsonl`: one [`forewarn_core::contracts::LogRecord`] per line, serialised with serde_json,
//! in time order.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::DateTime;

use crate::fleet::log_record;
use crate::logs::emitter::RawLog;
use crate::plan::Plan;
use crate::{Error, Result};

const FLUSH_AT: usize = 1 << 20;

/// Streams log lines to a JSONL file.
#[derive(Debug)]
pub(crate) struct JsonlSink {
    path: PathBuf,
    file: File,
    buf: Vec<u8>,
    plan: Arc<Plan>,
    bytes: u64,
    lines: u64,
}

impl JsonlSink {
    pub(crate) fn create(path: &Path, plan: Arc<Plan>) -> Result<Self> {
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            file,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            plan,
            bytes: 0,
            lines: 0,
        })
    }

    /// Append `logs` (already sorted).
    pub(crate) fn write(&mut self, logs: Vec<RawLog>) -> Result<()> {
        let mut rec = log_record(&self.plan.topology, RawLog::default());
        for l in logs {
            // Reuse the record's string buffers: no allocation per line.
            let svc = &self.plan.topology.services[l.service as usize];
            rec.ts = DateTime::from_timestamp_millis(l.ts_ms).unwrap_or_default();
            rec.service.clone_from(&svc.name);
            rec.instance.clone_from(&svc.instances[l.instance as usize]);
            rec.level = l.level;
            rec.message = l.message;
            serde_json::to_writer(&mut self.buf, &rec).map_err(|source| Error::Json {
                path: self.path.clone(),
                source,
            })?;
            self.buf.push(b'\n');
            self.lines += 1;
            if self.buf.len() >= FLUSH_AT {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        self.file
            .write_all(&self.buf)
            .map_err(|e| Error::io(&self.path, e))?;
        self.bytes += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Flush everything; returns `(bytes, lines)`.
    pub(crate) fn finish(mut self) -> Result<(u64, u64)> {
        self.flush()?;
        self.file
            .sync_data()
            .map_err(|e| Error::io(&self.path, e))?;
        Ok((self.bytes, self.lines))
    }
}
