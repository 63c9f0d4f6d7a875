//! [`Scorer`]: samples in, events out. The facade of the scoring path; the
//! models are [`Evaluator`]s in files of their own. One scorer owns the
//! feature windows of its series, the registry of routes and instances, the
//! evaluators, the incident tracker, the optimization advisor and the
//! dependency graph. Data flows one way:
//!
//! sample → [`FeatureEngine`] (windows, and this scorer's per-series state
//! beside them) → each evaluator in turn (trend forecast of capacity and
//! SLO series, the advisor's hourly checks, the univariate detector of the
//! metrics the pipeline lists under `models.anomaly.univariate`, the
//! cluster model per instance) → [`Signal`] → root cause →
//! [`IncidentTracker`] → events. Log records close per-minute log features
//! that go straight into the windows, and minutes with a belief into the
//! log-anomaly evaluator.
//!
//! Cost. Windows are updated on every sample; models are evaluated on an
//! event-time cadence per series or instance
//! ([`ScorerOptions::eval_every`]). Everything a series needs (its route:
//! trend target, limit role, hourly checks; its instance) is resolved
//! once, when the series is first seen, and kept beside its windows: a
//! sample costs one hash lookup of borrowed strings and no allocation.
//! Cluster evaluations read only the windows their model uses.

use std::collections::BTreeMap;
use std::sync::Arc;

use forewarn_config::PipelineConfig;
use forewarn_core::SeriesKey;
use forewarn_core::contracts::{LogRecord, MetricSample};
use forewarn_features::engine::EngineRejected;
use forewarn_features::series::PushOutcome;
use forewarn_features::{CompiledSpec, FeatureEngine, SeriesRef};
use forewarn_models::artifact::Model;

use crate::error::{Error, Result};
use crate::incidents::{IncidentPolicy, IncidentTracker, Signal};
use crate::logs::{LOG_FEATURES, Logs};
use crate::optimize::Advisor;
use crate::root_cause::DependencyGraph;

mod advice;
mod checkpoint;
mod clock;
mod cluster;
mod evaluate;
mod health;
mod log_anomaly;
mod options;
mod presence;
mod route;
mod signal;
mod state;
mod trend;
mod univariate;

use advice::HourlyChecks;
pub use checkpoint::{Restored, ScorerState, ScorerStateRef};
use cluster::Cluster;
use evaluate::{Ctx, Evaluator, Sample, Setup, Windows};
use health::Health;
pub use options::{
    DEFAULT_EVAL_EVERY, DEFAULT_IDLE_AFTER, DEFAULT_MAX_SERIES, Events, ScorerOptions,
};
use presence::Presence;
pub use presence::{Input, PresenceState};
use route::Registry;
use signal::{Stamp, emit};
use state::SeriesState;
use trend::Trend;
use univariate::Univariate;

static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

/// The list of evaluators: a field each, evaluated in this order on every
/// accepted sample. Registering a model is one line here.
macro_rules! evaluators {
    ($($field:ident: $ty:ty,)*) => {
        /// The scorer's models.
        #[derive(Debug)]
        struct Evaluators {
            $($field: $ty,)*
        }

        impl Evaluators {
            fn new(setup: &Setup<'_>) -> Result<Self> {
                Ok(Self { $($field: <$ty as Evaluator>::new(setup)?,)* })
            }

            /// Each evaluator, in order.
            fn each(&mut self, mut f: impl FnMut(&mut dyn Evaluator)) {
                $(f(&mut self.$field);)*
            }
        }
    };
}

evaluators! {
    trend: Trend,
    hourly: HourlyChecks,
    univariate: Univariate,
    cluster: Cluster,
    health: Health,
}

