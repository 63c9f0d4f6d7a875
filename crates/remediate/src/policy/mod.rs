//! The policy file of `forewarn remediate --policy FILE` (YAML): what may
//! be done, to which service, how, and how carefully.
//!
//! ```yaml
//! version: 1
//! mode: shadow            # shadow (default): record, do nothing | live
//! cooldown: 10m           # between two actions of one kind on one service
//! max_actions: 10         # actions executed per `window`, all services
//! window: 1h
//! concurrency: 2          # actions running at once
//! circuit_breaker: { failures: 3, open_for: 30m }
//! verify_within: 10m      # the issue must clear within this after an action
//! retry: { attempts: 3, initial_backoff: 1s, max_backoff: 30s, jitter: true }
//! actions:
//!   restart: { command: ["systemctl", "restart", "{service}"], timeout: 30s }
//!   notify:  { http: { url: "https://hooks.example/x" }, timeout: 5s }
//!   scale:   { kafka: { topic: ops.commands }, timeout: 10s }
//! services:
//!   api:
//!     enabled: true       # live actions allowed for this service (rollout)
//!     chains:
//!       memory_exhaustion: [restart, notify]
//!   "*":                  # every other service
//!     chains:
//!       connection_pool_exhaustion: [reconnect, notify]
//! optimizations:          # advice from the scorer, same safety rules
//!   scale_up_ahead: [scale]
//! episodes: { hold: 45m } # wait for `forewarn correlate`, act on the root
//! ```
//!
//! Placeholders in command arguments, URLs and bodies: `{service}`,
//! `{instance}`, `{issue_id}`, `{kind}`, `{action}`, `{probability}`. Each
//! placeholder is replaced inside one argument; the command is run without
//! a shell, so a hostile field stays one argument.

use std::collections::BTreeMap;
use std::path::Path;

use forewarn_core::HumanDuration;
use forewarn_core::contracts::{IssueKind, RecommendedAction};
use serde::{Deserialize, Serialize};

mod advice;
mod read;

pub(crate) use advice::optimization_name;
pub use advice::{EpisodePolicy, OPTIMIZATION_MODEL_PREFIX, optimization_kind};

/// Shadow (record only) or live (execute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Record what would be done; do nothing.
    #[default]
    Shadow,
    /// Execute, for services whose policy enables it.
    Live,
}

/// How failed executions are retried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Attempts in all (1 = no retry).
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// Wait before the second attempt; doubles each time.
    #[serde(default = "default_initial_backoff")]
    pub initial_backoff: HumanDuration,
    /// Longest wait between attempts.
    #[serde(default = "default_max_backoff")]
    pub max_backoff: HumanDuration,
    /// Randomise each wait in [wait/2, wait] (full jitter's gentler cousin),
    /// so many remediators do not retry in step.
    #[serde(default = "yes")]
    pub jitter: bool,
}

fn default_attempts() -> u32 {
    3
}
fn default_initial_backoff() -> HumanDuration {
    HumanDuration::from_secs(1)
}
fn default_max_backoff() -> HumanDuration {
    HumanDuration::from_secs(30)
}
fn yes() -> bool {
    true
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: default_attempts(),
            initial_backoff: default_initial_backoff(),
            max_backoff: default_max_backoff(),
            jitter: true,
        }
    }
}

/// When to stop trying an action that keeps failing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreaker {
    /// Consecutive failures of one action on one service that open it.
    pub failures: u32,
    /// How long it stays open (no attempts) before one is allowed again.
    pub open_for: HumanDuration,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self {
            failures: 3,
            open_for: HumanDuration::from_secs(1800),
        }
    }
}

/// An HTTP request (webhook).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpAction {
    /// URL (placeholders allowed).
    pub url: String,
    /// Method, POST by default.
    #[serde(default = "post")]
    pub method: String,
    /// Extra headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

fn post() -> String {
    "POST".into()
}

/// A command message published to a Kafka topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaAction {
    /// Topic of the command message.
    pub topic: String,
}

