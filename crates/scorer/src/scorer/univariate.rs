//! The univariate evaluator: an online detector
//! ([`SeriesDetector`]) for each series of the metrics the pipeline lists
//! under `models.anomaly.univariate`, scoring every sample. A score over
//! [`UNIVARIATE_FLOOR`] maps to a probability that is held and decays, so
//! the tracker's minimum duration and hysteresis apply to a detector's
//! one-sample spike like to every other signal.

use forewarn_core::contracts::{Evidence, IssueKind};
use forewarn_features::{CompiledSpec, FeatureEngine};
use forewarn_models::univariate::{DetectorConfig, SeriesDetector};
use serde::{Deserialize, Serialize};

use super::evaluate::{Ctx, Evaluator, Sample, Setup};
use super::route::Route;
use super::state::SeriesState;
use crate::error::{Error, Result};
use crate::incidents::Signal;

/// Detector scores at or under this are no evidence at all; the rest of
/// the range maps linearly to a probability (0.995 → 0.9).
const UNIVARIATE_FLOOR: f64 = 0.95;

/// How fast a univariate probability decays after the detector's spike,
/// per minute. The detector marks the onset of an anomaly with one high
/// score and then suppresses repeats (as NAB rewards); holding the
/// probability lets the tracker's minimum duration and hysteresis apply to
/// it like to every other signal: a spike to 0.975 stays above the default
/// 0.9 threshold for 7 minutes and resolves about 17 minutes later.
const UNIVARIATE_DECAY_PER_MIN: f64 = 0.01;

/// The online univariate detector of one series and its held probability.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SeriesUnivariate {
    #[serde(rename = "scorer")]
    detector: SeriesDetector,
    engaged: bool,
    /// The held probability and when it was last updated (ms).
    held: f64,
    held_ms: i64,
}

/// The univariate detectors of every series that has one.
#[derive(Debug)]
pub(crate) struct Univariate {
    /// The detectors' feature spec (one window) and config.
    spec: CompiledSpec,
    cfg: DetectorConfig,
    /// Indexed by [`SeriesState::univariate`].
    detectors: Vec<SeriesUnivariate>,
    /// The detector of the series just updated.
    due: Option<u32>,
}

impl Univariate {
    /// The detector at `u` (for a checkpoint).
    pub(crate) fn get(&self, u: u32) -> &SeriesUnivariate {
        &self.detectors[u as usize]
    }

    /// Take in a restored detector; returns its index.
    pub(crate) fn adopt(&mut self, d: SeriesUnivariate) -> u32 {
        self.detectors.push(d);
        self.detectors.len() as u32 - 1
    }

    /// Drop the detector adopted last (its series was refused).
    pub(crate) fn drop_last(&mut self) {
        self.detectors.pop();
    }

    /// Keep only the detectors of the series left in `engine`, renumbered.
    pub(crate) fn retain_in(&mut self, engine: &mut FeatureEngine<SeriesState>) {
        if self.detectors.is_empty() {
            return;
        }
        let old = std::mem::take(&mut self.detectors);
        let mut slots: Vec<Option<SeriesUnivariate>> = old.into_iter().map(Some).collect();
        for st in engine.states_mut() {
            if let Some(u) = st.univariate.as_mut()
                && let Some(d) = slots[*u as usize].take()
            {
                *u = self.detectors.len() as u32;
                self.detectors.push(d);
            }
        }
    }
}

impl Evaluator for Univariate {
    fn new(_: &Setup<'_>) -> Result<Self> {
        let cfg = DetectorConfig::default();
        let spec = cfg
            .feature_spec()
            .compile()
            .map_err(Error::DetectorFeatures)?;
        Ok(Self {
            spec,
            cfg,
            detectors: Vec::new(),
            due: None,
        })
    }

    fn update(&mut self, series: &mut SeriesState, route: &Route, sample: &Sample<'_>) {
        if route.univariate && series.univariate.is_none() {
            match SeriesDetector::new(self.cfg.clone(), &self.spec) {
                Ok(detector) => {
                    series.univariate = Some(self.detectors.len() as u32);
                    self.detectors.push(SeriesUnivariate {
                        detector,
                        engaged: false,
                        held: 0.0,
                        held_ms: sample.ts,
                    });
                }
                Err(e) => {
                    tracing::warn!(metric = %sample.series.metric, "univariate detector unavailable: {e}")
                }
            }
        }
        self.due = series.univariate;
    }

    fn evaluate(&mut self, ctx: &mut Ctx<'_>, signals: &mut Vec<Signal>) {
        let Some(u) = self.due.take() else { return };
        let (s, ts) = (ctx.sample.series, ctx.sample.ts);
        let value = ctx.sample.value;
        let d = &mut self.detectors[u as usize];
        let score = d.detector.push(&self.spec, ts, value);
        let now = ((score - UNIVARIATE_FLOOR) / (1.0 - UNIVARIATE_FLOOR)).clamp(0.0, 1.0);
        let minutes = (ts - d.held_ms).max(0) as f64 / 60_000.0;
        d.held = now.max(d.held - UNIVARIATE_DECAY_PER_MIN * minutes);
        d.held_ms = ts;
        let (probability, was) = (d.held, d.engaged);
        let (emit, engaged) = ctx
            .stamp
            .worth_emitting(IssueKind::MetricAnomaly, probability, was);
        d.engaged = engaged;
        if !emit {
            return;
        }
        signals.push(Signal {
            service: s.service.to_string(),
            instance: s.instance.to_string(),
            subject: Some(s.metric.to_string()),
            evidence: vec![
                Evidence {
                    feature: format!("{}.value", s.metric),
                    value,
                    baseline: None,
                    contribution: 1.0,
                },
                Evidence {
                    feature: format!("{}.univariate_score", s.metric),
                    value: score,
                    baseline: None,
                    contribution: 0.0,
                },
            ],
            ..ctx
                .stamp
                .anomaly_signal("univariate", IssueKind::MetricAnomaly, ts, probability)
        });
    }
}
