//! The policy's sections for acting on causes and advice: `episodes:`
//! ([`EpisodePolicy`], see [`crate::episode`]) and `optimizations:` (see
//! [`crate::optimization`]), and the chains they give: an episode's
//! ([`Policy::episode_chain`]) and an optimization's
//! ([`Policy::optimization_chain`]). Here, beside the rest of the policy,
//! so the engine asks the policy alone for any chain.

use forewarn_core::HumanDuration;
use forewarn_core::contracts::{IssueKind, OptimizationKind, PredictedIssue, RecommendedAction};
use serde::{Deserialize, Serialize};

use super::{Policy, action_name};

/// Prefix of the model name of an optimization turned into an issue.
pub const OPTIMIZATION_MODEL_PREFIX: &str = "optimization/";

/// The `episodes:` section of the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpisodePolicy {
    /// How long an opened issue waits for its episode before it is acted
    /// on alone (wall time).
    pub hold: HumanDuration,
}

/// The wire name of an optimization kind.
pub(crate) fn optimization_name(k: OptimizationKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// The kind of advice an issue stands for, when it is an optimization
/// turned into an issue (model `optimization/KIND`).
pub fn optimization_kind(issue: &PredictedIssue) -> Option<OptimizationKind> {
    let name = issue.model.name.strip_prefix(OPTIMIZATION_MODEL_PREFIX)?;
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// Check the raw `optimizations:` section: a kind that does not exist is
/// reported at its path and left out, so the rest is still read and
/// checked (the typed pass cannot name map keys).
pub(super) fn key_problems(value: &mut serde_json::Value, out: &mut Vec<String>) {
    let Some(serde_json::Value::Object(map)) = value.get_mut("optimizations") else {
        return;
    };
    map.retain(|kind, _| {
        let known = serde_json::from_value::<OptimizationKind>(serde_json::Value::String(
            kind.clone(),
        ))
        .is_ok();
        if !known {
            out.push(format!(
                "optimizations.{kind}: unknown kind of optimization; expected one of over_provisioned, scale_up_ahead, timeout_below_p99"
            ));
        }
        known
    });
}

impl Policy {
    /// The chain of an optimization turned into an issue, from
    /// `optimizations:` (`None` for any other issue).
    pub fn optimization_chain(&self, issue: &PredictedIssue) -> Option<Vec<RecommendedAction>> {
        let kind = optimization_kind(issue)?;
        Some(self.optimizations.get(&kind).cloned().unwrap_or_default())
    }

    /// The chain of an episode's `cascading_failure` issue: the root
    /// service's chain for `cascading_failure`, else for the kind of the
    /// root's first predicted member (`None` for any other issue).
    pub fn episode_chain(&self, issue: &PredictedIssue) -> Option<Vec<RecommendedAction>> {
        let ep = issue.episode.as_ref()?;
        if issue.kind != IssueKind::CascadingFailure {
            return None;
        }
        let own = self.chain(&ep.root_cause_service, IssueKind::CascadingFailure);
        if !own.is_empty() {
            return Some(own);
        }
        let root_kind = ep
            .members
            .iter()
            .filter(|m| m.service == ep.root_cause_service && !m.observed)
            .find_map(|m| serde_json::from_value(serde_json::Value::String(m.kind.clone())).ok());
        Some(root_kind.map_or_else(Vec::new, |k| self.chain(&ep.root_cause_service, k)))
    }

    /// Problems of the `optimizations:` section: every action needs an
    /// entry under `actions`.
    pub(crate) fn advice_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (kind, chain) in &self.optimizations {
            for (i, a) in chain.iter().enumerate() {
                if !self.actions.contains_key(a) {
                    out.push(format!(
                        "optimizations.{}[{i}]: action {} has no entry under actions",
                        optimization_name(*kind),
                        action_name(*a)
                    ));
                }
            }
        }
        out
    }
}