/// Turns samples into predicted-issue and optimization events.
#[derive(Debug)]
pub struct Scorer {
    /// Shared with the other scorers of the process (one per partition):
    /// a pipeline may list thousands of services.
    pipeline: Arc<PipelineConfig>,
    model: Arc<Model>,
    opts: ScorerOptions,
    engine: FeatureEngine<SeriesState>,
    registry: Registry,
    evaluators: Evaluators,
    windows: Windows,
    stamp: Stamp,
    graph: DependencyGraph,
    tracker: IncidentTracker,
    advisor: Advisor,
    /// Signals of the evaluator that just ran, on their way to the tracker.
    signals: Vec<Signal>,
    /// Log mining, features and beliefs, when the pipeline reads logs.
    logs: Option<Logs>,
    /// Event time (ms) of the next check for silent incidents.
    next_silence_check_ms: i64,
    /// Each service's cadence, and which are silent.
    presence: Presence,
}

impl Scorer {
    /// A scorer for `pipeline` with the fitted `model` (owned, or shared
    /// with other scorers through an [`Arc`]).
    pub fn new(
        pipeline: impl Into<Arc<PipelineConfig>>,
        model: impl Into<Arc<Model>>,
        opts: ScorerOptions,
    ) -> Result<Self> {
        let (pipeline, model) = (pipeline.into(), model.into());
        let spec: CompiledSpec = pipeline.features.compile().map_err(Error::Features)?;
        let graph = DependencyGraph::new(
            pipeline
                .services
                .iter()
                .map(|(n, s)| (n.clone(), s.depends_on.clone())),
        );
        let evaluators = Evaluators::new(&Setup {
            pipeline: &pipeline,
            model: &model,
            spec: &spec,
            opts: &opts,
        })?;
        let lc = &pipeline.models.logs;
        let logs = match (&pipeline.sources.logs, lc.enabled) {
            (Some(_), true) => Some(Logs::new(&lc.masks, lc.warmup.as_millis())?),
            _ => None,
        };
        Ok(Self {
            stamp: Stamp {
                model_ref: opts.model_ref.clone(),
                horizon_s: pipeline.models.trend.horizon.as_secs_f64(),
                policy: IncidentPolicy::from(&pipeline.thresholds),
            },
            windows: Windows::new(&spec),
            engine: FeatureEngine::new(spec, opts.max_series),
            registry: Registry::default(),
            evaluators,
            graph,
            tracker: IncidentTracker::default(),
            advisor: Advisor::default(),
            signals: Vec::new(),
            logs,
            next_silence_check_ms: i64::MIN,
            presence: Presence::new(&pipeline.thresholds.silence),
            pipeline,
            model,
            opts,
        })
    }

    /// The feature engine (statistics, series count, memory).
    pub fn engine(&self) -> &FeatureEngine<impl Sized> {
        &self.engine
    }

    /// The incident tracker.
    pub fn tracker(&self) -> &IncidentTracker {
        &self.tracker
    }

    /// Apply one sample; the events it caused (usually none) are appended
    /// to `out`. A sample the feature engine refuses (late, non-finite,
    /// over the series cap) is returned as the error and changes nothing
    /// else.
    pub fn on_metric(
        &mut self,
        s: &MetricSample,
        out: &mut Events,
    ) -> std::result::Result<(), EngineRejected> {
        let ts = s.ts.timestamp_millis();
        self.presence.clock(Input::Metrics, ts);
        self.resolve_silent(ts, out);
        let sample = Sample {
            series: SeriesRef::from(s),
            ts,
            value: s.value,
            from_logs: false,
        };
        self.sample(&sample, out)
    }

