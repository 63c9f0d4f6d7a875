//! Replay metric history (and log records, when there are any) through the
//! production scorer in event time: the series are merged by timestamp (a
//! k-way merge, so memory stays that of the history) and each sample goes
//! through [`Scorer::on_metric`], each log record through
//! [`Scorer::on_log`], exactly as the Kafka consumer feeds them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::IsTerminal;
use std::time::Instant;

use chrono::DateTime;
use forewarn_config::PipelineConfig;
use forewarn_core::contracts::OptimizationEvent;
use forewarn_core::contracts::{LogRecord, MetricSample, PredictedIssue};
use forewarn_models::artifact::Model;
use forewarn_scorer::{Events, Scorer, ScorerOptions};
use forewarn_train::History;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Alert;

/// How to replay.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// Scorer knobs (evaluation cadence, series cap, model name on events).
    pub scorer: ScorerOptions,
    /// Draw a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
}

/// What a replay produced.
#[derive(Debug, Clone)]
pub struct Replay {
    /// Every event the scorer published, in order.
    pub events: Vec<PredictedIssue>,
    /// Every optimization event, in order.
    pub optimizations: Vec<OptimizationEvent>,
    /// The opened incidents among them.
    pub alerts: Vec<Alert>,
    /// Samples fed to the scorer.
    pub samples: u64,
    /// Samples the feature engine refused (series cap reached).
    pub rejected: u64,
    /// Wall time of the replay, seconds.
    pub elapsed_s: f64,
}

pub(crate) fn progress_bar(enabled: bool, len: u64, message: &'static str) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:>18} [{bar:30}] {human_pos}/{human_len} ({elapsed}, eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// Every sample of `history` in event time (ties in series-key order),
/// NaN values skipped, as the contract's [`MetricSample`]s.
pub fn samples_in_time_order(history: &History) -> impl Iterator<Item = MetricSample> + '_ {
    let mut heap: BinaryHeap<Reverse<(i64, usize, usize)>> = history
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
        .map(|(i, s)| Reverse((s.ts[0], i, 0)))
        .collect();
    std::iter::from_fn(move || {
        loop {
            let Reverse((ts, si, pi)) = heap.pop()?;
            let series = &history.series[si];
            if pi + 1 < series.len() {
                heap.push(Reverse((series.ts[pi + 1], si, pi + 1)));
            }
            let value = series.values[pi];
            if !value.is_finite() {
                continue;
            }
            return Some(MetricSample {
                schema_version: forewarn_core::contracts::SCHEMA_VERSION,
                ts: DateTime::from_timestamp_millis(ts).unwrap_or_default(),
                service: series.key.service.clone(),
                instance: series.key.instance.clone(),
                metric: series.key.metric.clone(),
                value,
                labels: series.key.labels.clone(),
            });
        }
    })
}

/// Replay `history` through a fresh scorer for `pipeline` and `model`,
/// with `logs` (in event-time order; each goes in before the metric
/// samples of its timestamp and later).
pub fn replay(
    pipeline: &PipelineConfig,
    model: Model,
    history: &History,
    logs: &[LogRecord],
    opts: &ReplayOptions,
) -> Result<Replay, forewarn_scorer::Error> {
    let started = Instant::now();
    let mut scorer = Scorer::new(pipeline.clone(), model, opts.scorer.clone())?;
    let bar = progress_bar(opts.progress, history.samples(), "replaying");
    let mut events = Events::default();
    let (mut samples, mut rejected) = (0u64, 0u64);
    let mut logs = logs.iter().peekable();
    for s in samples_in_time_order(history) {
        while let Some(l) = logs.next_if(|l| l.ts <= s.ts) {
            scorer.on_log(l, &mut events);
        }
        samples += 1;
        if samples % 65_536 == 0 {
            bar.set_position(samples);
        }
        if scorer.on_metric(&s, &mut events).is_err() {
            rejected += 1;
        }
    }
    for l in logs {
        scorer.on_log(l, &mut events);
    }
    bar.finish_and_clear();
    let alerts = events.issues.iter().filter_map(Alert::from_event).collect();
    Ok(Replay {
        events: events.issues,
        optimizations: events.optimizations,
        alerts,
        samples,
        rejected,
        elapsed_s: started.elapsed().as_secs_f64(),
    })
}
