//! The trend evaluator: keeps the damped-Holt state and the daily cycle of
//! each capacity and SLO series, and every `eval_every` (once the series
//! has `min_history`) asks `forewarn_models`' trend [`Forecaster`] when it
//! crosses its limit (the instance's latest limit metric, or the service's
//! configured limit or SLO). Turns the forecast into evidence, a
//! failure-time signal and, for load-driven kinds, scale-up-ahead advice.
//!
//! A memory series that falls by more than [`RESTART_FALL`] of its limit
//! from one sample to the next has restarted (an OOM-killed or restarted
//! process): its caches refill and its heap grows back to its working set,
//! a steep rise that flattens, and a line through it forecasts exhaustion.
//! Its forecasts count as improbable until the longest window holds none
//! of the restart and `min_history` has passed after that. Disks and pools
//! do not warm up so (a cleaned disk grows at its usual rate, a reset pool
//! refills within minutes), and a pool exhausted again soon after its reset
//! must still be raised.

use forewarn_core::contracts::{Evidence, IssueKind, OptimizationKind, RecommendedAction};
use forewarn_models::trend::{Forecaster, WindowLine};

use super::evaluate::{Ctx, Evaluator, Sample, Setup};
use super::route::Route;
use super::signal::ts_of;
use super::state::{SeriesState, Track};
use crate::error::Result;
use crate::incidents::Signal;
use crate::optimize::Advice;

/// The share of its limit a memory series must fall by in one sample to
/// count as restarted. Collections in the simulated fleets take at most
/// 0.25 of the limit; restarts after a leak or GC thrashing fall by 0.6
/// to 0.8 (README, "Trend: a restart starts the warm-up again").
pub(crate) const RESTART_FALL: f64 = 0.5;

/// Forecasts of capacity and SLO series.
#[derive(Debug)]
pub(crate) struct Trend {
    eval_every_ms: i64,
    min_history_ms: i64,
    /// The track of the series just updated, when it is due: taken out of
    /// the series' state until evaluated, then put back.
    due: Option<Box<Track>>,
}

fn default_action(kind: IssueKind) -> RecommendedAction {
    match kind {
        IssueKind::MemoryExhaustion | IssueKind::GcThrash => RecommendedAction::Restart,
        IssueKind::ConnectionPoolExhaustion => RecommendedAction::Reconnect,
        IssueKind::DiskExhaustion => RecommendedAction::Notify,
        IssueKind::QueueBacklog | IssueKind::CpuSaturation | IssueKind::LatencyDegradation => {
            RecommendedAction::Scale
        }
        _ => RecommendedAction::Notify,
    }
}

/// Kinds whose trend calls for more capacity before it crosses.
fn load_driven(kind: IssueKind) -> bool {
    matches!(
        kind,
        IssueKind::QueueBacklog
            | IssueKind::ConnectionPoolExhaustion
            | IssueKind::LatencyDegradation
            | IssueKind::CpuSaturation
    )
}

fn human_secs(s: f64) -> String {
    let m = (s / 60.0).round() as i64;
    if m < 60 {
        format!("{m} min")
    } else {
        format!("{}h{:02}", m / 60, m % 60)
    }
}

impl Evaluator for Trend {
    fn new(setup: &Setup<'_>) -> Result<Self> {
        Ok(Self {
            eval_every_ms: setup.opts.eval_every_ms(),
            min_history_ms: setup.pipeline.models.trend.min_history.as_millis(),
            due: None,
        })
    }

    fn update(&mut self, series: &mut SeriesState, route: &Route, sample: &Sample<'_>) {
        let Some(target) = &route.trend else { return };
        let ts = sample.ts;
        let track = series.trend.get_or_insert_with(|| {
            Box::new(Track {
                first_ms: ts,
                next_eval_ms: ts,
                ..Track::default()
            })
        });
        track
            .holt
            .update_memo(&target.params, &mut track.memo, ts, sample.value);
        let r = &mut track.restart;
        if r.last - sample.value > r.fall {
            r.fall = r.last - sample.value;
            r.fall_ms = ts;
        }
        r.last = sample.value;
        if target.seasonal {
            track
                .profile
                .get_or_insert_with(Box::default)
                .update(ts, sample.value);
        }
        if ts >= track.next_eval_ms && ts - track.first_ms >= self.min_history_ms {
            track.next_eval_ms = ts + self.eval_every_ms;
            self.due = series.trend.take();
        }
    }

    fn evaluate(&mut self, ctx: &mut Ctx<'_>, signals: &mut Vec<Signal>) {
        let Some(mut track) = self.due.take() else {
            return;
        };
        let hold_ms = ctx.windows.longest_ms + self.min_history_ms;
        track.engaged = forecast(ctx, &mut track, hold_ms, signals);
        if let Some(st) = ctx.engine.state_mut(ctx.sample.series) {
            st.trend = Some(track);
        }
    }
}

