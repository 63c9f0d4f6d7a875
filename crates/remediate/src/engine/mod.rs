//! [`Remediator`]: decides, for each predicted-issue event, what to do
//! under the policy, and follows each action through verification and
//! escalation. It does no I/O: it returns [`Step`]s (execute this, record
//! that) and is told results and the time, so every safety rule is
//! testable with a fake clock.
//!
//! For an issue it has not handled yet (de-duplicated by event id, so an
//! at-least-once input never acts twice), it takes the service's chain for
//! the issue's kind and plans the first action. A planned action is
//! executed only if, in this order: the kill switch is off, the policy is
//! `live`, the service is enabled, the action's cooldown on that service
//! has passed, the global rate limit has room and the action's circuit
//! breaker on that service is closed. Otherwise it is recorded as skipped,
//! with the reason. After an execution that succeeded, the issue must
//! clear (a `resolved` event for its id) within `verify_within`; if it
//! does not, or the execution failed, the next action of the chain is
//! planned (escalation).

use std::collections::{HashMap, HashSet, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{
    ActionResult, IssueKind, IssueStatus, PredictedIssue, RecommendedAction, RemediationMode,
    RemediationOutcome,
};
use forewarn_core::id::content_id;

use crate::audit::Phase;
use crate::executor::{ActionContext, Execution, Outcome};
use crate::policy::{Mode, Policy, action_name, issue_name};

mod restore;

/// An action to execute now.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// The issue.
    pub issue: PredictedIssue,
    /// Position in its chain.
    pub step: usize,
    /// The action.
    pub action: RecommendedAction,
    /// What the executor fills placeholders with.
    pub context: ActionContext,
    /// When it was planned.
    pub at: DateTime<Utc>,
}

/// What the runtime must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Record (audit, then publish) this outcome.
    Record {
        /// What the line is.
        phase: Phase,
        /// The issue's kind.
        kind: IssueKind,
        /// Position in the chain.
        step: usize,
        /// The outcome.
        outcome: RemediationOutcome,
    },
    /// Execute this action: record its `Queued` line (with the issue),
    /// then its `Started` line when a slot is free, then run it.
    Execute(Box<Planned>),
    /// An action queued before a restart and not started: queue it again
    /// (its `Queued` line is on disk already).
    Resume(Box<Planned>),
    /// An opened issue held for its episode ([`crate::episode::Gate`]):
    /// record its `Held` line, with the issue, before it waits. Not
    /// published.
    Hold {
        /// The issue held.
        issue: Box<PredictedIssue>,
        /// The line's outcome (`detail` says until when).
        outcome: RemediationOutcome,
    },
}

#[derive(Debug, Clone, Copy, Default)]
struct Breaker {
    failures: u32,
    open_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
struct Watch {
    issue: PredictedIssue,
    step: usize,
    action: RecommendedAction,
    deadline: DateTime<Utc>,
}

/// Counters, for logs and the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Events seen.
    pub events: u64,
    /// Events ignored as already handled (same id).
    pub duplicates: u64,
    /// Actions executed.
    pub executed: u64,
    /// Actions skipped (any reason).
    pub skipped: u64,
}

/// The remediator's decisions and memory.
#[derive(Debug)]
pub struct Remediator {
    policy: Policy,
    /// Why actions are disabled (the kill switch), `None` when they are not.
    disabled: Option<String>,
    handled: HashSet<String>,
    resolved: HashSet<String>,
    last_run: HashMap<(String, RecommendedAction), DateTime<Utc>>,
    recent: VecDeque<DateTime<Utc>>,
    breakers: HashMap<(String, RecommendedAction), Breaker>,
    watching: HashMap<String, Watch>,
    counts: Counts,
}

/// Step `step` of `issue`'s chain, `action`, planned at `at`.
fn planned(
    issue: &PredictedIssue,
    step: usize,
    action: RecommendedAction,
    at: DateTime<Utc>,
) -> Planned {
    Planned {
        issue: issue.clone(),
        step,
        action,
        context: ActionContext {
            service: issue.service.clone(),
            instance: issue.instance.clone(),
            issue_id: issue.id.clone(),
            kind: issue_name(issue.kind),
            action: action_name(action),
            probability: issue.probability,
        },
        at,
    }
}

fn td(d: forewarn_core::HumanDuration) -> TimeDelta {
    TimeDelta::milliseconds(d.as_millis())
}

impl Remediator {
    /// A remediator for `policy`; `enabled` is the kill switch
    /// (`RELIABILITY_ENGINE_ENABLED`): when false, nothing is executed,
    /// whatever the policy says.
    pub fn new(policy: Policy, enabled: bool) -> Self {
        Self {
            policy,
            disabled: (!enabled).then(|| format!("kill switch: {}=false", forewarn_control::VAR)),
            handled: HashSet::new(),
            resolved: HashSet::new(),
            last_run: HashMap::new(),
            recent: VecDeque::new(),
            breakers: HashMap::new(),
            watching: HashMap::new(),
            counts: Counts::default(),
        }
    }

