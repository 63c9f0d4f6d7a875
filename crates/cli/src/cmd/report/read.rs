//! Where `forewarn report` reads its entries: JSON-lines files of events,
//! audit logs (their hash chain verified first), and the pipeline's
//! topics on a broker (predictions, outcomes, service events, and the
//! health, latency and error-rate roles' samples from the metrics
//! topic), each topic read from
//! its beginning to its end as of the start, with a progress line on a
//! terminal.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use forewarn_config::PipelineConfig;
use forewarn_core::contracts::{MetricSample, PredictedIssue, RemediationOutcome, ServiceEvent};
use forewarn_kafka::TopicReader;
use forewarn_ledger::{AuditLine, Entry};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::compact::Compactor;

/// How long a topic stays quiet, once its end offsets are reached,
/// before it is taken as read.
const DRAIN: Duration = Duration::from_secs(1);

/// Every event of a JSON-lines file (any contract, or audit lines).
pub(crate) fn events_file(
    path: &Path,
    compactor: &mut Compactor,
    out: &mut Vec<Entry>,
) -> anyhow::Result<()> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    for (i, line) in BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("while reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let e = Entry::from_json(&line)
            .with_context(|| format!("{}:{}: not an event", path.display(), i + 1))?;
        compactor.push(e, out);
    }
    Ok(())
}

/// Every line of an audit log, once its chain (and its length against
/// its head file) is verified, and its MACs when `FOREWARN_AUDIT_KEY` is
/// set.
pub(crate) fn audit_file(path: &Path, out: &mut Vec<Entry>) -> anyhow::Result<()> {
    let key = forewarn_remediate::audit::AuditKey::from_env()?;
    let entries = forewarn_remediate::audit::read_with(path, key.as_ref()).with_context(|| {
        format!(
            "the audit log {} does not verify; a report from it could not be trusted (see `forewarn audit verify {}`)",
            path.display(),
            path.display()
        )
    })?;
    for e in entries {
        // A queued action is recorded again when it starts or is
        // abandoned, and a kill-switch flip is no action: neither is a
        // ledger entry.
        use forewarn_remediate::audit::Phase;
        if matches!(e.phase, Phase::Queued | Phase::Control | Phase::Held) {
            continue;
        }
        let v = serde_json::to_value(&e)?;
        let line: AuditLine = serde_json::from_value(v)
            .with_context(|| format!("{}:{}: unexpected audit entry", path.display(), e.seq))?;
        out.push(Entry::Audit(line));
    }
    Ok(())
}

/// A progress line on stderr when it is a terminal.
fn progress(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>3} {msg} {pos}/{len}") {
        bar.set_style(style);
    }
    bar
}

/// What was read from the broker.
#[derive(Debug, Default)]
pub(crate) struct Read {
    /// Records read, per topic.
    pub(crate) records: Vec<(String, u64)>,
    /// Records that were not events of their topic (skipped).
    pub(crate) unreadable: u64,
}

/// Every entry of the pipeline's topics on `brokers`.
pub(crate) fn topics(
    brokers: &str,
    client: &[(String, String)],
    pipeline: &PipelineConfig,
    quiet: bool,
    compactor: &mut Compactor,
    out: &mut Vec<Entry>,
) -> anyhow::Result<Read> {
    let topics = [
        ("sinks.predictions", pipeline.sinks.predictions.as_str()),
        ("sinks.outcomes", pipeline.sinks.outcomes.as_str()),
        (
            "sinks.service_events",
            pipeline.sinks.service_events.as_str(),
        ),
        ("sources.metrics", pipeline.sources.metrics.topic.as_str()),
    ];
    // Every topic is checked before any is read: one error names them all.
    let mut readers = Vec::new();
    let mut missing = Vec::new();
    for (key, topic) in topics {
        match TopicReader::new(brokers, client, topic) {
            Ok(r) => readers.push((key, topic, r)),
            Err(forewarn_kafka::Error::NoPartitions(_)) => missing.push(format!("{topic} ({key})")),
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("while opening topic {topic} ({key}) on {brokers}"));
            }
        }
    }
    if !missing.is_empty() {
        bail!(
            "missing topic{} on {brokers}: {}; pass --pipeline with the topics your deployment uses, or create them",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        );
    }
    let bar = progress(quiet);
    let mut read = Read::default();
    let roles = [
        pipeline.roles.health.as_bytes(),
        pipeline.roles.latency_p99.as_bytes(),
        pipeline.roles.error_rate.as_bytes(),
    ];
    let format = pipeline.sources.metrics.format;
    let mut samples: Vec<MetricSample> = Vec::new();
    for (key, topic, reader) in readers {
        let ends = reader
            .watermarks(Duration::from_secs(30))
            .with_context(|| format!("while reading the offsets of {topic}"))?;
        let total: i64 = ends.iter().map(|(_, lo, hi)| (hi - lo).max(0)).sum();
        bar.set_length(total.max(0) as u64);
        bar.set_position(0);
        bar.set_message(format!("reading {topic}"));
        let mut next: HashMap<i32, i64> = HashMap::new();
        let done = |next: &HashMap<i32, i64>| {
            ends.iter()
                .all(|(p, lo, hi)| hi <= lo || next.get(p).is_some_and(|n| n >= hi))
        };
        // Past the end offsets, reading goes on until a second passes
        // with nothing: tansu 0.6 reports as high watermark the last
        // record batch's base offset plus one, short of its last record.
        let mut last = Instant::now();
        let mut n = 0u64;
        loop {
            let Some(r) = reader.next(Duration::from_millis(100)) else {
                let idle = last.elapsed();
                if done(&next) && idle > DRAIN {
                    break;
                }
                if idle > Duration::from_secs(30) {
                    bail!(
                        "{topic} ({key}): no record for 30 s before its end offsets were reached"
                    );
                }
                continue;
            };
            last = Instant::now();
            next.insert(r.partition, r.offset + 1);
            n += 1;
            bar.inc(1);
            if n > bar.length().unwrap_or(0) {
                bar.set_length(n);
            }
            let p = &r.payload;
            let entry = match key {
                "sinks.predictions" => serde_json::from_slice::<PredictedIssue>(p)
                    .ok()
                    .map(Entry::Prediction),
                "sinks.outcomes" => serde_json::from_slice::<RemediationOutcome>(p)
                    .ok()
                    .map(Entry::Outcome),
                "sinks.service_events" => serde_json::from_slice::<ServiceEvent>(p)
                    .ok()
                    .map(Entry::Service),
                _ => {
                    // Only the health, latency and error-rate roles' samples
                    // matter; a text record that names none of them is
                    // skipped undecoded.
                    let text = format != forewarn_core::Format::Arrow;
                    let named = |n: &[u8]| !n.is_empty() && p.windows(n.len()).any(|w| w == n);
                    if text && !roles.iter().any(|n| named(n)) {
                        continue;
                    }
                    samples.clear();
                    if forewarn_formats::decode(format, p, &mut samples).is_err() {
                        read.unreadable += 1;
                    }
                    for s in samples.drain(..) {
                        compactor.push(Entry::Sample(s), out);
                    }
                    continue;
                }
            };
            match entry {
                Some(e) => out.push(e),
                None => read.unreadable += 1,
            }
        }
        read.records.push((topic.to_string(), n));
    }
    bar.finish_and_clear();
    Ok(read)
}