    /// Apply one log record: counted in its service's open minute; when
    /// it closes that minute, the minute's log features go into the
    /// windows as series of the service (instance "", see
    /// [`crate::logs::LOG_FEATURES`]) and the log-anomaly evaluator judges
    /// it. Does nothing when the pipeline has no `sources.logs` or
    /// `models.logs.enabled` is false.
    pub fn on_log(&mut self, r: &LogRecord, out: &mut Events) {
        if self.logs.is_none() {
            return;
        }
        let ts = r.ts.timestamp_millis();
        self.presence.clock(Input::Logs, ts);
        self.resolve_silent(ts, out);
        self.presence.see_log(&r.service, ts);
        let Some(logs) = self.logs.as_mut() else {
            return;
        };
        let Some((minute, belief)) = logs.push(r) else {
            return;
        };
        for (name, value) in LOG_FEATURES.iter().zip(minute.features) {
            let sample = Sample {
                series: SeriesRef {
                    service: &r.service,
                    instance: "",
                    metric: name,
                    labels: &NO_LABELS,
                },
                ts: minute.end_ms,
                value,
                from_logs: true,
            };
            // Refused only when late or over the series cap; the belief
            // below does not depend on it.
            let _ = self.sample(&sample, out);
        }
        let Some(logs) = self.logs.as_mut() else {
            return;
        };
        let open = self.tracker.open();
        let signal = log_anomaly::judge(logs, &self.stamp, open, &r.service, minute.end_ms, belief);
        if let Some(signal) = signal {
            self.emit_one(signal, out);
        }
    }

    /// One sample into the windows, then through every evaluator.
    fn sample(
        &mut self,
        s: &Sample<'_>,
        out: &mut Events,
    ) -> std::result::Result<(), EngineRejected> {
        let e = &self.engine;
        if e.series_count() >= e.max_series() && !e.contains(s.series) {
            self.make_room();
        }
        let Self {
            engine,
            registry,
            pipeline,
            model,
            evaluators,
            ..
        } = self;
        let plan_of = evaluators.cluster.plan_of();
        let (outcome, st) = engine.push_with(s.series, s.ts, s.value, |key| SeriesState {
            route: registry.route(pipeline, model, key),
            instance: registry.instance(key, plan_of),
            trend: None,
            next_hourly_ms: i64::MIN,
            univariate: None,
        })?;
        if outcome == PushOutcome::Duplicate {
            // A redelivered sample (at-least-once input) moves nothing.
            return Ok(());
        }
        let (route, inst) = (st.route as usize, st.instance as usize);
        let instance = &mut registry.instances[inst];
        // Once per tick of the instance: its service reported.
        if !s.from_logs && s.ts > instance.seen_ms {
            instance.seen_ms = s.ts;
            self.presence.see_metric(s.series.service, s.ts);
        }
        let route = &registry.routes[route];
        if route.is_limit {
            let limits = &mut registry.instances[inst].limits;
            match limits.iter_mut().find(|(m, _)| *m == s.series.metric) {
                Some(l) => l.1 = s.value,
                None => limits.push((s.series.metric.to_string(), s.value)),
            }
        }
        evaluators.each(|e| e.update(st, route, s));
        let mut ctx = Ctx {
            sample: *s,
            route,
            instance: &mut registry.instances[inst],
            engine,
            windows: &mut self.windows,
            stamp: &self.stamp,
            pipeline,
            advisor: &mut self.advisor,
            optimizations: &mut out.optimizations,
        };
        let (tracker, graph, signals) = (&mut self.tracker, &self.graph, &mut self.signals);
        evaluators.each(|e| {
            e.evaluate(&mut ctx, signals);
            for signal in signals.drain(..) {
                emit(tracker, graph, &ctx.stamp.policy, signal, &mut out.issues);
            }
        });
        Ok(())
    }