    /// Whether an event of this issue id was decided on (acted on,
    /// skipped, or covered), here or before a restart.
    pub fn handled(&self, id: &str) -> bool {
        self.handled.contains(id)
    }

    /// Note `id` as decided on without a chain of its own (an issue that
    /// cleared while held), so that a repeat of its event is a duplicate.
    pub fn mark_handled(&mut self, id: &str) {
        self.handled.insert(id.to_string());
    }

    /// Counters so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Switch actions off (`Some(why)`, the reason recorded on every
    /// action skipped because of it, starting with `kill switch:`) or back
    /// on (`None`): the live kill switch.
    pub fn set_disabled(&mut self, why: Option<String>) {
        self.disabled = why;
    }

    /// Why actions are disabled, if they are.
    pub fn disabled(&self) -> Option<&str> {
        self.disabled.as_deref()
    }

    /// Handle one event at `now`.
    pub fn on_event(&mut self, issue: &PredictedIssue, now: DateTime<Utc>) -> Vec<Step> {
        self.counts.events += 1;
        if issue.status == IssueStatus::Resolved {
            self.resolved.insert(issue.id.clone());
            return match self.watching.remove(&issue.id) {
                Some(w) => vec![self.verified(&w, true, now, "the issue cleared".into())],
                None => Vec::new(),
            };
        }
        if !self.handled.insert(issue.id.clone()) {
            self.counts.duplicates += 1;
            return Vec::new();
        }
        let chain = self.chain(issue);
        if chain.is_empty() {
            self.counts.skipped += 1;
            let action = issue
                .recommended_action
                .unwrap_or(RecommendedAction::Notify);
            return vec![self.skip(
                issue,
                0,
                action,
                now,
                format!(
                    "no chain for {} on {} in the policy",
                    issue_name(issue.kind),
                    issue.service
                ),
            )];
        }
        self.plan(issue, 0, now)
    }

    fn chain(&self, issue: &PredictedIssue) -> Vec<RecommendedAction> {
        (self.policy.optimization_chain(issue))
            .or_else(|| self.policy.episode_chain(issue))
            .unwrap_or_else(|| self.policy.chain(&issue.service, issue.kind))
    }

    /// Plan step `step` of the issue's chain (or nothing past its end).
    fn plan(&mut self, issue: &PredictedIssue, step: usize, now: DateTime<Utc>) -> Vec<Step> {
        let Some(&action) = self.chain(issue).get(step) else {
            return Vec::new();
        };
        let key = (issue.service.clone(), action);
        let reason = self.blocked(issue, &key, now);
        if let Some(reason) = reason {
            self.counts.skipped += 1;
            // A skipped step does not stop the chain from being watched in
            // live mode: the next step is tried only after a failure or a
            // failed verification of an executed one.
            return vec![self.skip(issue, step, action, now, reason)];
        }
        self.counts.executed += 1;
        self.last_run.insert(key, now);
        self.recent.push_back(now);
        vec![Step::Execute(Box::new(planned(issue, step, action, now)))]
    }

    /// Why the action `key` may not run now, if it may not.
    fn blocked(
        &mut self,
        issue: &PredictedIssue,
        key: &(String, RecommendedAction),
        now: DateTime<Utc>,
    ) -> Option<String> {
        let name = action_name(key.1);
        if let Some(why) = &self.disabled {
            return Some(why.clone());
        }
        if self.policy.mode == Mode::Shadow {
            return Some(format!("shadow mode: would {name} {}", issue.service));
        }
        if !self
            .policy
            .service(&issue.service)
            .is_some_and(|s| s.enabled)
        {
            return Some(format!(
                "actions are not enabled for service {}",
                issue.service
            ));
        }
        if let Some(t) = self.last_run.get(key)
            && now < *t + td(self.policy.cooldown)
        {
            return Some(format!(
                "cooldown: {name} ran on {} at {t}, less than {} ago",
                issue.service, self.policy.cooldown
            ));
        }
        let since = now - td(self.policy.window);
        while self.recent.front().is_some_and(|t| *t < since) {
            self.recent.pop_front();
        }
        if self.recent.len() >= self.policy.max_actions as usize {
            return Some(format!(
                "rate limit: {} actions in the last {}",
                self.recent.len(),
                self.policy.window
            ));
        }
        if let Some(until) = self.breakers.get(key).and_then(|b| b.open_until)
            && now < until
        {
            return Some(format!(
                "circuit breaker open for {name} on {} until {until}",
                issue.service
            ));
        }
        None
    }

    fn outcome(
        &self,
        issue: &PredictedIssue,
        step: usize,
        action: RecommendedAction,
        phase: &str,
        now: DateTime<Utc>,
    ) -> RemediationOutcome {
        RemediationOutcome {
            schema_version: 1,
            id: content_id(&[&issue.id, &action_name(action), &step.to_string(), phase]),
            issue_id: issue.id.clone(),
            ts: now,
            service: issue.service.clone(),
            target: issue.instance.clone(),
            action,
            mode: if self.policy.mode == Mode::Live && self.disabled.is_none() {
                RemediationMode::Live
            } else {
                RemediationMode::Shadow
            },
            result: ActionResult::Skipped,
            duration_ms: 0,
            verified: None,
            detail: String::new(),
        }
    }

