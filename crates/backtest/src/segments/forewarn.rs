//! Forewarn on one machine: `forewarn train` on the train half, then the
//! last `warm_rows` train rows (to fill the windows) and the whole test half
//! replayed through the production scorer. Every opened incident of any
//! kind is an alert, placed at the test row of its detection time.

use std::collections::BTreeMap;
use std::time::Instant;

use forewarn_config::PipelineConfig;
use forewarn_core::contracts::IssueStatus;
use forewarn_scorer::ScorerOptions;
use forewarn_train::{FitConfig, Trainer};
use serde::Serialize;

use super::data::{Layout, Machine};
use crate::error::{Error, Result};
use crate::incidents::{ReplayOptions, replay};

/// How Forewarn is trained and replayed.
#[derive(Debug, Clone)]
pub struct ForewarnOptions {
    /// Train rows replayed before the test half (they warm the windows up;
    /// alerts on them are not counted); `None`: [`warm_rows_for`] the
    /// pipeline.
    pub warm_rows: Option<usize>,
    /// Scorer knobs.
    pub scorer: ScorerOptions,
    /// Training settings beyond the pipeline.
    pub fit: FitConfig,
    /// Training seed.
    pub seed: u64,
}

impl Default for ForewarnOptions {
    fn default() -> Self {
        Self {
            warm_rows: None,
            scorer: ScorerOptions::default(),
            fit: FitConfig::default(),
            seed: 42,
        }
    }
}

/// What Forewarn did on one machine.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ForewarnRun {
    /// Test rows of the opened incidents, ascending.
    pub alerts: Vec<usize>,
    /// Per opened incident (in `alerts` order): how many rows it stayed
    /// open (`None`: still open at the end).
    pub open_rows: Vec<Option<usize>>,
    /// Opened incidents per issue kind.
    pub kinds: BTreeMap<String, usize>,
    /// Opened incidents per model (`NAME/model`).
    pub models: BTreeMap<String, usize>,
    /// Training time, seconds.
    pub train_s: f64,
    /// Replay time, seconds.
    pub replay_s: f64,
}

/// Train rows to replay before the test half at one row per `step_ms`:
/// the pipeline's longest window (to fill it), its anomaly warm-up, and an
/// hour more, so the test half is scored with warm baselines (180 rows for
/// 1-minute rows, a 1 h window and a 1 h warm-up).
pub fn warm_rows_for(pipeline: &PipelineConfig, step_ms: i64) -> usize {
    let window = pipeline.features.longest_window_ms();
    let warmup = pipeline.models.anomaly.warmup.as_millis();
    let ms = window + warmup + 3_600_000;
    (ms / step_ms.max(1)).max(0) as usize
}

/// Train on `m`'s train half and replay its test half.
pub fn run_forewarn(
    pipeline: &PipelineConfig,
    m: &Machine,
    layout: Layout,
    opts: &ForewarnOptions,
) -> Result<ForewarnRun> {
    let detector = |message: String| Error::Detector {
        file: m.name.clone(),
        message,
    };
    let started = Instant::now();
    let trained = Trainer::new(pipeline)
        .config(opts.fit.clone())
        .seed(opts.seed)
        .train_history(&m.train_history(layout, 0), &format!("smd-{}", m.name))
        .map_err(|e| detector(format!("training failed: {e}")))?;
    let train_s = started.elapsed().as_secs_f64();
    let warm_rows = opts
        .warm_rows
        .unwrap_or_else(|| warm_rows_for(pipeline, layout.step_ms));
    let history = m.replay_history(layout, warm_rows);
    let replayed = replay(
        pipeline,
        trained.artifact.model,
        &history,
        &[],
        &ReplayOptions {
            scorer: opts.scorer.clone(),
            progress: false,
        },
    )
    .map_err(|e| detector(format!("scorer: {e}")))?;
    let mut run = ForewarnRun {
        train_s,
        replay_s: replayed.elapsed_s,
        ..ForewarnRun::default()
    };
    let mut opened: Vec<(usize, &str)> = Vec::new();
    let mut resolved: std::collections::HashMap<&str, i64> = Default::default();
    for e in &replayed.events {
        let row = m.test_row(layout, e.detected_at.timestamp_millis());
        match e.status {
            IssueStatus::Open if row >= 0 && (row as usize) < m.test.len() => {
                opened.push((row as usize, e.id.as_str()));
                *run.kinds.entry(format!("{:?}", e.kind)).or_default() += 1;
                *run.models.entry(e.model.name.clone()).or_default() += 1;
            }
            IssueStatus::Resolved => {
                resolved.insert(
                    e.id.as_str(),
                    m.test_row(layout, e.detected_at.timestamp_millis()),
                );
            }
            _ => {}
        }
    }
    opened.sort_unstable();
    for (row, id) in opened {
        run.alerts.push(row);
        run.open_rows
            .push(resolved.get(id).map(|r| (*r - row as i64).max(0) as usize));
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline(warmup: &str) -> PipelineConfig {
        let yaml = include_str!("../../../../pipelines/default.yaml");
        let line = yaml
            .lines()
            .find(|l| l.starts_with("    warmup: ") && !l.contains("30m"))
            .expect("the anomaly warm-up line");
        forewarn_config::load_str(&yaml.replace(line, &format!("    warmup: {warmup}"))).unwrap()
    }

    #[test]
    fn the_replay_covers_the_longest_window_the_warm_up_and_an_hour() {
        // 1 h window + warm-up + 1 h, in 1-minute rows, then 30-second rows.
        assert_eq!(warm_rows_for(&pipeline("1h"), 60_000), 180);
        assert_eq!(warm_rows_for(&pipeline("4h"), 60_000), 360);
        assert_eq!(warm_rows_for(&pipeline("4h"), 30_000), 720);
    }
}
