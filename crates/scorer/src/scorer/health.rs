//! Observed health: the metric that plays `roles.health` (1 when the
//! service's health check passes, 0 when it fails; `forewarn watch`
//! publishes it as `health_up`) opens an observed `service_down`
//! incident on the instance when it reads 0, and resolves it at the next
//! reading of 1. Not a prediction: the failure is now, so the incident
//! opens at once (no `min_duration`) and is not suppressed after it
//! resolves.

use forewarn_core::contracts::{Evidence, IssueKind};

use super::evaluate::{Ctx, Evaluator, Sample, Setup};
use super::route::Route;
use super::state::SeriesState;
use crate::error::Result;
use crate::incidents::Signal;

/// Health readings above this count as up.
const UP: f64 = 0.5;

/// The health evaluator.
#[derive(Debug)]
pub(crate) struct Health {
    /// Whether the sample just updated is a health reading.
    due: bool,
}

impl Evaluator for Health {
    fn new(_: &Setup<'_>) -> Result<Self> {
        Ok(Self { due: false })
    }

    fn update(&mut self, _: &mut SeriesState, route: &Route, _: &Sample<'_>) {
        self.due = route.health;
    }

    fn evaluate(&mut self, ctx: &mut Ctx<'_>, signals: &mut Vec<Signal>) {
        if !std::mem::take(&mut self.due) {
            return;
        }
        let sample = ctx.sample;
        let down = sample.value < UP;
        let inst = &mut *ctx.instance;
        if !down && !inst.health_down {
            return;
        }
        inst.health_down = down;
        let probability = if down { 1.0 } else { 0.0 };
        let mut s =
            ctx.stamp
                .anomaly_signal("health", IssueKind::ServiceDown, sample.ts, probability);
        s.service = sample.series.service.to_string();
        s.instance = sample.series.instance.to_string();
        s.evidence = vec![Evidence {
            feature: sample.series.metric.to_string(),
            value: sample.value,
            baseline: Some(1.0),
            contribution: 1.0,
        }];
        s.recommended_action = ctx
            .pipeline
            .services
            .get(sample.series.service)
            .map(|c| c.recovery_strategy)
            .or(s.recommended_action);
        signals.push(s);
    }
}
