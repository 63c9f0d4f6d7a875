//! Acting on causes: the fleet correlator (`forewarn correlate`) groups
//! the incidents of one episode (a database degrading, then its callers)
//! into one `cascading_failure` issue on the root-cause service, listing
//! the members. The remediator takes the episode's action once, on the
//! root, and records every member as covered by it, instead of acting on
//! each member.
//!
//! The correlator decides an episode a grouping window after its first
//! incident, so the members reach the remediator first. With
//!
//! ```yaml
//! episodes: { hold: 45m }   # at least correlate's --window + --lateness
//! ```
//!
//! the [`Gate`] holds each opened issue (wall time) before handing it to
//! the [`Remediator`]: when the episode arrives and its root has an action,
//! the held members are recorded as `skipped` ("covered by episode …") and
//! only the episode's action is planned, under every usual rule (kill
//! switch, shadow mode, enabled service, cooldown, rate limit, circuit
//! breaker, audit); when the root has no action, or no episode comes
//! within the hold, each member is handled on its own as before. Without
//! `episodes:` nothing is held: an episode is acted on when it arrives,
//! the cooldown of its action on the root keeping it from repeating an
//! action the root's own issue already took.
//!
//! The episode's chain ([`Policy::episode_chain`]) is the root service's chain for
//! `cascading_failure`, else its chain for the kind of the root's first
//! member. Held issues live in memory only: a restart during a hold
//! forgets them (their offsets are stored).

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{
    ActionResult, IssueKind, IssueStatus, PredictedIssue, RecommendedAction, RemediationMode,
    RemediationOutcome,
};
use forewarn_core::id::content_id;

use crate::audit::Phase;
use crate::engine::{Remediator, Step};
use crate::policy::{Mode, Policy, action_name};

/// Holds opened issues for their episode; sits in front of the
/// [`Remediator`].
#[derive(Debug)]
pub struct Gate {
    policy: Policy,
    hold: Option<TimeDelta>,
    held: BTreeMap<String, (PredictedIssue, DateTime<Utc>)>,
    covered: HashSet<String>,
}

impl Gate {
    /// A gate for `policy` (holding only with an `episodes:` section).
    pub fn new(policy: &Policy) -> Self {
        Self {
            policy: policy.clone(),
            hold: policy
                .episodes
                .as_ref()
                .map(|e| TimeDelta::milliseconds(e.hold.as_millis())),
            held: BTreeMap::new(),
            covered: HashSet::new(),
        }
    }

    /// Issues held now.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Handle one event at `now`.
    pub fn on_event(
        &mut self,
        engine: &mut Remediator,
        issue: &PredictedIssue,
        now: DateTime<Utc>,
    ) -> Vec<Step> {
        if let (Some(ep), IssueKind::CascadingFailure) = (&issue.episode, issue.kind) {
            let chain = self.policy.episode_chain(issue).unwrap_or_default();
            let mut steps = Vec::new();
            if chain.is_empty() {
                // No action for the root: the members stand on their own.
                for m in &ep.members {
                    if let Some((held, _)) = self.held.remove(&m.id) {
                        steps.extend(engine.on_event(&held, now));
                    }
                }
                steps.extend(engine.on_event(issue, now));
                return steps;
            }
            let ids: Vec<&str> = ep.members.iter().map(|m| m.id.as_str()).collect();
            steps.extend(engine.on_event(issue, now).into_iter().map(|mut s| {
                if let Step::Record { outcome, .. } = &mut s {
                    outcome.detail = format!(
                        "episode {} (root cause {}, {} incidents: {}): {}",
                        ep.id,
                        ep.root_cause_service,
                        ids.len(),
                        ids.join(", "),
                        outcome.detail
                    );
                }
                s
            }));
            for m in ep.members.iter().filter(|m| !m.observed) {
                if !self.covered.insert(m.id.clone()) {
                    continue;
                }
                let member = self.held.remove(&m.id).map(|(i, _)| i);
                steps.push(self.covered_line(issue, m, member.as_ref(), chain[0], now));
            }
            return steps;
        }
        if let Some(kind) = crate::optimization::kind_of(issue) {
            let name = serde_json::to_value(kind).unwrap_or_default();
            let name = name.as_str().unwrap_or_default();
            return engine
                .on_event(issue, now)
                .into_iter()
                .map(|mut s| {
                    if let Step::Record { outcome, .. } = &mut s {
                        outcome.detail = format!("optimization {name}: {}", outcome.detail);
                    }
                    s
                })
                .collect();
        }
        if self.covered.contains(&issue.id) {
            return if issue.status == IssueStatus::Resolved {
                engine.on_event(issue, now)
            } else {
                Vec::new()
            };
        }
        if let Some(hold) = self.hold
            && hold > TimeDelta::zero()
            && issue.status != IssueStatus::Resolved
        {
            self.held
                .entry(issue.id.clone())
                .or_insert_with(|| (issue.clone(), now + hold));
            return Vec::new();
        }
        if issue.status == IssueStatus::Resolved {
            // Cleared while held: nothing to do for it any more.
            self.held.remove(&issue.id);
        }
        engine.on_event(issue, now)
    }

    /// Issues whose hold ran out by `now`, handed to the remediator alone.
    pub fn tick(&mut self, engine: &mut Remediator, now: DateTime<Utc>) -> Vec<Step> {
        let due: Vec<String> = self
            .held
            .iter()
            .filter(|(_, (_, until))| *until <= now)
            .map(|(id, _)| id.clone())
            .collect();
        let mut steps = Vec::new();
        for id in due {
            if let Some((issue, _)) = self.held.remove(&id) {
                steps.extend(engine.on_event(&issue, now));
            }
        }
        steps
    }

    /// The audit line of a member covered by its episode's action.
    fn covered_line(
        &self,
        episode: &PredictedIssue,
        m: &forewarn_core::contracts::EpisodeMember,
        member: Option<&PredictedIssue>,
        action: RecommendedAction,
        now: DateTime<Utc>,
    ) -> Step {
        let ep = episode
            .episode
            .as_ref()
            .map(|e| e.id.as_str())
            .unwrap_or("");
        let kind = member.map(|i| i.kind).unwrap_or_else(|| {
            serde_json::from_value(serde_json::Value::String(m.kind.clone()))
                .unwrap_or(IssueKind::CascadingFailure)
        });
        let live = self.policy.mode == Mode::Live;
        Step::Record {
            phase: Phase::Skipped,
            kind,
            step: 0,
            outcome: RemediationOutcome {
                schema_version: 1,
                id: content_id(&[&m.id, "episode", ep, "covered"]),
                issue_id: m.id.clone(),
                ts: now,
                service: m.service.clone(),
                target: member.map(|i| i.instance.clone()).unwrap_or_default(),
                action,
                mode: if live {
                    RemediationMode::Live
                } else {
                    RemediationMode::Shadow
                },
                result: ActionResult::Skipped,
                duration_ms: 0,
                verified: None,
                detail: format!(
                    "covered by episode {ep}: {} on root cause {} (issue {})",
                    action_name(action),
                    episode.service,
                    episode.id
                ),
            },
        }
    }
}