/// Forecast one series; returns whether the tracker may now hold state
/// for it. A restart holds its forecasts back for `hold_ms`.
fn forecast(ctx: &mut Ctx<'_>, track: &mut Track, hold_ms: i64, signals: &mut Vec<Signal>) -> bool {
    let Some(target) = &ctx.route.trend else {
        return track.engaged;
    };
    let s = ctx.sample.series;
    let ts = ctx.sample.ts;
    let limit = target
        .limit_metric
        .as_ref()
        .and_then(|m| {
            ctx.instance
                .limits
                .iter()
                .find(|(n, _)| n == m)
                .map(|l| l.1)
        })
        .or(target.limit_value);
    let Some(limit) = limit else {
        return track.engaged;
    };
    let r = &mut track.restart;
    if target.issue == IssueKind::MemoryExhaustion && r.fall > RESTART_FALL * limit.abs() {
        r.hold_until_ms = r.fall_ms + hold_ms;
    }
    r.fall = 0.0;
    let warming_up = ts < r.hold_until_ms;
    let w = &mut *ctx.windows;
    let longest = w.longest;
    w.read(ctx.engine, s, longest, false);
    let line = WindowLine {
        count: w.feature(w.at.count),
        mean: w.feature(w.at.mean),
        slope: w.feature(w.at.slope),
        slope_se: w.feature(w.at.slope_se),
    };
    let horizon_s = ctx.stamp.horizon_s;
    let forecaster = Forecaster {
        params: target.params,
        seasonal: target.seasonal,
        horizon_s,
    };
    let span_ms = (ts - track.first_ms).min(w.longest_ms);
    let f = forecaster.forecast(&line, &track.holt, track.profile(), span_ms, ts, limit);
    let (proj, c) = (f.projection, f.crossing);
    // A utilisation metric below its `forecast_from` is not believed to be
    // heading for saturation (load comes and goes): until it is past it,
    // its forecast counts as improbable and opens nothing. Past it means
    // both the latest value and the line's level now (where the forecast
    // starts, which overshoots where a ramp levels off). An open incident
    // then follows its forecast alone, so noise around the gate does not
    // make it flap.
    let below = target
        .raise_from
        .is_some_and(|from| proj.level.min(ctx.sample.value) < from);
    let probability = if warming_up || (below && !track.engaged) {
        0.0
    } else {
        c.probability
    };
    let now = ts_of(ts);
    let failure_interval = f.failure_interval(now);
    if load_driven(target.issue)
        && probability >= 0.5
        && let Some(in_s) = c.in_s.filter(|x| *x > 0.0 && *x <= horizon_s)
    {
        let advice = Advice {
            kind: OptimizationKind::ScaleUpAhead,
            service: s.service.to_string(),
            ts: now,
            rationale: format!(
                "{} of {}/{} is rising by {:.3}/min toward its limit of {limit} and reaches it in about {}",
                s.metric,
                s.service,
                s.instance,
                proj.trend * 60.0,
                human_secs(in_s)
            ),
            expected_effect: format!(
                "adding capacity in the next {} avoids the predicted {:?} instead of reacting to it",
                human_secs(in_s),
                target.issue
            ),
        };
        ctx.optimizations
            .extend(ctx.advisor.offer(advice, ctx.stamp.policy.suppress_ms));
    }
    let (emit, engaged) = ctx
        .stamp
        .worth_emitting(target.issue, probability, track.engaged);
    if !emit {
        return engaged;
    }
    // The evidence only for a signal that is sent (most forecasts are not).
    let window_name = ctx.engine.spec().windows[longest].name.clone();
    let mut evidence = vec![
        Evidence {
            feature: format!("{}.trend_per_s", s.metric),
            value: proj.trend,
            baseline: Some(0.0),
            contribution: 0.6,
        },
        Evidence {
            feature: format!("{}.headroom", s.metric),
            value: c.headroom,
            baseline: None,
            contribution: 0.3,
        },
        Evidence {
            feature: format!("{}.{window_name}.slope_stderr", s.metric),
            value: proj.trend_se,
            baseline: None,
            contribution: 0.1,
        },
    ];
    if f.seasonal {
        evidence.push(Evidence {
            feature: format!("{}.daily_cycle_repeat", s.metric),
            value: track.profile().repeat_correlation(),
            baseline: None,
            contribution: 0.0,
        });
    }
    let action = ctx
        .pipeline
        .services
        .get(s.service)
        .map(|c| c.recovery_strategy)
        .filter(|a| *a != RecommendedAction::Notify)
        .unwrap_or_else(|| default_action(target.issue));
    signals.push(Signal {
        kind: target.issue,
        service: s.service.to_string(),
        instance: s.instance.to_string(),
        subject: None,
        ts: now,
        probability,
        predicted_failure_at: f.failure_at(now),
        failure_interval,
        horizon_s,
        evidence,
        root_cause_service: None,
        model: ctx.stamp.model_ref("trend"),
        recommended_action: Some(action),
        log: None,
    });
    engaged
}
