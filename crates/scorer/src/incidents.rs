//! From signals to incidents. A [`Signal`] is one model's current belief
//! that an issue of some kind will hit a target (service, instance). The
//! [`IncidentTracker`] turns a stream of signals into one predicted-issue
//! event per incident:
//!
//! - **open** once the probability has stayed at or above the kind's
//!   threshold for `min_duration` (event time);
//! - **updated** (revision + 1) when the prediction changes materially
//!   (probability by 0.1, severity, or the predicted failure time by more
//!   than 10 % of the time left and at least a minute), never otherwise;
//! - **resolved** when the probability falls below `threshold − hysteresis`;
//!   after which the same kind on the same target stays quiet for
//!   `suppress_for`.
//!
//! The incident id derives from (kind, service, instance, opening time), and
//! the opening time is the event time the probability first crossed, so a
//! replay of the same data, or a restart from a checkpoint, yields the same ids.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{
    Evidence, FailureInterval, IssueKind, IssueStatus, LogEvidence, ModelRef, PredictedIssue,
    RecommendedAction, Severity,
};
use serde::{Deserialize, Serialize};

/// One model's current belief about one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// What kind of issue.
    pub kind: IssueKind,
    /// Target service.
    pub service: String,
    /// Target instance; empty for service-wide.
    pub instance: String,
    /// What within the target, when one model watches several things of
    /// it separately (a univariate detector per metric): part of the
    /// incident's identity, so their incidents neither merge nor resolve
    /// each other.
    pub subject: Option<String>,
    /// Event time of the data behind the belief.
    pub ts: DateTime<Utc>,
    /// Probability the issue happens within the horizon.
    pub probability: f64,
    /// Predicted failure time, if the model forecasts one.
    pub predicted_failure_at: Option<DateTime<Utc>>,
    /// Interval around the predicted failure time.
    pub failure_interval: Option<FailureInterval>,
    /// Horizon of the model, seconds.
    pub horizon_s: f64,
    /// Features that drove the belief, strongest first.
    pub evidence: Vec<Evidence>,
    /// Likely origin, when known.
    pub root_cause_service: Option<String>,
    /// The deciding model.
    pub model: ModelRef,
    /// Advised action.
    pub recommended_action: Option<RecommendedAction>,
    /// The log template behind a log anomaly.
    pub log: Option<LogEvidence>,
}

/// Thresholds of the tracker (from the pipeline's `thresholds` section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentPolicy {
    /// Default opening probability.
    pub probability: f64,
    /// Per-kind opening probabilities.
    pub per_kind: BTreeMap<IssueKind, f64>,
    /// Resolve below `threshold − hysteresis`.
    pub hysteresis: f64,
    /// Time above the threshold before opening (ms).
    pub min_duration_ms: i64,
    /// Per-kind overrides of `min_duration_ms`.
    #[serde(default)]
    pub per_kind_min_duration_ms: BTreeMap<IssueKind, i64>,
    /// Quiet time after a resolution (ms).
    pub suppress_ms: i64,
}

impl From<&forewarn_config::Thresholds> for IncidentPolicy {
    fn from(t: &forewarn_config::Thresholds) -> Self {
        Self {
            probability: t.probability.get(),
            per_kind: t.per_kind.iter().map(|(k, p)| (*k, p.get())).collect(),
            hysteresis: t.hysteresis.get(),
            min_duration_ms: t.min_duration.as_millis(),
            per_kind_min_duration_ms: t
                .per_kind_min_duration
                .iter()
                .map(|(k, d)| (*k, d.as_millis()))
                .collect(),
            suppress_ms: t.suppress_for.as_millis(),
        }
    }
}

impl IncidentPolicy {
    /// The opening probability of `kind`.
    pub fn threshold(&self, kind: IssueKind) -> f64 {
        self.per_kind
            .get(&kind)
            .copied()
            .unwrap_or(self.probability)
    }

    /// How long a signal of `kind` must stay above its threshold (ms).
    pub fn min_duration_ms(&self, kind: IssueKind) -> i64 {
        self.per_kind_min_duration_ms
            .get(&kind)
            .copied()
            .unwrap_or(if kind.is_observed() {
                0
            } else {
                self.min_duration_ms
            })
    }
}

