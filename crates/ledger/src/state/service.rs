//! One service's part of the ledger: which instances are down, its open
//! and past failure episodes, its predictions and actions, its down
//! intervals, and the fold of one entry into them.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{
    ActionResult, IssueStatus, PredictedIssue, RemediationMode, RemediationOutcome, ServiceEvent,
    ServiceEventKind,
};

use super::records::{Action, ActionStatus, Incident, Prediction};
use super::slices::Slices;
use super::totals::Totals;
use crate::entry::AuditPhase;
use crate::options::Caps;

/// At most this many issue ids are listed on an incident.
const MAX_PREDICTED_BY: usize = 16;

/// One service's state.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServiceState {
    pub(crate) name: String,
    /// First observation of it (service event or health sample, ms), the
    /// start of its observed time.
    pub(crate) first_seen_ms: Option<i64>,
    /// Down instances and since when (ms).
    pub(crate) down: BTreeMap<String, i64>,
    /// The failure episode in progress.
    pub(crate) open: Option<Incident>,
    /// Ids of the restarts counted in the open episode (de-duplication).
    restart_ids: BTreeSet<String>,
    /// Past episodes, oldest first.
    pub(crate) incidents: VecDeque<Incident>,
    /// Predictions by id, and their ids in order of opening.
    pub(crate) predictions: BTreeMap<String, Prediction>,
    prediction_order: VecDeque<String>,
    /// Actions, oldest first.
    pub(crate) actions: VecDeque<Action>,
    /// Closed down intervals `[start, end)` in ms, oldest first.
    pub(crate) intervals: VecDeque<(i64, i64)>,
    /// Totals of the records dropped by a cap.
    pub(crate) dropped: Totals,
    /// Records dropped by a cap: incidents, predictions, actions, intervals.
    pub(crate) dropped_counts: [u64; 4],
    /// Time slices of the latency role's samples.
    pub(crate) latency: Slices,
    /// Time slices of the error-rate role's samples.
    pub(crate) error_rate: Slices,
}

fn secs(d: TimeDelta) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

