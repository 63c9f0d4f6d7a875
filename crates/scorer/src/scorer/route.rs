//! Routing: what each (service, metric) feeds, resolved once when its
//! first series is seen ([`Route`]: trend target and limit, whether it is
//! a limit of another series, the advisor's hourly checks, a univariate
//! detector), and the (service, instance) table ([`InstanceState`]), in
//! one [`Registry`]. Series keep indices into it beside their windows, so
//! a sample costs no lookup here.
//!
//! A route is kept once per (metric, what it reads of its service's
//! config), not once per (service, metric): services configured alike
//! share their routes, so 10,000 services cost a few hundred routes and
//! nothing per series.

use std::collections::HashMap;

use forewarn_config::{PipelineConfig, ServiceConfig, TrendRule};
use forewarn_core::contracts::IssueKind;
use forewarn_features::SeriesRef;
use forewarn_models::artifact::Model;
use forewarn_models::trend::TrendParams;
use hashbrown::{Equivalent, HashMap as Table};

use super::state::InstanceState;

/// What a forecast series runs into.
#[derive(Debug, Clone)]
pub(crate) struct TrendTarget {
    pub(crate) issue: IssueKind,
    /// Metric carrying the limit (per instance), if any.
    pub(crate) limit_metric: Option<String>,
    /// Fixed limit from the service config or SLO, if any.
    pub(crate) limit_value: Option<f64>,
    /// Fitted parameters for this metric.
    pub(crate) params: TrendParams,
    /// Whether a repeating daily cycle is projected (SLO and saturation
    /// targets: latency, error rate and CPU follow traffic; capacity
    /// limits are reached by trends, and a cycle there, such as nightly
    /// disk clean-up, would move the predicted exhaustion by hours).
    pub(crate) seasonal: bool,
    /// The level the series must have reached before its forecast may
    /// raise an incident (saturation rules' `forecast_from × limit`).
    pub(crate) raise_from: Option<f64>,
}

/// Hourly checks of the advisor a series feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Hourly {
    #[default]
    None,
    Cpu,
    Latency {
        timeout_ms: i64,
    },
}

/// Everything a (service, metric) needs, resolved once.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) trend: Option<TrendTarget>,
    pub(crate) is_limit: bool,
    pub(crate) hourly: Hourly,
    pub(crate) univariate: bool,
    /// Whether it is the health metric (`roles.health`).
    pub(crate) health: bool,
}

/// Everything [`resolve`] reads of a service's config for one metric:
/// two services alike in it share the metric's route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FromService {
    /// The fixed limit of the metric's trend rule (bits of the `f64`).
    limit: Option<u64>,
    /// The service's timeout (ms), for the latency role.
    timeout_ms: Option<i64>,
}

impl FromService {
    fn of(pipeline: &PipelineConfig, svc: Option<&ServiceConfig>, metric: &str) -> Self {
        let limit = pipeline
            .trend_rule(metric)
            .and_then(|r| r.fixed_limit(svc))
            .map(f64::to_bits);
        let timeout_ms = (metric == pipeline.roles.latency_p99)
            .then(|| svc.and_then(|c| c.timeout).map(|t| t.as_millis()))
            .flatten();
        Self { limit, timeout_ms }
    }
}

/// A borrowed `(String, T)` table key.
#[derive(Hash)]
struct Borrowed<'a, T>(&'a str, T);

impl<T: PartialEq> Equivalent<(String, T)> for Borrowed<'_, T> {
    fn equivalent(&self, k: &(String, T)) -> bool {
        self.0 == k.0 && self.1 == k.1
    }
}

impl Equivalent<(String, String)> for Borrowed<'_, &str> {
    fn equivalent(&self, k: &(String, String)) -> bool {
        self.0 == k.0 && self.1 == k.1
    }
}

/// Routes and instances, resolved when a series is first seen.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    pub(crate) routes: Vec<Route>,
    /// (metric, what its route reads of the service) → route.
    route_of: Table<(String, FromService), u32>,
    pub(crate) instances: Vec<InstanceState>,
    /// (service, instance) → instance.
    instance_of: Table<(String, String), u32>,
}

impl Registry {
    /// The route of `key`'s (service, metric), resolved on first use (or
    /// shared with a service configured alike).
    pub(crate) fn route(
        &mut self,
        pipeline: &PipelineConfig,
        model: &Model,
        key: SeriesRef<'_>,
    ) -> u32 {
        let svc = pipeline.services.get(key.service);
        let from = FromService::of(pipeline, svc, key.metric);
        if let Some(i) = self.route_of.get(&Borrowed(key.metric, from)) {
            return *i;
        }
        let route = resolve(pipeline, model, key.metric, from);
        let i = self.routes.len() as u32;
        self.routes.push(route);
        self.route_of.insert((key.metric.to_string(), from), i);
        i
    }

    /// The instance of `key`'s (service, instance), added on first use
    /// with the cluster plan of its service (`plan_of`, the fallback under
    /// "").
    pub(crate) fn instance(&mut self, key: SeriesRef<'_>, plan_of: &HashMap<String, usize>) -> u32 {
        if let Some(i) = self.instance_of.get(&Borrowed(key.service, key.instance)) {
            return *i;
        }
        let i = self.instances.len() as u32;
        self.instances.push(InstanceState {
            service: key.service.to_string(),
            instance: key.instance.to_string(),
            limits: Vec::new(),
            plan: plan_of
                .get(key.service)
                .or_else(|| plan_of.get(""))
                .copied(),
            next_cluster_ms: None,
            cluster_engaged: false,
            cluster: None,
            cluster_first_ms: None,
            cluster_last_ms: None,
            missing_reported: false,
            cpu_hours: Vec::new(),
            seen_ms: i64::MIN,
            health_down: false,
        });
        self.instance_of
            .insert((key.service.to_string(), key.instance.to_string()), i);
        i
    }
}

/// The route of a metric under `pipeline` and `model`, for a service
/// whose config reads `from` (nothing else of it is read here): what the
/// metric's trend runs into and which advice it feeds come from the
/// roles it plays in the pipeline, never from its name.
fn resolve(pipeline: &PipelineConfig, model: &Model, metric: &str, from: FromService) -> Route {
    let trend_cfg = &pipeline.models.trend;
    let rule = pipeline.trend_rule(metric);
    let trend = rule.filter(|_| trend_cfg.enabled).and_then(|r| {
        let limit_value = from.limit.map(f64::from_bits);
        // An SLO role forecasts only for a service with that objective.
        if matches!(r, TrendRule::Slo(_)) && limit_value.is_none() {
            return None;
        }
        Some(TrendTarget {
            issue: r.issue(),
            limit_metric: r.limit_metric().map(String::from),
            limit_value,
            params: *model.trend_for(metric),
            seasonal: !matches!(r, TrendRule::Capacity(_)),
            raise_from: match r {
                TrendRule::Saturation { from, .. } => Some(from),
                _ => None,
            },
        })
    });
    let roles = &pipeline.roles;
    let hourly = if metric == roles.cpu.metric {
        Hourly::Cpu
    } else if metric == roles.latency_p99 {
        from.timeout_ms
            .map_or(Hourly::None, |timeout_ms| Hourly::Latency { timeout_ms })
    } else {
        Hourly::None
    };
    Route {
        trend,
        univariate: pipeline.models.anomaly.enabled
            && pipeline
                .models
                .anomaly
                .univariate
                .iter()
                .any(|m| m == metric),
        is_limit: trend_cfg
            .capacity
            .iter()
            .any(|r| r.limit_metric.as_deref() == Some(metric)),
        hourly,
        health: metric == roles.health,
    }
}