/// State of the tracker; serialisable so the scorer can checkpoint it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IncidentTracker {
    open: HashMap<String, PredictedIssue>,
    /// Event time (ms) each target first crossed while not open.
    pending: HashMap<String, i64>,
    /// Until when (ms) each target is suppressed.
    suppressed: HashMap<String, i64>,
    /// Event time (ms) of the last signal of each open incident (material
    /// change or not), for [`IncidentTracker::expire_silent`].
    #[serde(default)]
    last_seen: HashMap<String, i64>,
}

fn key_string(s: &Signal) -> String {
    match &s.subject {
        Some(subject) => format!("{:?}/{}/{}/{subject}", s.kind, s.service, s.instance),
        None => format!("{:?}/{}/{}", s.kind, s.service, s.instance),
    }
}

fn severity(probability: f64, threshold: f64, ttf_s: Option<f64>) -> Severity {
    let soon = ttf_s.is_none_or(|t| t <= 1800.0);
    if probability >= 0.9_f64.max(threshold) && soon {
        Severity::Critical
    } else if probability >= threshold {
        Severity::Warning
    } else {
        Severity::Info
    }
}

fn materially_changed(prev: &PredictedIssue, next: &PredictedIssue) -> bool {
    if (prev.probability - next.probability).abs() >= 0.1 || prev.severity != next.severity {
        return true;
    }
    match (prev.predicted_failure_at, next.predicted_failure_at) {
        (Some(a), Some(b)) => {
            let left = (a - next.detected_at).num_milliseconds().max(0) as f64;
            let shift = (a - b).num_milliseconds().abs() as f64;
            shift >= 60_000.0 && shift > 0.1 * left
        }
        (None, None) => false,
        _ => true,
    }
}

impl IncidentTracker {
    /// Number of open incidents.
    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// The open incidents.
    pub fn open(&self) -> impl Iterator<Item = &PredictedIssue> {
        self.open.values()
    }

    /// Feed one signal; returns the event to publish, if any.
    pub fn observe(&mut self, policy: &IncidentPolicy, s: Signal) -> Option<PredictedIssue> {
        let k = key_string(&s);
        let ts_ms = s.ts.timestamp_millis();
        let threshold = policy.threshold(s.kind);
        let ttf = s
            .predicted_failure_at
            .map(|f| (f - s.ts).num_milliseconds() as f64 / 1000.0);
        if let Some(prev) = self.open.get(&k) {
            self.last_seen.insert(k.clone(), ts_ms);
            let mut next = prev.clone();
            next.revision = prev.revision + 1;
            next.detected_at = s.ts;
            next.probability = s.probability;
            if s.probability < threshold - policy.hysteresis {
                next.status = IssueStatus::Resolved;
                self.open.remove(&k);
                self.last_seen.remove(&k);
                if !s.kind.is_observed() {
                    self.suppressed.insert(k, ts_ms + policy.suppress_ms);
                }
                return Some(next);
            }
            next.status = IssueStatus::Updated;
            next.severity = severity(s.probability, threshold, ttf);
            next.predicted_failure_at = s.predicted_failure_at;
            next.failure_interval = s.failure_interval;
            next.evidence = s.evidence;
            next.log = s.log.or(next.log);
            next.root_cause_service = s.root_cause_service.or(next.root_cause_service);
            if !materially_changed(prev, &next) {
                return None;
            }
            self.open.insert(k, next.clone());
            return Some(next);
        }
        if self.suppressed.get(&k).is_some_and(|until| ts_ms < *until) {
            return None;
        }
        self.suppressed.remove(&k);
        if s.probability < threshold {
            self.pending.remove(&k);
            return None;
        }
        let since = *self.pending.entry(k.clone()).or_insert(ts_ms);
        if ts_ms - since < policy.min_duration_ms(s.kind) {
            return None;
        }
        self.pending.remove(&k);
        let opened_at = DateTime::<Utc>::from_timestamp_millis(since).unwrap_or(s.ts);
        let issue = PredictedIssue {
            schema_version: forewarn_core::SCHEMA_VERSION,
            id: match &s.subject {
                Some(subject) => PredictedIssue::incident_id(
                    s.kind,
                    &s.service,
                    &format!("{}/{subject}", s.instance),
                    opened_at,
                ),
                None => PredictedIssue::incident_id(s.kind, &s.service, &s.instance, opened_at),
            },
            revision: 0,
            status: IssueStatus::Open,
            kind: s.kind,
            service: s.service,
            instance: s.instance,
            severity: severity(s.probability, threshold, ttf),
            probability: s.probability,
            detected_at: s.ts,
            opened_at,
            predicted_failure_at: s.predicted_failure_at,
            failure_interval: s.failure_interval,
            horizon_s: s.horizon_s,
            evidence: s.evidence,
            root_cause_service: s.root_cause_service,
            model: s.model,
            recommended_action: s.recommended_action,
            log: s.log,
            episode: None,
        };
        self.last_seen.insert(k.clone(), ts_ms);
        self.open.insert(k, issue.clone());
        Some(issue)
    }

