//! What each role and rule means for a metric: [`TrendRule`], what a
//! metric's trend runs into ([`PipelineConfig::trend_rule`]), and
//! [`RolesMap`], every role with its metrics
//! ([`PipelineConfig::roles_map`]), resolved from `roles` and the
//! capacity and saturation rules. Also the validation of those names
//! (empty, named twice, bounds out of range).

use forewarn_core::contracts::IssueKind;

use crate::pipeline::{CapacityRule, PipelineConfig, ServiceConfig};
use crate::roles::Bounded;

/// The SLO a role's forecast aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SloRole {
    /// `roles.latency_p99` against `slo.latency_p99_ms`.
    LatencyP99,
    /// `roles.error_rate` against `slo.error_rate`.
    ErrorRate,
}

/// What a metric's trend runs into, from the pipeline's roles and rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrendRule<'a> {
    /// A capacity rule: a limit metric, or a service's `limits` entry.
    Capacity(&'a CapacityRule),
    /// A bounded metric: its saturation level.
    Saturation {
        /// The value from which the metric is saturated (`level × limit`).
        at: f64,
        /// The value the metric must have reached before its trend may
        /// raise an incident (`forecast_from × limit`).
        from: f64,
        /// The issue raised.
        issue: IssueKind,
    },
    /// An SLO role: the service's objective.
    Slo(SloRole),
}

impl TrendRule<'_> {
    /// The issue raised when the forecast crosses.
    pub fn issue(&self) -> IssueKind {
        match self {
            TrendRule::Capacity(r) => r.issue,
            TrendRule::Saturation { issue, .. } => *issue,
            TrendRule::Slo(SloRole::LatencyP99) => IssueKind::LatencyDegradation,
            TrendRule::Slo(SloRole::ErrorRate) => IssueKind::ErrorRateIncrease,
        }
    }

    /// The metric carrying the limit per instance, if any.
    pub fn limit_metric(&self) -> Option<&str> {
        match self {
            TrendRule::Capacity(r) => r.limit_metric.as_deref(),
            _ => None,
        }
    }

    /// The fixed limit for a service (its `limits` entry, its SLO or the
    /// saturation level), if there is one.
    pub fn fixed_limit(&self, service: Option<&ServiceConfig>) -> Option<f64> {
        match self {
            TrendRule::Capacity(r) => r.limit.zip(service).and_then(|(l, s)| s.limits.get(l)),
            TrendRule::Saturation { at, .. } => Some(*at),
            TrendRule::Slo(SloRole::LatencyP99) => service.and_then(|s| s.slo.latency_p99_ms),
            TrendRule::Slo(SloRole::ErrorRate) => service.and_then(|s| s.slo.error_rate),
        }
    }
}

/// A capacity role's metrics: what is used and what bounds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity<'a> {
    /// The metric that grows (memory used, disk used, connections open,
    /// queue depth).
    pub used: &'a str,
    /// The metric carrying its limit (memory limit, disk capacity, pool
    /// size), if the rule has one.
    pub limit: Option<&'a str>,
}

/// Every role and the metrics that play it in one pipeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RolesMap<'a> {
    /// p99 latency (`roles.latency_p99`).
    pub latency_p99: &'a str,
    /// Error rate (`roles.error_rate`).
    pub error_rate: &'a str,
    /// CPU utilisation and its bound (`roles.cpu`).
    pub cpu: &'a Bounded,
    /// The first capacity rule raising `memory_exhaustion`.
    pub memory: Option<Capacity<'a>>,
    /// The first capacity rule raising `disk_exhaustion`.
    pub disk: Option<Capacity<'a>>,
    /// The first capacity rule raising `connection_pool_exhaustion`.
    pub connections: Option<Capacity<'a>>,
    /// The first capacity rule raising `queue_backlog`.
    pub queue: Option<Capacity<'a>>,
}

