//! [`Trainer`] and [`train`]: read history, fold every used series once
//! through the feature engine, fit the trend forecasters and the cluster
//! models, and put them into an [`Artifact`] with its [`Metadata`]. Saving
//! is left to the caller (`artifact.save_next(models_dir)`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use forewarn_config::PipelineConfig;
use forewarn_core::HumanDuration;
use forewarn_features::{CompiledSpec, Feature};
use forewarn_models::artifact::{Artifact, Metadata, Model, TrainingData};

use crate::error::{Error, Result};
use crate::fit::anomaly::vectors::{VectorPlan, assemble, snapshot_plans};
use crate::fit::anomaly::{self, AnomalyFits};
use crate::fit::config::FitConfig;
use crate::fit::trend::eval::TrendSeries;
use crate::fit::trend::scale::scale_of;
use crate::fit::trend::{self, MetricFit, select};
use crate::fold::{Folded, TracePlan, fold_series};
use crate::history::{self, History, rfc3339};
use crate::parallel;
use crate::progress::Progress;
use crate::stats::median_gap;
use crate::summary::{TrainSummary, metrics};

/// A trained model and the summary of how it was trained.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The artifact, not saved yet (`dir` is empty).
    pub artifact: Artifact,
    /// What was read and fitted.
    pub summary: TrainSummary,
}

/// Train with the defaults of [`FitConfig`]: read `files` (CSV or Parquet;
/// directories are expanded as by [`history::expand`]), fit, and return the
/// unsaved artifact named `name`.
pub fn train(
    pipeline: &PipelineConfig,
    files: &[PathBuf],
    name: &str,
    seed: u64,
    progress: bool,
) -> Result<Artifact> {
    Trainer::new(pipeline)
        .seed(seed)
        .progress(progress)
        .train_files(files, name)
        .map(|t| t.artifact)
}

/// A configured training run.
#[derive(Debug, Clone)]
pub struct Trainer<'a> {
    pipeline: &'a PipelineConfig,
    config: FitConfig,
    seed: u64,
    progress: bool,
}

impl<'a> Trainer<'a> {
    /// A run for `pipeline` with the default [`FitConfig`], seed 0 and no
    /// progress bar.
    pub fn new(pipeline: &'a PipelineConfig) -> Self {
        Self {
            pipeline,
            config: FitConfig::default(),
            seed: 0,
            progress: false,
        }
    }

    /// Use `config`.
    pub fn config(mut self, config: FitConfig) -> Self {
        self.config = config;
        self
    }

