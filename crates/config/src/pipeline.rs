//! The typed pipeline configuration. Field docs here are the reference for
//! `pipelines/*.yaml`; defaults come from the named `default_*` functions.
//!
//! Unknown keys are refused by validation (the derived JSON Schema sets
//! `additionalProperties: false`), which collects all of them at once rather
//! than stopping at the first as serde would.

use std::collections::BTreeMap;

use forewarn_core::HumanDuration;
use forewarn_core::contracts::{IssueKind, RecommendedAction};
use forewarn_features::FeatureSpec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::health::{HealthCheck, HealthProbe};
use crate::probability::Probability;
use crate::roles::{Roles, SaturationRule};
pub use crate::slo::{DEFAULT_AVAILABILITY, DEFAULT_SLO_PERIOD, DEFAULT_THRESHOLD_OBJECTIVE, Slo};

/// A whole pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PipelineConfig {
    /// Format version of this file; must be 1.
    pub version: u32,
    /// Topics read.
    pub sources: Sources,
    /// Topics written.
    #[serde(default)]
    pub sinks: Sinks,
    /// Windows, features and input rules.
    pub features: FeatureSpec,
    /// Models applied to the features.
    #[serde(default)]
    pub models: Models,
    /// When a score becomes an event.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Per-service settings, keyed by service name; also the dependency graph.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceConfig>,
    /// Which metric plays each role the models rely on (p99 latency, error
    /// rate, CPU); the capacity rules name the others.
    #[serde(default)]
    pub roles: Roles,
}

/// Wire format of a source topic: one type with the decoders and the
/// command line (`forewarn_core::Format`).
pub use forewarn_core::Format;

/// One topic to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SourceConfig {
    /// Kafka topic.
    pub topic: String,
    /// Wire format of its records.
    #[serde(default = "default_format")]
    pub format: Format,
}

fn default_format() -> Format {
    Format::Json
}

/// The topics read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Sources {
    /// Metric samples.
    pub metrics: SourceConfig,
    /// Log records; optional.
    #[serde(default)]
    pub logs: Option<SourceConfig>,
}

/// The topics written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Sinks {
    /// Predicted-issue events, keyed by service.
    #[serde(default = "default_predictions")]
    pub predictions: String,
    /// Optimization events, keyed by service.
    #[serde(default = "default_optimizations")]
    pub optimizations: String,
    /// Records that could not be decoded, with their reason and origin.
    #[serde(default = "default_dead_letter")]
    pub dead_letter: String,
    /// Remediation outcomes.
    #[serde(default = "default_outcomes")]
    pub outcomes: String,
    /// Compacted topic of scorer state checkpoints.
    #[serde(default = "default_checkpoints")]
    pub checkpoints: String,
    /// Service events observed by `forewarn watch` (crashed, hung,
    /// restarted...), keyed by service.
    #[serde(default = "default_service_events")]
    pub service_events: String,
    /// The kill switch (`forewarn control`), compacted, read by every
    /// process that acts (`remediate`, `watch`).
    #[serde(default = "default_control")]
    pub control: String,
}

fn default_predictions() -> String {
    "forewarn.predictions".into()
}
fn default_optimizations() -> String {
    "forewarn.optimizations".into()
}
fn default_dead_letter() -> String {
    "forewarn.dead-letter".into()
}
fn default_outcomes() -> String {
    "forewarn.remediation-outcomes".into()
}
fn default_checkpoints() -> String {
    "forewarn.checkpoints".into()
}
fn default_service_events() -> String {
    "forewarn.service-events".into()
}
fn default_control() -> String {
    "forewarn.control".into()
}

impl Default for Sinks {
    fn default() -> Self {
        Self {
            predictions: default_predictions(),
            optimizations: default_optimizations(),
            dead_letter: default_dead_letter(),
            outcomes: default_outcomes(),
            checkpoints: default_checkpoints(),
            service_events: default_service_events(),
            control: default_control(),
        }
    }
}

/// Models applied to the features.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Models {
    /// Time-to-exhaustion and degradation forecasts.
    #[serde(default)]
    pub trend: TrendConfig,
    /// Trained anomaly models.
    #[serde(default)]
    pub anomaly: AnomalyConfig,
    /// Log template mining and the log-anomaly detector (needs
    /// `sources.logs`).
    #[serde(default)]
    pub logs: LogModelConfig,
}