    /// Take `ts_ms` as the last signal of every open incident that has
    /// none recorded (state from before last signals were kept).
    pub fn assume_seen(&mut self, ts_ms: i64) {
        for k in self.open.keys() {
            self.last_seen.entry(k.clone()).or_insert(ts_ms);
        }
    }

    /// Resolve every open incident whose target has sent no signal since
    /// `before` (its series went idle or was evicted, its service stopped
    /// logging), with `before` as the resolution's detection time; except
    /// the incidents of the services `silent` names: a service that stopped
    /// reporting has a `service_silent` incident open, and what was wrong
    /// with it stays open until its data says otherwise.
    pub fn expire_silent(
        &mut self,
        before: DateTime<Utc>,
        suppress: TimeDelta,
        silent: impl Fn(&str) -> bool,
    ) -> Vec<PredictedIssue> {
        let before_ms = before.timestamp_millis();
        let stale: Vec<String> = self
            .open
            .iter()
            .filter(|(k, i)| {
                let seen = self.last_seen.get(*k).copied();
                seen.unwrap_or_else(|| i.detected_at.timestamp_millis()) < before_ms
                    && !silent(&i.service)
            })
            .map(|(k, _)| k.clone())
            .collect();
        let mut out = Vec::new();
        for k in stale {
            self.last_seen.remove(&k);
            if let Some(mut i) = self.open.remove(&k) {
                i.revision += 1;
                i.status = IssueStatus::Resolved;
                i.detected_at = before;
                self.suppressed
                    .insert(k, (before + suppress).timestamp_millis());
                out.push(i);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> IncidentPolicy {
        IncidentPolicy {
            probability: 0.7,
            per_kind: BTreeMap::new(),
            hysteresis: 0.1,
            min_duration_ms: 60_000,
            per_kind_min_duration_ms: BTreeMap::new(),
            suppress_ms: 1_800_000,
        }
    }

    fn sig(t_s: i64, p: f64, ttf_s: Option<i64>) -> Signal {
        let ts = DateTime::<Utc>::from_timestamp(1_800_000_000 + t_s, 0).unwrap();
        Signal {
            kind: IssueKind::MemoryExhaustion,
            service: "api".into(),
            instance: "api-0".into(),
            subject: None,
            ts,
            probability: p,
            predicted_failure_at: ttf_s.map(|s| ts + TimeDelta::seconds(s)),
            failure_interval: None,
            horizon_s: 7200.0,
            evidence: vec![],
            root_cause_service: None,
            model: ModelRef {
                name: "trend".into(),
                version: "1".into(),
            },
            recommended_action: Some(RecommendedAction::Restart),
            log: None,
        }
    }

    #[test]
    fn one_incident_opens_updates_and_resolves() {
        let pol = policy();
        let mut t = IncidentTracker::default();
        let mut events = Vec::new();
        // Steady belief for 10 minutes, failure predicted an hour out.
        for i in 0..60 {
            events.extend(t.observe(&pol, sig(i * 10, 0.8, Some(3600 - i * 10))));
        }
        assert_eq!(
            events.len(),
            1,
            "min duration, then one open, no repeats: {events:#?}"
        );
        assert_eq!(events[0].status, IssueStatus::Open);
        assert_eq!(events[0].opened_at.timestamp(), 1_800_000_000);
        // A material change: probability jumps.
        events.extend(t.observe(&pol, sig(600, 0.95, Some(900))));
        assert_eq!(events.last().unwrap().status, IssueStatus::Updated);
        assert_eq!(events.last().unwrap().revision, 1);
        assert_eq!(events.last().unwrap().severity, Severity::Critical);
        // Below the threshold but within hysteresis: still open, updated.
        let dip = t.observe(&pol, sig(610, 0.65, Some(890))).unwrap();
        assert_eq!((dip.status, dip.revision), (IssueStatus::Updated, 2));
        assert!(
            t.observe(&pol, sig(615, 0.66, Some(885))).is_none(),
            "no material change"
        );
        let resolved = t.observe(&pol, sig(620, 0.5, None)).unwrap();
        assert_eq!(
            (resolved.status, resolved.revision),
            (IssueStatus::Resolved, 3)
        );
        assert!(events.iter().all(|e| e.id == resolved.id));
        // Suppressed for 30 minutes, then a new incident with a new id.
        for i in 0..100 {
            assert!(t.observe(&pol, sig(630 + i * 10, 0.9, Some(600))).is_none());
        }
        let mut again = None;
        for i in 0..20 {
            again = again.or(t.observe(&pol, sig(2500 + i * 10, 0.9, Some(600))));
        }
        let again = again.unwrap();
        assert_eq!(again.status, IssueStatus::Open);
        assert_ne!(again.id, resolved.id);
    }

    #[test]
    fn blips_shorter_than_min_duration_do_not_open() {
        let pol = policy();
        let mut t = IncidentTracker::default();
        for i in 0..100 {
            let p = if i % 5 == 0 { 0.3 } else { 0.9 };
            assert!(t.observe(&pol, sig(i * 10, p, None)).is_none(), "at {i}");
        }
    }

    #[test]
    fn ids_are_deterministic_across_replays_and_checkpoints() {
        let pol = policy();
        let run = |split: Option<usize>| {
            let mut t = IncidentTracker::default();
            let mut out = Vec::new();
            for i in 0..200usize {
                if Some(i) == split {
                    let bytes = serde_json::to_vec(&t).unwrap();
                    t = serde_json::from_slice(&bytes).unwrap();
                }
                let p = if (50..150).contains(&i) { 0.85 } else { 0.2 };
                out.extend(t.observe(&pol, sig(i as i64 * 10, p, Some(5000 - i as i64 * 10))));
            }
            out
        };
        let straight = run(None);
        assert_eq!(straight.len(), 2, "{straight:#?}");
        assert_eq!(run(Some(100)), straight);
        assert_eq!(run(Some(52)), straight);
    }

    #[test]
    fn per_kind_threshold_and_silent_expiry() {
        let mut pol = policy();
        pol.per_kind.insert(IssueKind::MemoryExhaustion, 0.95);
        let mut t = IncidentTracker::default();
        for i in 0..20 {
            assert!(t.observe(&pol, sig(i * 10, 0.9, None)).is_none());
        }
        for i in 20..40 {
            t.observe(&pol, sig(i * 10, 0.97, None));
        }
        assert_eq!(t.open_count(), 1);
        let later = DateTime::<Utc>::from_timestamp(1_800_010_000, 0).unwrap();
        let gone = t.expire_silent(later, TimeDelta::minutes(30), |_| false);
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].status, IssueStatus::Resolved);
        assert_eq!(t.open_count(), 0);
    }

    #[test]
    fn a_steady_incident_is_not_expired_while_its_signals_come() {
        let pol = policy();
        let mut t = IncidentTracker::default();
        // Opens after a minute, then stays at 0.9: no further event.
        let events: Vec<_> = (0..100)
            .filter_map(|i| t.observe(&pol, sig(i * 10, 0.9, None)))
            .collect();
        assert_eq!(events.len(), 1);
        let at = |s: i64| DateTime::<Utc>::from_timestamp(1_800_000_000 + s, 0).unwrap();
        // Its last event is at 60 s, its last signal at 990 s.
        assert!(
            t.expire_silent(at(900), TimeDelta::minutes(30), |_| false)
                .is_empty()
        );
        let gone = t.expire_silent(at(1000), TimeDelta::minutes(30), |_| false);
        assert_eq!(gone.len(), 1);
        assert_eq!(
            (gone[0].status, gone[0].revision, gone[0].detected_at),
            (IssueStatus::Resolved, 1, at(1000))
        );
        // Suppressed for 30 minutes after.
        assert!(t.observe(&pol, sig(1100, 0.9, None)).is_none());
        assert!(t.observe(&pol, sig(1200, 0.9, None)).is_none());
    }
}
