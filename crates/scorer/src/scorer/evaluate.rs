//! The one internal interface of the scorer's models: an [`Evaluator`]
//! takes each accepted sample into its state of the series
//! ([`Evaluator::update`], beside the windows), and when that made it due,
//! evaluates ([`Evaluator::evaluate`]) with a [`Ctx`]: the sample, its
//! route and instance, the feature windows, the signal [`Stamp`], the
//! advisor; the beliefs worth it come out as [`Signal`]s. A new model is a
//! new file implementing this trait and one line in the scorer's list of
//! evaluators.

use std::fmt;

use forewarn_config::PipelineConfig;
use forewarn_core::contracts::OptimizationEvent;
use forewarn_features::{CompiledSpec, Feature, FeatureEngine, SeriesRef};
use forewarn_models::artifact::Model;

use super::options::ScorerOptions;
use super::route::Route;
use super::signal::Stamp;
use super::state::{InstanceState, SeriesState};
use crate::error::Result;
use crate::incidents::Signal;
use crate::optimize::Advisor;

/// One accepted sample of a series.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample<'a> {
    /// The series.
    pub(crate) series: SeriesRef<'a>,
    /// Event time, ms.
    pub(crate) ts: i64,
    /// The value.
    pub(crate) value: f64,
    /// Whether it is a per-minute log feature (no cluster evaluation).
    pub(crate) from_logs: bool,
}

/// What evaluators are built from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setup<'a> {
    pub(crate) pipeline: &'a PipelineConfig,
    pub(crate) model: &'a Model,
    /// The pipeline's compiled feature spec.
    pub(crate) spec: &'a CompiledSpec,
    pub(crate) opts: &'a ScorerOptions,
}

/// What an evaluator sees when it evaluates a sample.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub(crate) sample: Sample<'a>,
    pub(crate) route: &'a Route,
    /// The sample's (service, instance).
    pub(crate) instance: &'a mut InstanceState,
    pub(crate) engine: &'a mut FeatureEngine<SeriesState>,
    pub(crate) windows: &'a mut Windows,
    pub(crate) stamp: &'a Stamp,
    pub(crate) pipeline: &'a PipelineConfig,
    pub(crate) advisor: &'a mut Advisor,
    /// Optimization advice given while evaluating.
    pub(crate) optimizations: &'a mut Vec<OptimizationEvent>,
}

/// One model of the scorer.
pub(crate) trait Evaluator: fmt::Debug {
    /// Built for a pipeline and model (once per scorer).
    fn new(setup: &Setup<'_>) -> Result<Self>
    where
        Self: Sized;

    /// Take an accepted sample into this model's state of its series
    /// (`series`, kept beside the windows), and note whether the model is
    /// due to evaluate it.
    fn update(&mut self, series: &mut SeriesState, route: &Route, sample: &Sample<'_>);

    /// If [`Self::update`] found the model due: evaluate, appending the
    /// signals worth passing on to `signals`.
    fn evaluate(&mut self, ctx: &mut Ctx<'_>, signals: &mut Vec<Signal>);
}

/// Positions of the features the scorer reads within a window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FeatureAt {
    pub(crate) count: Option<usize>,
    pub(crate) mean: Option<usize>,
    pub(crate) slope: Option<usize>,
    pub(crate) slope_se: Option<usize>,
    pub(crate) p50: Option<usize>,
    pub(crate) p95: Option<usize>,
}

/// The geometry of the pipeline's windows, and a buffer to read one
/// window's features into.
#[derive(Debug, Clone)]
pub(crate) struct Windows {
    /// Index of the longest window, and its length.
    pub(crate) longest: usize,
    pub(crate) longest_ms: i64,
    /// Feature positions within a window.
    pub(crate) at: FeatureAt,
    /// The last window read.
    pub(crate) buf: Vec<f64>,
}

impl Windows {
    /// The geometry of `spec`.
    pub(crate) fn new(spec: &CompiledSpec) -> Self {
        let per_window = spec.spec.features.len();
        let pos = |f: Feature| spec.spec.features.iter().position(|x| *x == f);
        let at = FeatureAt {
            count: pos(Feature::Count),
            mean: pos(Feature::Mean),
            slope: pos(Feature::Slope),
            slope_se: pos(Feature::SlopeStderr),
            p50: pos(Feature::P50),
            p95: pos(Feature::P95),
        };
        let longest = spec
            .windows
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| w.pane_ms * w.panes)
            .map_or(0, |(i, _)| i);
        let longest_ms = spec.windows.get(longest).map_or(0, |w| w.pane_ms * w.panes);
        Self {
            longest,
            longest_ms,
            at,
            buf: vec![f64::NAN; per_window],
        }
    }

    /// Read one window's features of `series` into the buffer, quantiles
    /// only when asked; false for an unknown series.
    pub(crate) fn read(
        &mut self,
        engine: &mut FeatureEngine<SeriesState>,
        series: SeriesRef<'_>,
        window: usize,
        quantiles: bool,
    ) -> bool {
        engine.window_features_into(series, window, quantiles, &mut self.buf)
    }

    /// A feature of the window last read (NaN when the spec lacks it).
    pub(crate) fn feature(&self, at: Option<usize>) -> f64 {
        at.map_or(f64::NAN, |i| self.buf[i])
    }
}