/// Log template mining per service, the per-minute log features it feeds
/// into the windows (`log_lines_per_s`, `log_error_rate`, `log_warn_rate`,
/// `log_new_template_rate`, `log_template_js`, `log_top_template_share`)
/// and the log-anomaly detector over them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LogModelConfig {
    /// Whether log records are mined and scored.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Regexes whose matches are variable parts (`<*>`), applied before
    /// tokenising, e.g. `blk_-?\d+`. The default,
    /// `forewarn_logs::DEFAULT_MASKS`, masks UUIDs, IPv4 addresses and host
    /// names with a port, hex ids and numbers with a time or size unit, so
    /// even a template seen once reads as a template; a list replaces it.
    #[serde(default = "default_log_masks")]
    pub masks: Vec<String>,
    /// Log history a service needs before its anomalies are reported
    /// (templates and rates must settle first).
    #[serde(default = "default_log_warmup")]
    pub warmup: HumanDuration,
}

impl Default for LogModelConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            masks: default_log_masks(),
            warmup: default_log_warmup(),
        }
    }
}

/// `forewarn_logs::DEFAULT_MASKS`: chosen leave-systems-out on Loghub (see
/// the README's "Log templates").
fn default_log_masks() -> Vec<String> {
    forewarn_logs::config::default_masks()
}

fn default_log_warmup() -> HumanDuration {
    HumanDuration::from_secs(1800)
}

/// A capacity-like metric and the limit it runs into. The first rule
/// raising `memory_exhaustion`, `disk_exhaustion`,
/// `connection_pool_exhaustion` or `queue_backlog` also names the memory,
/// disk, connections or queue role (see [`PipelineConfig::roles_map`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CapacityRule {
    /// The metric that grows, e.g. `memory_rss_bytes`.
    pub metric: String,
    /// A metric that carries the limit, e.g. `memory_limit_bytes`; when
    /// absent, the service's `limits` entry named by `limit` is used.
    #[serde(default)]
    pub limit_metric: Option<String>,
    /// Which `services.*.limits` field bounds the metric.
    #[serde(default)]
    pub limit: Option<LimitKind>,
    /// The issue raised when the forecast crosses the limit.
    pub issue: IssueKind,
}

/// Names of the per-service limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// `limits.memory_bytes`.
    MemoryBytes,
    /// `limits.disk_bytes`.
    DiskBytes,
    /// `limits.connections`.
    Connections,
    /// `limits.queue_depth`.
    QueueDepth,
}

/// Trend models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TrendConfig {
    /// Whether trend models run.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// How far ahead to forecast.
    #[serde(default = "default_horizon")]
    pub horizon: HumanDuration,
    /// History a series needs before its forecast is trusted (default
    /// 30 minutes: a heap filling toward its first collection after a
    /// start is not a leak; README, "Trend warm-up: 30 minutes of
    /// history").
    #[serde(default = "default_min_history")]
    pub min_history: HumanDuration,
    /// Capacity-like metrics and their limits.
    #[serde(default)]
    pub capacity: Vec<CapacityRule>,
    /// Bounded utilisation metrics besides `roles.cpu` (which always has
    /// a saturation trend), each forecast toward its saturation level.
    #[serde(default)]
    pub saturation: Vec<SaturationRule>,
}

fn default_true() -> bool {
    true
}
fn default_horizon() -> HumanDuration {
    HumanDuration::from_secs(2 * 3600)
}
fn default_min_history() -> HumanDuration {
    HumanDuration::from_secs(1800)
}

impl Default for TrendConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            horizon: default_horizon(),
            min_history: default_min_history(),
            capacity: Vec::new(),
            saturation: Vec::new(),
        }
    }
}

/// Trained anomaly models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AnomalyConfig {
    /// Whether anomaly models run.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Model artifact directory (`models/<name>`); the newest version is used.
    #[serde(default)]
    pub artifact: Option<String>,
    /// Metrics that also get the online univariate detector, per series
    /// (range breaks, sequence novelty, distance from the daily profile;
    /// see `forewarn_models::univariate`). Costs about 1 µs per sample of
    /// each such series, so list only the metrics that matter.
    #[serde(default)]
    pub univariate: Vec<String>,
    /// How long each instance's multivariate baseline runs (learning, not
    /// alarming) after its windows first filled, before it may raise a
    /// `metric_anomaly`: it takes the instance's level and widens each
    /// feature's spread to what the instance shows (afterwards the spread
    /// keeps widening, with a 12 h half-life, to what the instance shows).
    /// Default 2 h, chosen across sources with that growth half-life
    /// (README, "Anomaly model": smd-dev and simulated fleets); a new
    /// instance is judged by this layer after its longest window plus the
    /// warm-up.
    #[serde(default = "default_anomaly_warmup")]
    pub warmup: HumanDuration,
}

fn default_anomaly_warmup() -> HumanDuration {
    HumanDuration::from_secs(2 * 3600)
}

