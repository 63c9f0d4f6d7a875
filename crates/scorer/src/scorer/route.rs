//! Routing: what each (service, metric) feeds, resolved once when its
//! first series is seen ([`Route`]: trend target and limit, whether it is
//! a limit of another series, the advisor's hourly checks, a univariate
//! detector), and the (service, instance) table ([`InstanceState`]), in
//! one [`Registry`]. Series keep indices into it beside their windows, so
//! a sample costs no lookup here.

use std::collections::HashMap;

use forewarn_config::{PipelineConfig, TrendRule};
use forewarn_core::SeriesKey;
use forewarn_core::contracts::IssueKind;
use forewarn_models::artifact::Model;
use forewarn_models::trend::TrendParams;

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

/// Routes and instances, resolved when a series is first seen.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    pub(crate) routes: Vec<Route>,
    route_index: HashMap<(String, String), u32>,
    pub(crate) instances: Vec<InstanceState>,
    instance_index: HashMap<(String, String), u32>,
}

impl Registry {
    /// The route of `key`'s (service, metric), resolved on first use.
    pub(crate) fn route(
        &mut self,
        pipeline: &PipelineConfig,
        model: &Model,
        key: &SeriesKey,
    ) -> u32 {
        let k = (key.service.clone(), key.metric.clone());
        if let Some(i) = self.route_index.get(&k) {
            return *i;
        }
        let route = resolve(pipeline, model, key);
        let i = self.routes.len() as u32;
        self.routes.push(route);
        self.route_index.insert(k, i);
        i
    }

    /// The instance of `key`'s (service, instance), added on first use
    /// with the cluster plan of its service (`plan_of`, the fallback under
    /// "").
    pub(crate) fn instance(&mut self, key: &SeriesKey, plan_of: &HashMap<String, usize>) -> u32 {
        let k = (key.service.clone(), key.instance.clone());
        if let Some(i) = self.instance_index.get(&k) {
            return *i;
        }
        let i = self.instances.len() as u32;
        self.instances.push(InstanceState {
            service: key.service.clone(),
            instance: key.instance.clone(),
            limits: Vec::new(),
            plan: plan_of
                .get(&key.service)
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
        self.instance_index.insert(k, i);
        i
    }
}

/// The route of a (service, metric) under `pipeline` and `model`: what
/// the metric's trend runs into and which advice it feeds come from the
/// roles it plays in the pipeline, never from its name.
fn resolve(pipeline: &PipelineConfig, model: &Model, key: &SeriesKey) -> Route {
    let svc = pipeline.services.get(&key.service);
    let trend_cfg = &pipeline.models.trend;
    let rule = pipeline.trend_rule(&key.metric);
    let trend = rule.filter(|_| trend_cfg.enabled).and_then(|r| {
        let limit_value = r.fixed_limit(svc);
        // An SLO role forecasts only for a service with that objective.
        if matches!(r, TrendRule::Slo(_)) && limit_value.is_none() {
            return None;
        }
        Some(TrendTarget {
            issue: r.issue(),
            limit_metric: r.limit_metric().map(String::from),
            limit_value,
            params: *model.trend_for(&key.metric),
            seasonal: !matches!(r, TrendRule::Capacity(_)),
        })
    });
    let roles = &pipeline.roles;
    let hourly = if key.metric == roles.cpu.metric {
        Hourly::Cpu
    } else if key.metric == roles.latency_p99 {
        svc.and_then(|c| c.timeout)
            .map_or(Hourly::None, |t| Hourly::Latency {
                timeout_ms: t.as_millis(),
            })
    } else {
        Hourly::None
    };
    Route {
        trend,
        univariate: pipeline.models.anomaly.enabled
            && pipeline.models.anomaly.univariate.contains(&key.metric),
        is_limit: trend_cfg
            .capacity
            .iter()
            .any(|r| r.limit_metric.as_deref() == Some(key.metric.as_str())),
        hourly,
        health: key.metric == roles.health,
    }
}
