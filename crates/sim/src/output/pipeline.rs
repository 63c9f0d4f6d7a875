//! The streaming pipeline behind [`super::simulate`]: the generator fills
//! blocks on the calling thread (plus its helpers); Parquet row groups are
//! encoded and compressed by a pool of threads and written in order by a
//! writer thread; CSV and JSONL have a writer thread each. Every channel is
//! bounded, so memory holds a few blocks at most; a writer that fails drops
//! its receiver, which stops the producer at its next send.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::ScopedJoinHandle;

use indicatif::ProgressBar;

use super::csv::CsvSink;
use super::jsonl::JsonlSink;
use super::parquet::{EncodedGroup, ParquetEncoder, ParquetFile};
use crate::engine::Generator;
use crate::logs::emitter::RawLog;
use crate::{Error, Result};

/// Values of one block: sequence number, first step, values.
type Values = (u64, u64, Arc<Vec<f64>>);

/// What the writers produced: Parquet bytes, CSV bytes, JSONL (bytes, lines).
pub(crate) type Written = (Option<u64>, Option<u64>, Option<(u64, u64)>);

/// The enabled outputs.
#[derive(Debug)]
pub(crate) struct Outputs {
    pub(crate) parquet: Option<(ParquetEncoder, ParquetFile)>,
    pub(crate) csv: Option<CsvSink>,
    pub(crate) jsonl: Option<JsonlSink>,
    /// Parquet encoder threads.
    pub(crate) encoders: usize,
}

fn join<R>(name: &str, h: ScopedJoinHandle<'_, Result<R>>) -> Result<R> {
    h.join()
        .map_err(|_| Error::Internal(format!("the {name} writer panicked")))?
}

/// Encoder thread: take blocks from the shared queue until it closes.
fn encode_loop(
    rx: &Mutex<Receiver<Values>>,
    encoder: &ParquetEncoder,
    tx: &std::sync::mpsc::SyncSender<(u64, Result<EncodedGroup>)>,
) {
    loop {
        let next = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok((seq, k0, values)) = next else { return };
        let values = Arc::try_unwrap(values).unwrap_or_else(|v| v.as_ref().clone());
        let group = encoder.encode(k0, values);
        if tx.send((seq, group)).is_err() {
            return;
        }
    }
}

/// Write row groups in sequence order as they arrive from the encoders.
fn write_loop(rx: Receiver<(u64, Result<EncodedGroup>)>, mut file: ParquetFile) -> Result<u64> {
    let mut pending = BTreeMap::new();
    let mut next = 0;
    for (seq, group) in rx {
        pending.insert(seq, group?);
        while let Some(group) = pending.remove(&next) {
            file.write(&group)?;
            next += 1;
        }
    }
    file.finish()
}

/// Generate every block and feed the outputs; returns what they wrote.
pub(crate) fn run(
    generator: &mut Generator,
    block_steps: usize,
    out: Outputs,
    pb: &ProgressBar,
) -> Result<Written> {
    let Outputs {
        parquet,
        csv,
        jsonl,
        encoders,
    } = out;
    std::thread::scope(|s| -> Result<Written> {
        let mut pq_tx = None;
        let mut pq_writer = None;
        if let Some((encoder, file)) = parquet {
            let (tx, rx) = sync_channel::<Values>(1);
            let rx = Arc::new(Mutex::new(rx));
            let (enc_tx, enc_rx) = sync_channel(encoders.max(1));
            let encoder = Arc::new(encoder);
            for _ in 0..encoders.max(1) {
                let (rx, enc_tx, encoder) = (Arc::clone(&rx), enc_tx.clone(), Arc::clone(&encoder));
                s.spawn(move || encode_loop(&rx, &encoder, &enc_tx));
            }
            pq_writer = Some(s.spawn(move || write_loop(enc_rx, file)));
            pq_tx = Some(tx);
        }
        let mut csv_tx = None;
        let csv_writer = csv.map(|mut sink| {
            let (tx, rx) = sync_channel::<Values>(1);
            csv_tx = Some(tx);
            s.spawn(move || {
                for (_, k0, v) in rx {
                    sink.write(k0, &v)?;
                }
                sink.finish()
            })
        });
        let mut log_tx = None;
        let log_writer = jsonl.map(|mut sink| {
            let (tx, rx) = sync_channel::<Vec<RawLog>>(2);
            log_tx = Some(tx);
            s.spawn(move || {
                for logs in rx {
                    sink.write(logs)?;
                }
                sink.finish()
            })
        });
        let mut seq = 0;
        while let Some(block) = generator.next_block(block_steps) {
            let values = Arc::new(block.values);
            let mut ok = true;
            if let Some(tx) = &csv_tx {
                ok &= tx.send((seq, block.k0, Arc::clone(&values))).is_ok();
            }
            if let Some(tx) = &pq_tx {
                ok &= tx.send((seq, block.k0, values)).is_ok();
            }
            if let Some(tx) = &log_tx {
                ok &= tx.send(block.logs).is_ok();
            }
            seq += 1;
            pb.inc(block.steps as u64);
            if !ok {
                break;
            }
        }
        drop((pq_tx, csv_tx, log_tx));
        let pq = pq_writer.map(|h| join("Parquet", h)).transpose()?;
        let cs = csv_writer.map(|h| join("CSV", h)).transpose()?;
        let js = log_writer.map(|h| join("JSONL", h)).transpose()?;
        Ok((pq, cs, js))
    })
}