impl Default for AnomalyConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            artifact: None,
            univariate: Vec::new(),
            warmup: default_anomaly_warmup(),
        }
    }
}

/// When a score becomes an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Thresholds {
    /// Probability at or above which an issue opens, in (0, 1].
    #[serde(default = "default_probability")]
    pub probability: Probability,
    /// An open issue resolves when its probability falls below
    /// `probability − hysteresis`.
    #[serde(default = "default_hysteresis")]
    pub hysteresis: Probability,
    /// How long a score must stay above the threshold before an issue opens.
    #[serde(default = "default_min_duration")]
    pub min_duration: HumanDuration,
    /// After an issue resolves, the same kind on the same target is not
    /// re-opened for this long.
    #[serde(default = "default_suppress")]
    pub suppress_for: HumanDuration,
    /// Per-kind overrides of `probability`.
    #[serde(default)]
    pub per_kind: BTreeMap<IssueKind, Probability>,
    /// Per-kind overrides of `min_duration`. The anomaly models calibrate
    /// every evaluation against their training tails already, so a short
    /// fault is worth an incident; trends are held to `min_duration`.
    #[serde(default)]
    pub per_kind_min_duration: BTreeMap<IssueKind, HumanDuration>,
    /// When a service that was reporting counts as silent
    /// (`service_silent`).
    #[serde(default)]
    pub silence: Silence,
}

/// When a service that stopped sending data opens a `service_silent`
/// incident: after `missed_intervals` of its own learned interval, and
/// never sooner than `min_silence`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Silence {
    /// Missed intervals before a service counts as silent; 0 turns the
    /// check off.
    #[serde(default = "default_missed_intervals")]
    pub missed_intervals: u32,
    /// The shortest silence that counts, whatever the interval.
    #[serde(default = "default_min_silence")]
    pub min_silence: HumanDuration,
}

fn default_missed_intervals() -> u32 {
    5
}
fn default_min_silence() -> HumanDuration {
    HumanDuration::from_secs(30)
}

impl Default for Silence {
    fn default() -> Self {
        Self {
            missed_intervals: default_missed_intervals(),
            min_silence: default_min_silence(),
        }
    }
}

fn default_probability() -> Probability {
    Probability::new_const(0.7)
}
fn default_hysteresis() -> Probability {
    Probability::new_const(0.1)
}
fn default_min_duration() -> HumanDuration {
    HumanDuration::from_secs(60)
}
fn default_suppress() -> HumanDuration {
    HumanDuration::from_secs(1800)
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            probability: default_probability(),
            hysteresis: default_hysteresis(),
            min_duration: default_min_duration(),
            suppress_for: default_suppress(),
            per_kind: BTreeMap::new(),
            silence: Silence::default(),
            per_kind_min_duration: BTreeMap::new(),
        }
    }
}

/// Capacity limits of one instance of a service.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Limits {
    /// Memory limit in bytes (OOM kill above it).
    #[serde(default)]
    pub memory_bytes: Option<f64>,
    /// Disk capacity in bytes.
    #[serde(default)]
    pub disk_bytes: Option<f64>,
    /// Connection pool size.
    #[serde(default)]
    pub connections: Option<f64>,
    /// Queue depth at which work is shed.
    #[serde(default)]
    pub queue_depth: Option<f64>,
    /// CPU cores available.
    #[serde(default)]
    pub cpu_cores: Option<f64>,
}

impl Limits {
    /// The limit of one kind, if set.
    pub fn get(&self, kind: LimitKind) -> Option<f64> {
        match kind {
            LimitKind::MemoryBytes => self.memory_bytes,
            LimitKind::DiskBytes => self.disk_bytes,
            LimitKind::Connections => self.connections,
            LimitKind::QueueDepth => self.queue_depth,
        }
    }
}

/// Settings of one service, in the spirit of a reliability config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Services this one calls; failures spread from them to it.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Whether failed calls of this service are retried with backoff.
    #[serde(default)]
    pub auto_retry: bool,
    /// Request timeout this service's callers use.
    #[serde(default)]
    pub timeout: Option<HumanDuration>,
    /// How `forewarn watch` checks the service is serving (HTTP, TCP or
    /// a command); a run of failures is a hang. (Its schema is the
    /// object's own, so a wrong key is named, not "none of anyOf".)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "HealthCheck")]
    pub health_check: Option<HealthCheck>,
    /// First action when an issue is predicted.
    #[serde(default = "default_recovery")]
    pub recovery_strategy: RecommendedAction,
    /// Capacity limits.
    #[serde(default)]
    pub limits: Limits,
    /// Objectives.
    #[serde(default)]
    pub slo: Slo,
}

fn default_recovery() -> RecommendedAction {
    RecommendedAction::Notify
}