    fn skip(
        &self,
        issue: &PredictedIssue,
        step: usize,
        action: RecommendedAction,
        now: DateTime<Utc>,
        detail: String,
    ) -> Step {
        let mut o = self.outcome(issue, step, action, "skipped", now);
        o.mode = RemediationMode::Shadow;
        o.detail = detail;
        Step::Record {
            phase: Phase::Skipped,
            kind: issue.kind,
            step,
            outcome: o,
        }
    }

    /// The outcome of a planned action's `Queued` line (recorded, with the
    /// issue, before it waits for a slot).
    pub fn queued(&self, p: &Planned) -> RemediationOutcome {
        let mut o = self.outcome(&p.issue, p.step, p.action, "queued", p.at);
        o.mode = RemediationMode::Live;
        o.detail = format!(
            "{} {}: queued, waiting for a free slot (concurrency {})",
            p.context.action, p.issue.service, self.policy.concurrency
        );
        o
    }

    /// A queued action given up before it started: its `Skipped` line,
    /// with `why`.
    pub fn abandon(&mut self, p: &Planned, why: &str, now: DateTime<Utc>) -> Step {
        self.counts.executed = self.counts.executed.saturating_sub(1);
        self.counts.skipped += 1;
        self.skip(
            &p.issue,
            p.step,
            p.action,
            now,
            format!("abandoned while queued: {why}"),
        )
    }

    /// The `Started` line of a planned action (record it before executing).
    pub fn started(&self, p: &Planned) -> Step {
        let mut o = self.outcome(&p.issue, p.step, p.action, "started", p.at);
        o.mode = RemediationMode::Live;
        o.detail = format!("{} {}", p.context.action, p.issue.service);
        Step::Record {
            phase: Phase::Started,
            kind: p.issue.kind,
            step: p.step,
            outcome: o,
        }
    }

    /// An execution finished.
    pub fn on_result(&mut self, p: &Planned, ex: &Execution, now: DateTime<Utc>) -> Vec<Step> {
        let mut o = self.outcome(&p.issue, p.step, p.action, "finished", p.at);
        o.mode = RemediationMode::Live;
        o.result = match ex.outcome {
            Outcome::Succeeded => ActionResult::Succeeded,
            Outcome::Failed => ActionResult::Failed,
            Outcome::TimedOut => ActionResult::TimedOut,
        };
        o.duration_ms = ex.duration.as_millis() as u64;
        o.detail = format!("{} (attempts: {})", ex.detail, ex.attempts);
        let mut steps = vec![Step::Record {
            phase: Phase::Finished,
            kind: p.issue.kind,
            step: p.step,
            outcome: o,
        }];
        let key = (p.issue.service.clone(), p.action);
        let b = self.breakers.entry(key).or_default();
        if ex.outcome == Outcome::Succeeded {
            *b = Breaker::default();
            let w = Watch {
                issue: p.issue.clone(),
                step: p.step,
                action: p.action,
                deadline: now + td(self.policy.verify_within),
            };
            if self.resolved.contains(&p.issue.id) {
                steps.push(self.verified(&w, true, now, "the issue had already cleared".into()));
            } else {
                self.watching.insert(p.issue.id.clone(), w);
            }
        } else {
            b.failures += 1;
            if b.failures >= self.policy.circuit_breaker.failures {
                b.open_until = Some(now + td(self.policy.circuit_breaker.open_for));
            }
            steps.extend(self.plan(&p.issue.clone(), p.step + 1, now));
        }
        steps
    }

    fn verified(&self, w: &Watch, ok: bool, now: DateTime<Utc>, detail: String) -> Step {
        let mut o = self.outcome(&w.issue, w.step, w.action, "verified", now);
        o.mode = RemediationMode::Live;
        o.result = ActionResult::Succeeded;
        o.verified = Some(ok);
        o.detail = detail;
        Step::Record {
            phase: Phase::Verified,
            kind: w.issue.kind,
            step: w.step,
            outcome: o,
        }
    }

    /// Verification deadlines that passed by `now`: recorded as not
    /// recovered, and the next action of each chain planned.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Step> {
        let due: Vec<String> = self
            .watching
            .iter()
            .filter(|(_, w)| w.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        let mut steps = Vec::new();
        for id in due {
            let Some(w) = self.watching.remove(&id) else {
                continue;
            };
            steps.push(self.verified(
                &w,
                false,
                now,
                format!(
                    "the issue did not clear within {}; escalating",
                    self.policy.verify_within
                ),
            ));
            steps.extend(self.plan(&w.issue, w.step + 1, now));
        }
        steps
    }

    /// Actions whose verification is pending.
    pub fn watching(&self) -> usize {
        self.watching.len()
    }
}