    /// Seed every random choice with `seed`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Draw a progress bar on stderr (when it is a terminal).
    pub fn progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }

    /// Read `files` and train.
    pub fn train_files(&self, files: &[PathBuf], name: &str) -> Result<Trained> {
        check_name(name)?;
        let started = Instant::now();
        let files = history::expand(files)?;
        let bar = Progress::new(self.progress);
        bar.stage("reading", files.len() as u64);
        let history = history::read_with(&files, |_| bar.step());
        let history = history.inspect_err(|_| bar.finish())?;
        tracing::info!(
            files = files.len(),
            rows = history.rows,
            series = history.series.len(),
            "History read."
        );
        let read_s = started.elapsed().as_secs_f64();
        let mut trained = self.run(&history, name, &bar);
        bar.finish();
        if let Ok(t) = trained.as_mut() {
            t.summary.read_s = read_s;
        }
        trained
    }

    /// Train on history already in memory.
    pub fn train_history(&self, history: &History, name: &str) -> Result<Trained> {
        check_name(name)?;
        let bar = Progress::new(self.progress);
        let trained = self.run(history, name, &bar);
        bar.finish();
        trained
    }

    fn run(&self, history: &History, name: &str, bar: &Progress) -> Result<Trained> {
        let problems = self.config.problems();
        if !problems.is_empty() {
            return Err(Error::Config(problems.join("; ")));
        }
        let spec = self.pipeline.features.compile().map_err(|p| {
            Error::Config(
                p.iter()
                    .map(|p| format!("features.{}: {}", p.path, p.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        let (from, to) = history
            .time_range()
            .ok_or_else(|| Error::Empty("the history holds no samples".into()))?;
        check_interval(&spec, history)?;
        let cfg = &self.config;
        let workers = cfg.workers();

        // Plans: which series feed which model.
        let targets = select::targets(self.pipeline, history, &spec, &cfg.trend);
        let vplan = VectorPlan::new(&spec, self.pipeline, &cfg.anomaly)?;
        let snaps = snapshot_plans(
            history,
            &vplan,
            &cfg.anomaly,
            Some(cfg.anomaly.max_rows_per_service),
        );
        let trace = TracePlan {
            se_index: longest_slope_se(&spec),
            eval_every: cfg.trend.eval_every,
            warmup_ms: self.pipeline.models.trend.min_history.as_millis(),
        };
        let mut traced = vec![false; history.series.len()];
        for t in &targets {
            t.series.iter().for_each(|i| traced[*i] = true);
        }

        // One fold per used series.
        let fold_start = Instant::now();
        bar.stage("folding series", history.series.len() as u64);
        let folded: Vec<Folded> = parallel::map(history.series.len(), workers, |i| {
            let f = if snaps[i].is_some() || traced[i] {
                fold_series(
                    &spec,
                    &history.series[i],
                    snaps[i].as_ref(),
                    traced[i].then_some(&trace),
                )
            } else {
                Folded::default()
            };
            bar.step();
            f
        });
        let fold_s = fold_start.elapsed().as_secs_f64();
        let series_folded = (0..folded.len())
            .filter(|i| snaps[*i].is_some() || traced[*i])
            .count();
        let applied: u64 = folded.iter().map(|f| f.stats.applied).sum();
        let skipped: u64 = folded
            .iter()
            .map(|f| {
                let s = f.stats;
                s.duplicates
                    + s.counters_primed
                    + s.non_finite
                    + s.too_late
                    + s.counter_out_of_order
            })
            .sum();
        tracing::info!(series = series_folded, seconds = fold_s, "Series folded.");

        // Trend.
        let fit_start = Instant::now();
        bar.stage("fitting trends", targets.len() as u64);
        let mut trend_fits: BTreeMap<String, MetricFit> = BTreeMap::new();
        let line_ms = spec.spec.longest_window_ms();
        for t in &targets {
            let series: Vec<TrendSeries> = t
                .series
                .iter()
                .filter_map(|&i| {
                    let s = &history.series[i];
                    let tr = folded[i].trace.clone()?;
                    let (scale, _) = scale_of(self.pipeline, history, t.rule, s);
                    let tolerance = (2 * median_gap(&tr.ts)).max(60_000);
                    Some(TrendSeries::new(
                        tr,
                        scale,
                        cfg.trend.horizon_ms,
                        tolerance,
                        line_ms,
                    ))
                })
                .collect();
            if let Some(fit) = trend::fit_metric(&cfg.trend, step_s(&spec), &series, workers) {
                trend_fits.insert(t.metric.clone(), fit);
            }
            bar.step();
        }
        let trend_s = fit_start.elapsed().as_secs_f64();
        let fits: Vec<MetricFit> = trend_fits.values().cloned().collect();
        let default_trend = trend::fit_default(&cfg.trend, step_s(&spec), &fits);

        // Anomaly.
        let vectors = assemble(
            history,
            &folded,
            &vplan,
            &cfg.anomaly,
            Some(cfg.anomaly.max_rows_per_service),
        );
        drop(folded);
        bar.stage("fitting clusters", vectors.len() as u64 + 1);
        let anomaly: AnomalyFits =
            anomaly::fit_all(&vectors, &cfg.anomaly, self.seed, workers, || bar.step())?;
        let fit_s = fit_start.elapsed().as_secs_f64();
        if anomaly.services.is_empty() && anomaly.fallback.is_none() {
            let got: Vec<String> = vectors
                .iter()
                .map(|(s, v)| format!("{s} {}", v.len()))
                .collect();
            return Err(Error::NoModel {
                min_rows: cfg.anomaly.min_rows,
                got: if got.is_empty() {
                    "none".into()
                } else {
                    got.join(", ")
                },
            });
        }
        tracing::info!(
            trend_metrics = trend_fits.len(),
            services = anomaly.services.len(),
            fallback = anomaly.fallback.is_some(),
            seconds = fit_s,
            "Models fitted."
        );

        let model = Model {
            trend: trend_fits
                .iter()
                .map(|(m, f)| (m.clone(), f.params))
                .collect(),
            default_trend,
            services: anomaly
                .services
                .iter()
                .map(|(s, f)| (s.clone(), f.model.clone()))
                .collect(),
            fallback: anomaly.fallback.as_ref().map(|f| f.model.clone()),
        };
        let metadata = Metadata {
            name: name.to_string(),
            version: 0,
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            feature_spec_hash: self.pipeline.features.hash(),
            seed: self.seed,
            training: TrainingData {
                files: history.files.clone(),
                hash: history.hash.clone(),
                rows: history.rows,
                series: series_folded as u64,
                from: rfc3339(from),
                to: rfc3339(to),
            },
            metrics: metrics(cfg.trend.horizon_ms, &trend_fits, &anomaly),
        };
        let mut summary = summary(
            &metadata,
            history.series.len(),
            (applied, skipped),
            fold_s,
            fit_s,
        );
        summary.trend_s = trend_s;
        summary.set_fits(&trend_fits, &anomaly);
        Ok(Trained {
            artifact: Artifact {
                dir: PathBuf::new(),
                metadata,
                model,
            },
            summary,
        })
    }
}

fn summary(
    metadata: &Metadata,
    series: usize,
    (applied, skipped): (u64, u64),
    fold_s: f64,
    fit_s: f64,
) -> TrainSummary {
    TrainSummary {
        name: metadata.name.clone(),
        files: metadata.training.files.clone(),
        rows: metadata.training.rows,
        series: series as u64,
        series_folded: metadata.training.series,
        samples_applied: applied,
        samples_skipped: skipped,
        from: metadata.training.from.clone(),
        to: metadata.training.to.clone(),
        trend: Vec::new(),
        services: Vec::new(),
        fallback: None,
        skipped_services: BTreeMap::new(),
        read_s: 0.0,
        fold_s,
        fit_s,
        trend_s: 0.0,
    }
}

/// A model name must be one path component.
/// Refuse history sampled more sparsely than a window of the pipeline:
/// that window would hold at most one sample, so the model would learn
/// (and the scorer see) single values where the pipeline promises a
/// window, and nothing else would say so. The history's interval is the
/// median of its series' median gaps. Warn when it is far from
/// `features.expected_interval` (`missing_ratio` and the trend step count
/// against that).
fn check_interval(spec: &CompiledSpec, history: &History) -> Result<()> {
    let mut gaps: Vec<i64> = history
        .series
        .iter()
        .map(|s| median_gap(&s.ts))
        .filter(|g| *g > 0)
        .collect();
    if gaps.is_empty() {
        return Ok(());
    }
    gaps.sort_unstable();
    let gap = gaps[gaps.len() / 2];
    let every = HumanDuration::from_millis(gap);
    let short: Vec<&str> = spec
        .spec
        .windows
        .iter()
        .filter(|w| w.length.as_millis() < gap)
        .map(|w| w.name.as_str())
        .collect();
    if !short.is_empty() {
        return Err(Error::Config(format!(
            "the history is sampled every {every} (the median gap of its {} series), but the pipeline's window(s) {} are shorter: each would hold at most one sample. Set features.expected_interval: {every} and leave out the windows shorter than it",
            gaps.len(),
            short.join(", ")
        )));
    }
    let expected = spec.spec.expected_interval.as_millis();
    if gap > 2 * expected || 2 * gap < expected {
        tracing::warn!(
            "the history is sampled every {every}, the pipeline's features.expected_interval is {}: missing_ratio and the trend step count against the latter; set it to {every}",
            spec.spec.expected_interval
        );
    }
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    let p = Path::new(name);
    if name.is_empty() || p.components().count() != 1 || p.file_name().is_none() {
        return Err(Error::Config(format!(
            "model name {name:?} must be a single directory name, e.g. `default`"
        )));
    }
    Ok(())
}

/// The reference step of the trend parameters: the spec's sampling interval.
fn step_s(spec: &CompiledSpec) -> f64 {
    spec.spec.expected_interval.as_secs_f64().max(1e-3)
}

/// Position of the longest window's `slope_stderr`, if computed.
fn longest_slope_se(spec: &CompiledSpec) -> Option<usize> {
    let longest = spec
        .spec
        .windows
        .iter()
        .max_by_key(|w| w.length.as_millis())?;
    spec.index_of(&longest.name, Feature::SlopeStderr)
}