impl ServiceState {
    pub(crate) fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            ..Self::default()
        }
    }

    pub(crate) fn seen(&mut self, ts: DateTime<Utc>) {
        let ms = ts.timestamp_millis();
        self.first_seen_ms = Some(self.first_seen_ms.map_or(ms, |f| f.min(ms)));
    }

    /// An instance goes down at `ts` because of `cause`.
    pub(crate) fn down(&mut self, instance: &str, ts: DateTime<Utc>, cause: &str, counted: bool) {
        if self.down.contains_key(instance) {
            return;
        }
        self.down
            .insert(instance.to_string(), ts.timestamp_millis());
        if let Some(open) = &mut self.open {
            if !open.instances.iter().any(|i| i == instance) {
                open.instances.push(instance.to_string());
                open.instances.sort();
            }
            return;
        }
        let mut inc = Incident {
            id: format!(
                "{}@{}",
                self.name,
                ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            ),
            service: self.name.clone(),
            instances: vec![instance.to_string()],
            start: ts,
            end: None,
            cause: cause.to_string(),
            restarts: 0,
            predicted_by: Vec::new(),
            lead_time_s: None,
            detected_at: None,
            time_to_detect_s: None,
            time_to_recover_s: None,
            recovered_automatically: None,
            recovery_actions: Vec::new(),
            counted,
        };
        // Predictions whose window holds this start: preceded it (or, for
        // observed kinds, detected it).
        let mut first: Option<DateTime<Utc>> = None;
        let mut ids: Vec<(DateTime<Utc>, String)> = Vec::new();
        for p in self.predictions.values_mut() {
            if p.incident.is_some() || p.during_outage || p.opened_at > ts {
                continue;
            }
            // An observed issue (service down or silent) still open when
            // the episode starts detected it, whatever its horizon.
            if p.kind.is_observed() {
                if p.status != IssueStatus::Resolved {
                    p.incident = Some(inc.id.clone());
                    first = Some(first.map_or(ts, |f| f.min(ts)));
                }
                continue;
            }
            if p.opened_at >= ts || ts > p.window_end {
                continue;
            }
            p.incident = Some(inc.id.clone());
            p.lead_time_s = Some(secs(ts - p.opened_at));
            first = Some(first.map_or(p.opened_at, |f| f.min(p.opened_at)));
            ids.push((p.opened_at, p.id.clone()));
        }
        ids.sort();
        if let Some((t, _)) = ids.first() {
            inc.lead_time_s = Some(secs(ts - *t));
        }
        inc.predicted_by = ids
            .into_iter()
            .take(MAX_PREDICTED_BY)
            .map(|(_, id)| id)
            .collect();
        if let Some(f) = first {
            inc.detected_at = Some(f);
            inc.time_to_detect_s = Some(secs(f - ts).max(0.0));
        }
        self.restart_ids.clear();
        self.open = Some(inc);
    }

    /// An instance is up again at `ts`.
    pub(crate) fn up(&mut self, instance: &str, ts: DateTime<Utc>, caps: &Caps, keep_from_ms: i64) {
        if self.down.remove(instance).is_none() || !self.down.is_empty() {
            return;
        }
        let Some(mut inc) = self.open.take() else {
            return;
        };
        inc.end = Some(ts);
        inc.time_to_recover_s = Some(secs(ts - inc.start));
        let mut how: Vec<String> = Vec::new();
        if inc.restarts > 0 {
            how.push(format!(
                "forewarn watch restarted it{}",
                if inc.restarts > 1 {
                    format!(" {} times", inc.restarts)
                } else {
                    String::new()
                }
            ));
        }
        for a in &self.actions {
            if a.ts >= inc.start && a.ts <= ts && a.effective() {
                let name = serde_json::to_value(a.action)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                how.push(format!(
                    "forewarn remediator: {name} (issue {})",
                    a.issue_id
                ));
            }
        }
        inc.recovered_automatically = Some(!how.is_empty());
        inc.recovery_actions = how;
        self.intervals
            .push_back((inc.start.timestamp_millis(), ts.timestamp_millis()));
        self.incidents.push_back(inc);
        self.evict(caps, keep_from_ms, ts);
    }

    /// A watch restart during an episode.
    pub(crate) fn restarted(&mut self, id: &str) {
        if let Some(open) = &mut self.open
            && self.restart_ids.insert(id.to_string())
        {
            open.restarts += 1;
        }
    }

    /// A service event.
    pub(crate) fn service_event(
        &mut self,
        ev: &ServiceEvent,
        counted: bool,
        caps: &Caps,
        keep_from_ms: i64,
    ) {
        use ServiceEventKind as K;
        match ev.kind {
            K::Crashed | K::OomKilled | K::Hung | K::HealthFailed | K::GaveUp => {
                let cause = serde_json::to_value(ev.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default();
                self.down(&ev.instance, ev.ts, &cause, counted);
            }
            K::Recovered => self.up(&ev.instance, ev.ts, caps, keep_from_ms),
            K::Restarted => self.restarted(&ev.id),
            K::Started | K::Stopped => {}
        }
    }

    /// A predicted-issue event.
    pub(crate) fn prediction(&mut self, p: &PredictedIssue, counted: bool, caps: &Caps) {
        // A horizon past the calendar's end (read from a topic anyone can
        // write) ends the window at the calendar's end, not in a panic.
        let horizon_end = TimeDelta::try_milliseconds((p.horizon_s * 1000.0) as i64)
            .and_then(|d| p.opened_at.checked_add_signed(d))
            .unwrap_or(if p.horizon_s > 0.0 {
                DateTime::<Utc>::MAX_UTC
            } else {
                p.opened_at
            });
        let failure_end = p
            .failure_interval
            .as_ref()
            .map(|f| f.latest)
            .or(p.predicted_failure_at);
        let window_end = failure_end.map_or(horizon_end, |f| f.max(horizon_end));
        let open_id = self.open.as_ref().map(|o| o.id.clone());
        match self.predictions.get_mut(&p.id) {
            Some(rec) => {
                rec.window_end = rec.window_end.max(window_end);
                if p.status == IssueStatus::Resolved && rec.resolved_at.is_none() {
                    rec.resolved_at = Some(p.detected_at);
                }
                if p.revision >= rec.revision {
                    rec.revision = p.revision;
                    rec.status = p.status;
                    rec.severity = p.severity;
                    rec.probability = p.probability;
                    rec.updated_at = p.detected_at;
                    rec.predicted_failure_at = p.predicted_failure_at;
                    if !p.evidence.is_empty() {
                        rec.evidence = p.evidence.clone();
                    }
                    if p.root_cause_service.is_some() {
                        rec.root_cause_service = p.root_cause_service.clone();
                    }
                    if p.recommended_action.is_some() {
                        rec.recommended_action = p.recommended_action;
                    }
                    if p.log.is_some() {
                        rec.log = p.log.clone();
                    }
                }
            }
            None => {
                let during = open_id.is_some() && !p.kind.is_observed();
                let rec = Prediction {
                    id: p.id.clone(),
                    service: p.service.clone(),
                    instance: p.instance.clone(),
                    kind: p.kind,
                    severity: p.severity,
                    probability: p.probability,
                    opened_at: p.opened_at,
                    updated_at: p.detected_at,
                    revision: p.revision,
                    status: p.status,
                    resolved_at: (p.status == IssueStatus::Resolved).then_some(p.detected_at),
                    predicted_failure_at: p.predicted_failure_at,
                    window_end,
                    evidence: p.evidence.clone(),
                    root_cause_service: p.root_cause_service.clone(),
                    recommended_action: p.recommended_action,
                    log: p.log.clone(),
                    incident: open_id.clone(),
                    lead_time_s: None,
                    during_outage: during,
                    counted,
                };
                self.predictions.insert(p.id.clone(), rec);
                self.prediction_order.push_back(p.id.clone());
                self.evict_predictions(caps, p.detected_at);
            }
        }
        // Any issue event while down, but one saying it cleared, is a
        // detection of the episode.
        if let Some(open) = &mut self.open
            && open.detected_at.is_none()
            && p.status != IssueStatus::Resolved
        {
            open.detected_at = Some(p.detected_at);
            open.time_to_detect_s = Some(secs(p.detected_at - open.start).max(0.0));
        }
    }

    /// A remediation outcome (from the topic or an audit line).
    pub(crate) fn outcome(
        &mut self,
        o: &RemediationOutcome,
        phase: AuditPhase,
        counted: bool,
        caps: &Caps,
    ) {
        let found = self
            .actions
            .iter_mut()
            .rev()
            .find(|a| a.issue_id == o.issue_id && a.action == o.action);
        let a = match found {
            Some(a) => a,
            None => {
                self.actions.push_back(Action {
                    issue_id: o.issue_id.clone(),
                    service: o.service.clone(),
                    target: o.target.clone(),
                    action: o.action,
                    mode: o.mode,
                    ts: o.ts,
                    status: ActionStatus::InProgress,
                    verified: None,
                    detail: String::new(),
                    counted,
                });
                let n = self.actions.len();
                &mut self.actions[n - 1]
            }
        };
        match phase {
            AuditPhase::Skipped => {
                // A skip never overrides a live execution of the same action.
                if !(a.mode == RemediationMode::Live && a.status != ActionStatus::Skipped) {
                    a.status = ActionStatus::Skipped;
                    a.mode = o.mode;
                    a.detail = o.detail.clone();
                }
            }
            AuditPhase::Started => {
                a.mode = RemediationMode::Live;
                if a.status == ActionStatus::Skipped {
                    a.status = ActionStatus::InProgress;
                }
                a.ts = a.ts.min(o.ts);
                if a.detail.is_empty() {
                    a.detail = o.detail.clone();
                }
            }
            AuditPhase::Finished => {
                a.mode = o.mode;
                a.status = match o.result {
                    ActionResult::Succeeded => ActionStatus::Succeeded,
                    ActionResult::Failed => ActionStatus::Failed,
                    ActionResult::TimedOut => ActionStatus::TimedOut,
                    ActionResult::Interrupted => ActionStatus::Interrupted,
                    ActionResult::Skipped => ActionStatus::Skipped,
                };
                a.ts = a.ts.min(o.ts);
                a.detail = o.detail.clone();
            }
            AuditPhase::Verified => {
                if a.status == ActionStatus::InProgress {
                    a.status = ActionStatus::Succeeded;
                }
                a.mode = RemediationMode::Live;
                a.verified = o.verified;
                a.detail = o.detail.clone();
            }
        }
        if self.actions.len() > caps.actions {
            let a = self.actions.pop_front();
            if let Some(a) = a
                && a.counted
            {
                self.dropped.add_action(&a);
            }
            self.dropped_counts[2] += 1;
        }
    }

    /// Drop the oldest records past their caps, and intervals older than
    /// `keep_from_ms`.
    fn evict(&mut self, caps: &Caps, keep_from_ms: i64, now: DateTime<Utc>) {
        while self.incidents.len() > caps.incidents {
            if let Some(i) = self.incidents.pop_front()
                && i.counted
            {
                self.dropped.add_incident(&i);
            }
            self.dropped_counts[0] += 1;
        }
        while self.intervals.len() > caps.intervals
            || self
                .intervals
                .front()
                .is_some_and(|(_, e)| *e < keep_from_ms)
        {
            self.intervals.pop_front();
            self.dropped_counts[3] += 1;
        }
        self.evict_predictions(caps, now);
    }

    fn evict_predictions(&mut self, caps: &Caps, now: DateTime<Utc>) {
        while self.prediction_order.len() > caps.predictions {
            let Some(id) = self.prediction_order.front() else {
                break;
            };
            // Only a prediction whose window is over is dropped.
            if self
                .predictions
                .get(id)
                .is_some_and(|p| p.window_end >= now)
            {
                break;
            }
            let id = self.prediction_order.pop_front().unwrap_or_default();
            if let Some(p) = self.predictions.remove(&id)
                && p.counted
            {
                let class = p.class(now, self.actions.iter());
                self.dropped.add_prediction(class);
            }
            self.dropped_counts[1] += 1;
        }
    }

    /// Down time within `[from, to)` in ms; the open episode counts as
    /// down until `to`.
    pub(crate) fn downtime_ms(&self, from: i64, to: i64) -> i64 {
        let overlap = |s: i64, e: i64| (e.min(to) - s.max(from)).max(0);
        let closed: i64 = self.intervals.iter().map(|(s, e)| overlap(*s, *e)).sum();
        let open = self
            .open
            .as_ref()
            .map_or(0, |o| overlap(o.start.timestamp_millis(), to));
        closed + open
    }

    /// Observed time within `[from, to)` in ms: from the first entry about
    /// the service on.
    pub(crate) fn observed_ms(&self, from: i64, to: i64) -> i64 {
        match self.first_seen_ms {
            Some(f) => (to - from.max(f)).max(0),
            None => 0,
        }
    }
}