impl PipelineConfig {
    /// Every role and its metrics.
    pub fn roles_map(&self) -> RolesMap<'_> {
        let capacity = |issue: IssueKind| {
            self.models
                .trend
                .capacity
                .iter()
                .find(|r| r.issue == issue)
                .map(|r| Capacity {
                    used: &r.metric,
                    limit: r.limit_metric.as_deref(),
                })
        };
        RolesMap {
            latency_p99: &self.roles.latency_p99,
            error_rate: &self.roles.error_rate,
            cpu: &self.roles.cpu,
            memory: capacity(IssueKind::MemoryExhaustion),
            disk: capacity(IssueKind::DiskExhaustion),
            connections: capacity(IssueKind::ConnectionPoolExhaustion),
            queue: capacity(IssueKind::QueueBacklog),
        }
    }

    /// Every trend rule, in order of precedence: the capacity rules, the
    /// saturation rules, CPU, then the SLO roles. Validation refuses a
    /// metric named by two of them, so the first for a metric is its only one.
    pub fn trend_rules(&self) -> Vec<(&str, TrendRule<'_>)> {
        let trend = &self.models.trend;
        let mut out: Vec<(&str, TrendRule<'_>)> = trend
            .capacity
            .iter()
            .map(|r| (r.metric.as_str(), TrendRule::Capacity(r)))
            .collect();
        out.extend(trend.saturation.iter().map(|r| {
            let b = r.bounded();
            (
                r.metric.as_str(),
                TrendRule::Saturation {
                    at: b.saturation(),
                    from: b.forecast_floor(),
                    issue: r.issue,
                },
            )
        }));
        let r = &self.roles;
        out.push((
            &r.cpu.metric,
            TrendRule::Saturation {
                at: r.cpu.saturation(),
                from: r.cpu.forecast_floor(),
                issue: IssueKind::CpuSaturation,
            },
        ));
        out.push((&r.latency_p99, TrendRule::Slo(SloRole::LatencyP99)));
        out.push((&r.error_rate, TrendRule::Slo(SloRole::ErrorRate)));
        out
    }

    /// What `metric`'s trend runs into, if it has a trend.
    pub fn trend_rule(&self, metric: &str) -> Option<TrendRule<'_>> {
        self.trend_rules()
            .into_iter()
            .find_map(|(m, r)| (m == metric).then_some(r))
    }
}

/// Problems of the roles and the trend rules (empty or duplicate metric
/// names, bounds out of range), each with its path.
pub(crate) fn problems(c: &PipelineConfig, bad: &mut impl FnMut(String, String)) {
    let r = &c.roles;
    bounded_problems("roles.cpu", &r.cpu, bad);
    let trend = &c.models.trend;
    for (i, s) in trend.saturation.iter().enumerate() {
        bounded_problems(&format!("models.trend.saturation[{i}]"), &s.bounded(), bad);
    }
    // Every metric named by a trend rule or a role, with its path.
    let mut named: Vec<(String, &str)> = Vec::new();
    for (i, rule) in trend.capacity.iter().enumerate() {
        named.push((format!("models.trend.capacity[{i}].metric"), &rule.metric));
    }
    for (i, s) in trend.saturation.iter().enumerate() {
        named.push((format!("models.trend.saturation[{i}].metric"), &s.metric));
    }
    named.push(("roles.cpu.metric".into(), &r.cpu.metric));
    named.push(("roles.latency_p99".into(), &r.latency_p99));
    named.push(("roles.error_rate".into(), &r.error_rate));
    for (i, (path, metric)) in named.iter().enumerate() {
        if metric.trim().is_empty() {
            bad(path.clone(), "must name a metric".into());
        } else if let Some((first, _)) = named[..i].iter().find(|(_, m)| m == metric) {
            bad(
                path.clone(),
                format!("{metric:?} is already named by {first}; a metric plays one role"),
            );
        }
    }
}

fn bounded_problems(path: &str, b: &Bounded, bad: &mut impl FnMut(String, String)) {
    if !(b.limit > 0.0 && b.limit.is_finite()) {
        bad(
            format!("{path}.limit"),
            format!("must be a positive number, got {}", b.limit),
        );
    }
    if !(b.level > 0.0 && b.level <= 1.0) {
        bad(
            format!("{path}.level"),
            format!("must be within (0, 1], got {}", b.level),
        );
    }
    let level_ok = b.level > 0.0 && b.level <= 1.0;
    if !(b.forecast_from >= 0.0 && b.forecast_from <= 1.0) {
        bad(
            format!("{path}.forecast_from"),
            format!("must be within [0, 1], got {}", b.forecast_from),
        );
    } else if level_ok && b.forecast_from > b.level {
        bad(
            format!("{path}.forecast_from"),
            format!(
                "must not exceed level ({}), got {}: the trend would only be believed once saturated",
                b.level, b.forecast_from
            ),
        );
    }
}