    /// A scorer for `pipeline` and `model` that resumes from `state`.
    pub fn restore(
        pipeline: impl Into<Arc<PipelineConfig>>,
        model: impl Into<Arc<Model>>,
        opts: ScorerOptions,
        state: ScorerState,
    ) -> Result<(Self, Restored)> {
        let mut s = Self::new(pipeline, model, opts)?;
        let mut done = Restored::default();
        let plan_of = s.evaluators.cluster.plan_of();
        for i in state.instances {
            let key = SeriesKey::new(&i.service, &i.instance, "");
            let idx = s.registry.instance(SeriesRef::from(&key), plan_of) as usize;
            i.restore_into(&mut s.registry.instances[idx]);
        }
        for e in state.series {
            let route = s
                .registry
                .route(&s.pipeline, &s.model, SeriesRef::from(&e.key));
            let instance = s.registry.instance(SeriesRef::from(&e.key), plan_of);
            let r = &s.registry.routes[route as usize];
            let univariate = match e.univariate {
                Some(u) if r.univariate => Some(s.evaluators.univariate.adopt(u)),
                _ => None,
            };
            let st = SeriesState {
                route,
                instance,
                trend: r.trend.as_ref().and_then(|t| {
                    let seasonal = t.seasonal;
                    e.trend
                        .map(|saved| Box::new(state::Track::from_saved(saved, seasonal)))
                }),
                next_hourly_ms: e.next_hourly_ms,
                univariate,
            };
            if s.engine.insert(e.key, e.windows, st) {
                done.series += 1;
            } else {
                if univariate.is_some() {
                    s.evaluators.univariate.drop_last();
                }
                done.refused += 1;
            }
        }
        s.tracker = state.tracker;
        s.advisor = state.advisor;
        if let (Some(logs), Some(st)) = (s.logs.as_mut(), state.logs) {
            logs.restore(st)?;
        }
        // The cap holds after a restore too (a process restarted with a
        // lower --max-series): the idlest series go.
        done.evicted = s.trim_to_cap();
        done.series -= done.evicted.min(done.series);
        s.next_silence_check_ms = state.next_silence_check_ms.unwrap_or(i64::MIN);
        s.presence.restore(state.presence);
        // Checkpoints from before the tracker kept last signal times: take
        // the newest event time as every open incident's last signal.
        if let Some(newest) = s.newest_ms() {
            s.tracker.assume_seen(newest);
        }
        Ok((s, done))
    }

    /// Number of series tracked.
    pub fn series_count(&self) -> usize {
        self.engine.series_count()
    }

    /// Newest event time (ms) of any series tracked.
    pub fn newest_ms(&self) -> Option<i64> {
        self.engine
            .iter()
            .filter_map(|(_, w, _)| w.watermark())
            .max()
    }

    /// Change the series cap. At the cap a new series displaces the
    /// idlest ones (see [`Self::trim_to_cap`]); series over a lowered cap
    /// stay until trimmed or evicted.
    pub fn set_max_series(&mut self, max_series: usize) {
        self.engine.set_max_series(max_series);
    }

    /// Evict the idlest series (oldest newest sample first) down to the
    /// cap; returns how many went.
    pub fn trim_to_cap(&mut self) -> usize {
        let over = self
            .engine
            .series_count()
            .saturating_sub(self.engine.max_series());
        self.evict_idlest(over)
    }

    /// Make room for one new series at the cap: evict the idlest 1% of the
    /// cap (at least one) in one pass, so a stream of new series costs one
    /// scan per hundred, not one each. Nothing when the cap is 0.
    fn make_room(&mut self) {
        let cap = self.engine.max_series();
        if cap == 0 {
            return;
        }
        let n = self.engine.series_count() + 1;
        let batch = (cap / 100).max(1);
        self.evict_idlest(n.saturating_sub(cap) + batch - 1);
    }

    fn evict_idlest(&mut self, n: usize) -> usize {
        let evicted = self.engine.evict_idlest(n);
        if evicted > 0 {
            self.evaluators.univariate.retain_in(&mut self.engine);
        }
        evicted
    }

    /// Forget every series whose newest sample is older than `before_ms`
    /// (event time), with its detector, and the log state of every service
    /// whose logs have been quiet as long (measured on the logs' own clock).
    /// Their open incidents are resolved by the silence check of the input
    /// path ([`ScorerOptions::idle_after`]). Returns how many series were
    /// evicted.
    pub fn evict_idle(&mut self, before_ms: i64) -> usize {
        let idle_ms = self.newest_ms().map_or(0, |n| n - before_ms);
        if let Some(logs) = self.logs.as_mut() {
            logs.evict_idle(idle_ms);
        }
        // What each service's cadence is and whether it is silent is kept
        // apart from its series: evicting them loses no silence.
        let evicted = self.engine.evict_idle(before_ms);
        if evicted > 0 {
            self.evaluators.univariate.retain_in(&mut self.engine);
        }
        evicted
    }
}
