//! From a model's belief to the tracker: [`Stamp`] builds the parts every
//! signal shares (the deciding model's reference, the horizon, the shape
//! of an anomaly signal) and decides whether a belief is worth a signal at
//! all ([`Stamp::worth_emitting`]); [`emit`] attaches the likely root cause
//! and passes the signal to the [`IncidentTracker`]. The last step of the
//! scorer's one-way flow: evaluators → signals → tracker → events.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{IssueKind, ModelRef, PredictedIssue, RecommendedAction};

use crate::incidents::{IncidentPolicy, IncidentTracker, Signal};
use crate::root_cause::DependencyGraph;

/// An event time (ms) as a timestamp.
pub(crate) fn ts_of(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

/// What every signal of this scorer carries, and the policy deciding
/// which beliefs become signals.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    /// Name and version of the model artifact.
    pub(crate) model_ref: ModelRef,
    /// Horizon of the forecasts, seconds.
    pub(crate) horizon_s: f64,
    /// The tracker's thresholds.
    pub(crate) policy: IncidentPolicy,
}

impl Stamp {
    /// The model that decided: `NAME/model` of the artifact, its version.
    pub(crate) fn model_ref(&self, model: &str) -> ModelRef {
        ModelRef {
            name: format!("{}/{model}", self.model_ref.name),
            version: self.model_ref.version.clone(),
        }
    }

    /// A signal of an anomaly model (`model`: univariate, cluster, logs)
    /// at `ts_ms`: no failure time is forecast, the advice is to look; the
    /// caller fills in the target and the evidence.
    pub(crate) fn anomaly_signal(
        &self,
        model: &str,
        kind: IssueKind,
        ts_ms: i64,
        probability: f64,
    ) -> Signal {
        Signal {
            kind,
            service: String::new(),
            instance: String::new(),
            subject: None,
            ts: ts_of(ts_ms),
            probability,
            predicted_failure_at: None,
            failure_interval: None,
            horizon_s: self.horizon_s,
            evidence: Vec::new(),
            root_cause_service: None,
            model: self.model_ref(model),
            recommended_action: Some(RecommendedAction::Notify),
            log: None,
        }
    }

    /// Whether a signal of `probability` must reach the tracker, and whether
    /// the tracker may hold state for its target afterwards. A signal under
    /// `threshold − hysteresis` changes nothing for a target with no open or
    /// pending incident, so it is not even built: most evaluations are
    /// quiet, and building a signal allocates.
    pub(crate) fn worth_emitting(
        &self,
        kind: IssueKind,
        probability: f64,
        engaged: bool,
    ) -> (bool, bool) {
        let low = probability < self.policy.threshold(kind) - self.policy.hysteresis;
        (engaged || !low, !low)
    }
}

/// Attach the likely root cause and pass the signal to the tracker; the
/// events it causes are appended to `out`.
pub(crate) fn emit(
    tracker: &mut IncidentTracker,
    graph: &DependencyGraph,
    policy: &IncidentPolicy,
    mut signal: Signal,
    out: &mut Vec<PredictedIssue>,
) {
    let mut onsets: HashMap<String, i64> = HashMap::new();
    for i in tracker.open() {
        let t = i.opened_at.timestamp_millis();
        let e = onsets.entry(i.service.clone()).or_insert(t);
        *e = (*e).min(t);
    }
    onsets
        .entry(signal.service.clone())
        .or_insert(signal.ts.timestamp_millis());
    signal.root_cause_service = graph
        .rank(&signal.service, &onsets)
        .first()
        .map(|c| c.service.clone());
    out.extend(tracker.observe(policy, signal));
}
