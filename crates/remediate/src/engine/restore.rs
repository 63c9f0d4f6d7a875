//! [`Remediator::restore`]: memory rebuilt from the audit log at start:
//! which issues were handled, when each action last ran (cooldowns, the
//! rate window), the circuit breakers, and what was left in flight:
//! - an action `Started` but never `Finished` (a crash in between) counts
//!   as run: it is not repeated, its `Finished` line (result
//!   `interrupted`) is returned to be recorded, and it counts as a failure
//!   toward the circuit breaker;
//! - an action `Queued` but never started nor abandoned (a crash while it
//!   waited for a slot) is resumed ([`Step::Resume`]) when it was queued
//!   less than `verify_within` ago, else abandoned with the reason (a
//!   `Skipped` line): its prediction is stale;
//! - an action that `Finished` successfully but was never `Verified` is
//!   watched again, with its deadline (finish + `verify_within`), so its
//!   chain still escalates if the issue does not clear.
//!
//! `control` lines (kill-switch changes) are not actions and change
//! nothing here: the control topic itself holds the switch's state.
//! Neither do `held` lines: an issue held for its episode is not handled
//! yet; the [`crate::episode::Gate`] holds it again
//! ([`crate::episode::Gate::restore`]).

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{ActionResult, PredictedIssue, RecommendedAction};
use forewarn_core::id::content_id;

use super::{Breaker, Remediator, Step, Watch, planned, td};
use crate::audit::{Entry, Phase};
use crate::policy::action_name;

type Key = (String, RecommendedAction, usize);

fn key_of(e: &Entry) -> Key {
    (e.outcome.issue_id.clone(), e.outcome.action, e.step)
}

impl Remediator {
    /// Rebuild memory from an audit log, as of now; see the module's
    /// documentation for what is returned.
    pub fn restore(&mut self, entries: &[Entry]) -> Vec<Step> {
        self.restore_at(entries, Utc::now())
    }

    /// [`Remediator::restore`] as of `now`.
    pub fn restore_at(&mut self, entries: &[Entry], now: DateTime<Utc>) -> Vec<Step> {
        let mut open: Vec<&Entry> = Vec::new();
        let mut queued: Vec<&Entry> = Vec::new();
        let mut issues: HashMap<Key, PredictedIssue> = HashMap::new();
        for e in entries {
            let o = &e.outcome;
            if matches!(e.phase, Phase::Control | Phase::Held) {
                continue;
            }
            self.handled.insert(o.issue_id.clone());
            let key = (o.service.clone(), o.action);
            match e.phase {
                Phase::Queued => {
                    self.last_run.insert(key, o.ts);
                    self.recent.push_back(o.ts);
                    if let Some(i) = &e.issue {
                        issues.insert(key_of(e), i.clone());
                    }
                    queued.push(e);
                }
                Phase::Started => {
                    queued.retain(|q| key_of(q) != key_of(e));
                    // An action queued (and counted) before has the same
                    // planning time: count it once.
                    if self.last_run.get(&key) != Some(&o.ts) {
                        self.recent.push_back(o.ts);
                    }
                    self.last_run.insert(key, o.ts);
                    open.push(e);
                }
                Phase::Skipped => queued.retain(|q| key_of(q) != key_of(e)),
                Phase::Finished => {
                    open.retain(|s| key_of(s) != key_of(e));
                    // An interrupted run counts as a failure: an action that
                    // takes the remediator down with it must trip the breaker.
                    let b = self.breakers.entry(key).or_default();
                    if o.result == ActionResult::Succeeded {
                        *b = Breaker::default();
                        if let Some(issue) = issues.get(&key_of(e)) {
                            let done = o.ts + TimeDelta::milliseconds(o.duration_ms as i64);
                            self.watching.insert(
                                o.issue_id.clone(),
                                Watch {
                                    issue: issue.clone(),
                                    step: e.step,
                                    action: o.action,
                                    deadline: done + td(self.policy.verify_within),
                                },
                            );
                        }
                    } else {
                        b.failures += 1;
                        if b.failures >= self.policy.circuit_breaker.failures {
                            b.open_until = Some(o.ts + td(self.policy.circuit_breaker.open_for));
                        }
                    }
                }
                Phase::Verified => {
                    self.watching.remove(&o.issue_id);
                }
                Phase::Control | Phase::Held => {}
            }
        }
        let policy = &self.policy;
        for s in &open {
            let key = (s.outcome.service.clone(), s.outcome.action);
            let b = self.breakers.entry(key).or_default();
            b.failures += 1;
            if b.failures >= policy.circuit_breaker.failures {
                b.open_until = Some(s.outcome.ts + td(policy.circuit_breaker.open_for));
            }
        }
        let mut steps: Vec<Step> = open
            .into_iter()
            .map(|s| {
                let mut o = s.outcome.clone();
                o.id = content_id(&[
                    &o.issue_id,
                    &action_name(o.action),
                    &s.step.to_string(),
                    "finished",
                ]);
                o.result = ActionResult::Interrupted;
                o.detail =
                    "the remediator stopped while this action ran: result unknown, not repeated"
                        .into();
                Step::Record {
                    phase: Phase::Finished,
                    kind: s.kind,
                    step: s.step,
                    outcome: o,
                }
            })
            .collect();
        let stale = td(self.policy.verify_within);
        for q in queued {
            let Some(issue) = &q.issue else {
                continue;
            };
            let p = planned(issue, q.step, q.outcome.action, q.outcome.ts);
            if now - q.outcome.ts < stale {
                steps.push(Step::Resume(Box::new(p)));
            } else {
                let why = format!(
                    "the remediator stopped while it waited; queued at {}, more than {} (verify_within) ago, so its prediction is stale",
                    q.outcome.ts.to_rfc3339(),
                    self.policy.verify_within
                );
                steps.push(self.abandon(&p, &why, now));
            }
        }
        steps
    }
}
