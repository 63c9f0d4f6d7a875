//! `metrics.csv`: long format `ts,service,instance,metric,value`, written
//! by a non-allocating encoder. The constant part of each row is prepared
//! once, the timestamp once per step, and values are printed from their
//! rounded integer form, so the text parses back to exactly the value
//! stored in Parquet.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat};

use crate::topology::Topology;
use crate::{Error, Metric, Result};

/// The header line.
pub(crate) const CSV_HEADER: &[u8] = b"ts,service,instance,metric,value\n";

const FLUSH_AT: usize = 1 << 20;

/// Streams metric rows to a CSV file.
#[derive(Debug)]
pub(crate) struct CsvSink {
    path: PathBuf,
    file: File,
    buf: Vec<u8>,
    /// `,service,instance,metric,` of each row of a step.
    prefixes: Vec<Vec<u8>>,
    /// Decimal places of each row of a step.
    decimals: Vec<u32>,
    start_ms: i64,
    dt_ms: i64,
    bytes: u64,
}

/// Append `v`, rounded to `decimals` places, in the shortest form
/// (`0.431`, `1073741824`).
pub(crate) fn push_value(buf: &mut Vec<u8>, v: f64, decimals: u32) {
    let scale = 10i64.pow(decimals);
    let n = (v * scale as f64).round() as i64;
    if n < 0 {
        buf.push(b'-');
    }
    let n = n.unsigned_abs();
    let (int, mut frac) = (n / scale as u64, n % scale as u64);
    push_uint(buf, int);
    if frac != 0 {
        let mut width = decimals;
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        buf.push(b'.');
        let mut digits = [b'0'; 20];
        for i in (0..width as usize).rev() {
            digits[i] = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        buf.extend_from_slice(&digits[..width as usize]);
    }
}

fn push_uint(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// RFC 3339 UTC, with fractional seconds only when not whole.
pub(crate) fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn flush(file: &mut File, buf: &mut Vec<u8>, bytes: &mut u64, path: &Path) -> Result<()> {
    file.write_all(buf).map_err(|e| Error::io(path, e))?;
    *bytes += buf.len() as u64;
    buf.clear();
    Ok(())
}

impl CsvSink {
    pub(crate) fn create(path: &Path, topo: &Topology, start_ms: i64, dt_ms: i64) -> Result<Self> {
        let mut file = File::create(path).map_err(|e| Error::io(path, e))?;
        file.write_all(CSV_HEADER).map_err(|e| Error::io(path, e))?;
        let mut prefixes = Vec::new();
        let mut decimals = Vec::new();
        for svc in &topo.services {
            for inst in &svc.instances {
                for m in Metric::ALL {
                    prefixes.push(format!(",{},{},{},", svc.name, inst, m.name()).into_bytes());
                    decimals.push(m.decimals().unsigned_abs());
                }
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            file,
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            prefixes,
            decimals,
            start_ms,
            dt_ms,
            bytes: CSV_HEADER.len() as u64,
        })
    }

    /// Write `steps` steps from `k0`; `values` holds them in row order.
    pub(crate) fn write(&mut self, k0: u64, values: &[f64]) -> Result<()> {
        let rows = self.prefixes.len();
        for (j, step) in values.chunks(rows).enumerate() {
            let ts = rfc3339(self.start_ms + (k0 as i64 + j as i64) * self.dt_ms);
            for ((v, prefix), &d) in step.iter().zip(&self.prefixes).zip(&self.decimals) {
                self.buf.extend_from_slice(ts.as_bytes());
                self.buf.extend_from_slice(prefix);
                push_value(&mut self.buf, *v, d);
                self.buf.push(b'\n');
                if self.buf.len() >= FLUSH_AT {
                    flush(&mut self.file, &mut self.buf, &mut self.bytes, &self.path)?;
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        flush(&mut self.file, &mut self.buf, &mut self.bytes, &self.path)
    }

    /// Flush everything; returns the file size.
    pub(crate) fn finish(mut self) -> Result<u64> {
        self.flush()?;
        self.file
            .sync_data()
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_short_and_parse_back_exactly() {
        for (v, d, s) in [
            (0.4312, 4, "0.4312"),
            (0.431, 4, "0.431"),
            (0.0, 4, "0"),
            (1_073_741_824.0, 0, "1073741824"),
            (12.5, 2, "12.5"),
            (0.00123, 5, "0.00123"),
            (3.0, 2, "3"),
        ] {
            let mut buf = Vec::new();
            push_value(&mut buf, v, d);
            assert_eq!(std::str::from_utf8(&buf).unwrap(), s);
            assert_eq!(s.parse::<f64>().unwrap(), v);
        }
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1500), "1970-01-01T00:00:01.500Z");
    }
}
