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
//! member.
//!
//! Holds are durable: an issue is recorded `held` in the audit log, with
//! the whole issue, before it waits (its offset is stored after that
//! line), and any later line of the same issue ends the hold (acted on
//! alone, covered by its episode, or cleared while held: a `skipped`
//! line). At start, [`Gate::restore`] rebuilds the held set from the log:
//! an issue still held waits for the rest of its hold (from its `held`
//! line's time, under the hold of the policy now); one whose hold ended
//! while the remediator was down is decided at once, alone; a member of
//! an episode whose action is already in the log (its `queued` line
//! carries the episode) is covered by it.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{
    ActionResult, IssueKind, IssueStatus, PredictedIssue, RecommendedAction, RemediationMode,
    RemediationOutcome,
};
use forewarn_core::id::content_id;

use crate::audit::{Entry, Phase};
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
            && !engine.handled(&issue.id)
        {
            if self.held.contains_key(&issue.id) {
                return Vec::new();
            }
            self.held
                .insert(issue.id.clone(), (issue.clone(), now + hold));
            let mut outcome = self.line(issue, now, "held");
            outcome.detail = format!(
                "held for its episode until {} (episodes.hold {})",
                (now + hold).to_rfc3339(),
                self.policy
                    .episodes
                    .as_ref()
                    .map(|e| e.hold.to_string())
                    .unwrap_or_default()
            );
            return vec![Step::Hold {
                issue: Box::new(issue.clone()),
                outcome,
            }];
        }
        let mut steps = Vec::new();
        if issue.status == IssueStatus::Resolved
            && let Some((held, _)) = self.held.remove(&issue.id)
        {
            // Cleared while held: nothing to do for it any more; the line
            // ends its hold in the log.
            engine.mark_handled(&held.id);
            let mut outcome = self.line(&held, now, "cleared");
            outcome.detail = "the issue cleared while held for its episode: nothing to do".into();
            steps.push(Step::Record {
                phase: Phase::Skipped,
                kind: held.kind,
                step: 0,
                outcome,
            });
        }
        steps.extend(engine.on_event(issue, now));
        steps
    }

    /// Rebuild the held set from the audit log at start (after
    /// [`Remediator::restore`]), as of `now`: what is returned covers the
    /// held members of an episode already acted on, and decides, alone,
    /// the issues whose hold ended while the remediator was down.
    pub fn restore(
        &mut self,
        engine: &mut Remediator,
        entries: &[Entry],
        now: DateTime<Utc>,
    ) -> Vec<Step> {
        let hold = self.hold.unwrap_or_default();
        let mut held: BTreeMap<String, (PredictedIssue, DateTime<Utc>)> = BTreeMap::new();
        let mut episodes: Vec<PredictedIssue> = Vec::new();
        for e in entries {
            match e.phase {
                Phase::Control => {}
                Phase::Held => {
                    if let Some(i) = &e.issue {
                        held.entry(i.id.clone())
                            .or_insert_with(|| (i.clone(), e.outcome.ts + hold));
                    }
                }
                _ => {
                    held.remove(&e.outcome.issue_id);
                    if let Some(i) = &e.issue
                        && i.kind == IssueKind::CascadingFailure
                        && i.episode.is_some()
                    {
                        episodes.push(i.clone());
                    }
                }
            }
        }
        self.held = held;
        let mut steps = Vec::new();
        // An episode acted on before the stop covers its members, also
        // when the stop came before their `skipped` lines.
        for issue in &episodes {
            let (Some(ep), Some(&action)) = (
                &issue.episode,
                self.policy.episode_chain(issue).unwrap_or_default().first(),
            ) else {
                continue;
            };
            for m in ep.members.iter().filter(|m| !m.observed) {
                if !self.covered.insert(m.id.clone()) || engine.handled(&m.id) {
                    continue;
                }
                let member = self.held.remove(&m.id).map(|(i, _)| i);
                engine.mark_handled(&m.id);
                steps.push(self.covered_line(issue, m, member.as_ref(), action, now));
            }
        }
        steps.extend(self.tick(engine, now));
        steps
    }

    /// The outcome of a gate's own line about `issue` (held, cleared).
    fn line(&self, issue: &PredictedIssue, now: DateTime<Utc>, tag: &str) -> RemediationOutcome {
        let action = (self
            .policy
            .chain(&issue.service, issue.kind)
            .first()
            .copied())
        .or(issue.recommended_action)
        .unwrap_or(RecommendedAction::Notify);
        RemediationOutcome {
            schema_version: 1,
            id: content_id(&[&issue.id, "episode", tag]),
            issue_id: issue.id.clone(),
            ts: now,
            service: issue.service.clone(),
            target: issue.instance.clone(),
            action,
            mode: RemediationMode::Shadow,
            result: ActionResult::Skipped,
            duration_ms: 0,
            verified: None,
            detail: String::new(),
        }
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
