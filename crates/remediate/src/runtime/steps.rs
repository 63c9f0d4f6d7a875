//! [`Runtime`]: carrying out the [`Remediator`]'s steps. Every decision is
//! appended to the audit log (synced) before anything else happens, then
//! published as a remediation-outcome event; a planned action is recorded
//! `queued` (with its issue) before it waits for a slot, then `started`
//! when it gets one, and runs on a worker thread, at most `concurrency`
//! at once. An issue held for its episode is recorded `held` (with the
//! issue) before it waits, and not published. The live kill switch is
//! synced here: each change read from the control topic becomes a
//! `control` line, and while actions are disabled nothing leaves the
//! queue: each queued action is abandoned, with the reason.

use std::collections::VecDeque;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use chrono::Utc;
use forewarn_control::{Change, LiveSwitch};
use forewarn_core::contracts::{
    ActionResult, IssueKind, RecommendedAction, RemediationMode, RemediationOutcome,
};
use forewarn_core::id::content_id;
use forewarn_kafka::{Outgoing, Sink};

use super::{Error, Options};
use crate::audit::{AuditLog, ControlRecord, Extra, Phase};
use crate::engine::{Planned, Remediator, Step};
use crate::executor::{self, CommandSink, Execution, PublishError};
use crate::policy::Policy;

/// Command messages through the runtime's producer.
struct Commands(Arc<dyn Sink>);

impl CommandSink for Commands {
    fn publish(
        &self,
        topic: &str,
        key: &str,
        payload: &str,
        timeout: Duration,
    ) -> Result<(), PublishError> {
        self.0
            .send(Outgoing::new(topic, key.as_bytes(), payload.as_bytes()))
            .map_err(|source| PublishError::Send {
                topic: topic.to_string(),
                source,
            })?;
        let before = self.0.deliveries().failed;
        let d = self.0.flush(timeout).map_err(PublishError::Flush)?;
        if d.failed > before {
            return Err(PublishError::Refused(topic.to_string()));
        }
        Ok(())
    }
}

pub(super) struct Runtime {
    pub(super) engine: Remediator,
    pub(super) gate: crate::episode::Gate,
    pub(super) policy: Policy,
    pub(super) audit: AuditLog,
    pub(super) producer: Arc<dyn Sink>,
    pub(super) opts: Options,
    pub(super) switch: LiveSwitch,
    pub(super) queue: VecDeque<Planned>,
    pub(super) running: usize,
    pub(super) tx: mpsc::Sender<(Planned, Execution)>,
}

/// Whether a line of this phase is a remediation outcome (published):
/// `queued`, `control` and `held` lines are the log's own.
pub(super) fn is_outcome(phase: Phase) -> bool {
    !matches!(phase, Phase::Queued | Phase::Control | Phase::Held)
}

impl Runtime {
    pub(super) fn apply(&mut self, steps: Vec<Step>) -> Result<(), Error> {
        for s in steps {
            match s {
                Step::Record {
                    phase,
                    kind,
                    step,
                    outcome,
                } => {
                    self.audit.append(phase, kind, step, &outcome)?;
                    tracing::info!(
                        issue = %outcome.issue_id,
                        service = %outcome.service,
                        action = ?outcome.action,
                        ?phase,
                        result = ?outcome.result,
                        verified = ?outcome.verified,
                        "{}",
                        outcome.detail
                    );
                    self.publish(&outcome);
                }
                Step::Execute(p) => {
                    let outcome = self.engine.queued(&p);
                    let extra = Extra {
                        issue: Some(p.issue.clone()),
                        control: None,
                    };
                    self.audit.append_entry(
                        Phase::Queued,
                        p.issue.kind,
                        p.step,
                        &outcome,
                        extra,
                    )?;
                    tracing::info!(issue = %p.issue.id, service = %p.issue.service, action = ?p.action, "{}", outcome.detail);
                    self.queue.push_back(*p);
                }
                Step::Hold { issue, outcome } => {
                    let kind = issue.kind;
                    let extra = Extra {
                        issue: Some(*issue),
                        control: None,
                    };
                    self.audit
                        .append_entry(Phase::Held, kind, 0, &outcome, extra)?;
                    tracing::info!(issue = %outcome.issue_id, service = %outcome.service, "{}", outcome.detail);
                }
                Step::Resume(p) => {
                    tracing::warn!(issue = %p.issue.id, service = %p.issue.service, action = ?p.action, "An action queued before the last stop is queued again.");
                    self.queue.push_back(*p);
                }
            }
        }
        self.dispatch()
    }

    pub(super) fn publish(&self, outcome: &RemediationOutcome) {
        let v = serde_json::to_vec(outcome).unwrap_or_default();
        let m = Outgoing::new(&self.opts.outcomes, outcome.service.as_bytes(), &v);
        if let Err(e) = self.producer.send(m) {
            tracing::warn!("outcome not published: {e}");
        }
    }

    /// Start queued actions while there is room; while actions are
    /// disabled, abandon them instead.
    pub(super) fn dispatch(&mut self) -> Result<(), Error> {
        if let Some(why) = self.engine.disabled().map(str::to_string) {
            while let Some(p) = self.queue.pop_front() {
                let step = self.engine.abandon(&p, &why, Utc::now());
                self.apply(vec![step])?;
            }
            return Ok(());
        }
        while self.running < self.policy.concurrency {
            let Some(p) = self.queue.pop_front() else {
                break;
            };
            let started = self.engine.started(&p);
            self.apply(vec![started])?;
            let Some(spec) = self.policy.actions.get(&p.action).cloned() else {
                continue;
            };
            let retry = self.policy.retry_for(&p.issue.service);
            let sink = Commands(Arc::clone(&self.producer));
            let tx = self.tx.clone();
            self.running += 1;
            std::thread::spawn(move || {
                let ex = executor::execute(&spec, &p.context, &retry, Some(&sink));
                let _ = tx.send((p, ex));
            });
        }
        Ok(())
    }

    /// Take the kill switch's changes: a `control` line each, then the
    /// engine told whether it may act.
    pub(super) fn sync_switch(&mut self) -> Result<(), Error> {
        for c in self.switch.take_changes() {
            self.record_control(&c)?;
        }
        let why = self.switch.why_disabled();
        if why.as_deref() != self.engine.disabled() {
            match &why {
                Some(w) => tracing::warn!("Actions disabled: {w}."),
                None => tracing::warn!("Actions enabled again (kill switch off)."),
            }
            self.engine.set_disabled(why);
            self.dispatch()?;
        }
        Ok(())
    }

    fn record_control(&mut self, c: &Change) -> Result<(), Error> {
        let m = &c.message;
        let outcome = RemediationOutcome {
            schema_version: forewarn_core::SCHEMA_VERSION,
            id: content_id(&["control", &m.id]),
            issue_id: format!("control:{}", m.id),
            ts: Utc::now(),
            service: "*".into(),
            target: String::new(),
            action: RecommendedAction::Notify,
            mode: if c.enabled {
                RemediationMode::Live
            } else {
                RemediationMode::Shadow
            },
            result: ActionResult::Skipped,
            duration_ms: 0,
            verified: None,
            detail: c.describe(),
        };
        let extra = Extra {
            issue: None,
            control: Some(ControlRecord {
                message: m.clone(),
                was_enabled: c.was_enabled,
                enabled: c.enabled,
                at_start: c.at_start,
            }),
        };
        self.audit.append_entry(
            Phase::Control,
            IssueKind::MemoryExhaustion,
            0,
            &outcome,
            extra,
        )?;
        Ok(())
    }
}