/// How one action is carried out: exactly one of `command`, `http`,
/// `kafka`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// A program and its arguments (no shell).
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// A webhook.
    #[serde(default)]
    pub http: Option<HttpAction>,
    /// A command message on a topic.
    #[serde(default)]
    pub kafka: Option<KafkaAction>,
    /// Longest one attempt may take.
    #[serde(default = "default_timeout")]
    pub timeout: HumanDuration,
}

fn default_timeout() -> HumanDuration {
    HumanDuration::from_secs(30)
}

/// One service's policy.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePolicy {
    /// Live actions allowed (with `mode: live`); off by default.
    #[serde(default)]
    pub enabled: bool,
    /// Per kind of issue, the actions to try in order.
    #[serde(default)]
    pub chains: BTreeMap<IssueKind, Vec<RecommendedAction>>,
}

/// The whole policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Format version (1).
    pub version: u32,
    /// Shadow by default.
    #[serde(default)]
    pub mode: Mode,
    /// Minimum time between two actions of one kind on one service.
    #[serde(default = "default_cooldown")]
    pub cooldown: HumanDuration,
    /// Actions executed per window, all services together.
    #[serde(default = "default_max_actions")]
    pub max_actions: u32,
    /// The window of `max_actions`.
    #[serde(default = "default_window")]
    pub window: HumanDuration,
    /// Actions running at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// See [`CircuitBreaker`].
    #[serde(default)]
    pub circuit_breaker: CircuitBreaker,
    /// Deadline for the issue to clear after an action.
    #[serde(default = "default_verify")]
    pub verify_within: HumanDuration,
    /// See [`Retry`].
    #[serde(default)]
    pub retry: Retry,
    /// How each action is carried out.
    #[serde(default)]
    pub actions: BTreeMap<RecommendedAction, ActionSpec>,
    /// Per service (`"*"`: every service not listed).
    #[serde(default)]
    pub services: BTreeMap<String, ServicePolicy>,
    /// What the pipeline says of each service (`recovery_strategy`,
    /// `auto_retry`), for what the policy leaves open: see
    /// [`Policy::adopt_pipeline`]. Not part of the policy file.
    #[serde(skip)]
    pub pipeline: BTreeMap<String, PipelineDefaults>,
    /// Per kind of optimization advice, the actions to try in order
    /// (e.g. `scale_up_ahead: [scale]`); see [`crate::optimization`].
    #[serde(default)]
    pub optimizations: BTreeMap<forewarn_core::contracts::OptimizationKind, Vec<RecommendedAction>>,
    /// Acting on episodes of the fleet correlator; see [`crate::episode`].
    #[serde(default)]
    pub episodes: Option<EpisodePolicy>,
}

/// The remediation settings of one service in the pipeline
/// (`services.<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipelineDefaults {
    /// `recovery_strategy`: the chain of every issue kind the policy has
    /// no chain for on this service.
    pub recovery_strategy: RecommendedAction,
    /// `auto_retry`: whether a failed action on this service is retried
    /// (the policy's `retry`); without it, one attempt.
    pub auto_retry: bool,
}

fn default_cooldown() -> HumanDuration {
    HumanDuration::from_secs(600)
}
fn default_max_actions() -> u32 {
    10
}
fn default_window() -> HumanDuration {
    HumanDuration::from_secs(3600)
}
fn default_concurrency() -> usize {
    2
}
fn default_verify() -> HumanDuration {
    HumanDuration::from_secs(600)
}

/// Every problem of a policy, each with its path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct Problems(pub Vec<String>);

impl Policy {
    /// Read and check a policy file.
    pub fn load(path: &Path) -> Result<Self, Problems> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Problems(vec![format!("{}: {e}", path.display())]))?;
        Self::parse(&text)
    }

    /// Every problem at once.
    pub fn check(&self) -> Result<(), Problems> {
        let mut out = Vec::new();
        if self.version != 1 {
            out.push(format!(
                "version: unsupported {} (expected 1)",
                self.version
            ));
        }
        if self.concurrency == 0 {
            out.push("concurrency: must be at least 1".into());
        }
        if self.retry.attempts == 0 {
            out.push("retry.attempts: must be at least 1".into());
        }
        if self.circuit_breaker.failures == 0 {
            out.push("circuit_breaker.failures: must be at least 1".into());
        }
        for (action, spec) in &self.actions {
            let path = format!("actions.{}", action_name(*action));
            let n = usize::from(spec.command.is_some())
                + usize::from(spec.http.is_some())
                + usize::from(spec.kafka.is_some());
            if n != 1 {
                out.push(format!(
                    "{path}: give exactly one of command, http, kafka (found {n})"
                ));
            }
            if let Some(argv) = &spec.command
                && argv.first().is_none_or(|p| p.is_empty())
            {
                out.push(format!("{path}.command: needs a program"));
            }
            if let Some(h) = &spec.http
                && !(h.url.starts_with("http://") || h.url.starts_with("https://"))
            {
                out.push(format!(
                    "{path}.http.url: must start with http:// or https://"
                ));
            }
            if spec.timeout.as_millis() == 0 {
                out.push(format!("{path}.timeout: must be positive"));
            }
        }
        for (service, sp) in &self.services {
            for (kind, chain) in &sp.chains {
                for (i, a) in chain.iter().enumerate() {
                    if !self.actions.contains_key(a) {
                        out.push(format!(
                            "services.{service}.chains.{}[{i}]: action {} has no entry under actions",
                            issue_name(*kind),
                            action_name(*a)
                        ));
                    }
                }
            }
        }
        out.extend(self.advice_problems());
        if out.is_empty() {
            Ok(())
        } else {
            Err(Problems(out))
        }
    }

    /// The policy of `service` (its own, else `"*"`, else none).
    pub fn service(&self, service: &str) -> Option<&ServicePolicy> {
        self.services
            .get(service)
            .or_else(|| self.services.get("*"))
    }

    /// Take each service's `recovery_strategy` and `auto_retry` from the
    /// pipeline, for [`Policy::chain`] and [`Policy::retry_for`].
    pub fn adopt_pipeline(&mut self, services: &BTreeMap<String, forewarn_config::ServiceConfig>) {
        self.pipeline = services
            .iter()
            .map(|(name, c)| {
                let d = PipelineDefaults {
                    recovery_strategy: c.recovery_strategy,
                    auto_retry: c.auto_retry,
                };
                (name.clone(), d)
            })
            .collect();
    }

    /// The actions to try, in order, for an issue of `kind` on `service`:
    /// the chain of the service's own policy, else of `"*"`; when neither
    /// has one, the pipeline's `recovery_strategy` for the service (then
    /// `notify`, if the policy says how to notify). Empty when nothing
    /// applies.
    pub fn chain(&self, service: &str, kind: IssueKind) -> Vec<RecommendedAction> {
        let listed = [self.services.get(service), self.services.get("*")]
            .into_iter()
            .flatten()
            .find_map(|s| s.chains.get(&kind));
        if let Some(chain) = listed {
            return chain.clone();
        }
        let Some(d) = self.pipeline.get(service) else {
            return Vec::new();
        };
        let mut chain = vec![d.recovery_strategy];
        if d.recovery_strategy != RecommendedAction::Notify
            && self.actions.contains_key(&RecommendedAction::Notify)
        {
            chain.push(RecommendedAction::Notify);
        }
        chain
    }

    /// How failed actions on `service` are retried: the policy's `retry`,
    /// or one attempt for a service whose pipeline entry says
    /// `auto_retry: false`.
    pub fn retry_for(&self, service: &str) -> Retry {
        match self.pipeline.get(service) {
            Some(d) if !d.auto_retry => Retry {
                attempts: 1,
                ..self.retry.clone()
            },
            _ => self.retry.clone(),
        }
    }
}

/// The snake_case name of an action, as in policy files and events.
pub fn action_name(a: RecommendedAction) -> String {
    serde_json::to_value(a)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The snake_case name of an issue kind.
pub fn issue_name(k: IssueKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
