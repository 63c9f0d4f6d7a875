//! Running totals of a service's records: what a report counts. Records
//! dropped by a memory cap are added here when they go, so counts, sums
//! (hence means) and the recovery-time histogram stay exact.

use std::collections::BTreeMap;

use serde::Serialize;

use super::records::{Action, ActionStatus, Incident, PredictionClass};

/// Upper bounds (seconds) of the recovery-time histogram's buckets; a
/// last bucket holds the longer ones.
pub const RECOVERY_BUCKETS_S: [f64; 6] = [60.0, 300.0, 900.0, 3600.0, 14_400.0, 86_400.0];

/// Counts and sums over incidents, predictions and actions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Failure episodes.
    pub incidents: u64,
    /// Of which still open.
    pub open: u64,
    /// Of which preceded by a prediction.
    pub predicted_ahead: u64,
    /// Sum of their lead times, seconds.
    pub lead_time_sum_s: f64,
    /// Incidents Forewarn detected (a prediction or an issue event).
    pub detected: u64,
    /// Sum of their times to detect, seconds.
    pub ttd_sum_s: f64,
    /// Incidents that ended.
    pub recovered: u64,
    /// Sum of their times to recover, seconds.
    pub ttr_sum_s: f64,
    /// Of the recovered, how many automatically.
    pub recovered_automatically: u64,
    /// Recovered incidents per recovery-time bucket
    /// ([`RECOVERY_BUCKETS_S`], then longer).
    pub ttr_histogram: Vec<u64>,
    /// Predictions (observed kinds excluded).
    pub predictions: u64,
    /// Predictions and observed issues per class.
    pub by_class: BTreeMap<PredictionClass, u64>,
    /// Actions executed live.
    pub actions_executed: u64,
    /// Of which succeeded.
    pub actions_succeeded: u64,
    /// Of which failed, timed out or were interrupted.
    pub actions_failed: u64,
    /// Of which still running.
    pub actions_in_progress: u64,
    /// Actions not executed.
    pub actions_skipped: u64,
    /// Skipped actions per reason (`shadow mode`, `cooldown`...).
    pub skipped_by_reason: BTreeMap<String, u64>,
}

impl Totals {
    /// Count one incident.
    pub fn add_incident(&mut self, i: &Incident) {
        self.incidents += 1;
        if let Some(l) = i.lead_time_s {
            self.predicted_ahead += 1;
            self.lead_time_sum_s += l;
        }
        if let Some(d) = i.time_to_detect_s {
            self.detected += 1;
            self.ttd_sum_s += d;
        }
        match i.time_to_recover_s {
            Some(r) => {
                self.recovered += 1;
                self.ttr_sum_s += r;
                if i.recovered_automatically == Some(true) {
                    self.recovered_automatically += 1;
                }
                let b = RECOVERY_BUCKETS_S
                    .iter()
                    .position(|edge| r <= *edge)
                    .unwrap_or(RECOVERY_BUCKETS_S.len());
                self.histogram()[b] += 1;
            }
            None => self.open += 1,
        }
    }

    fn histogram(&mut self) -> &mut Vec<u64> {
        if self.ttr_histogram.len() != RECOVERY_BUCKETS_S.len() + 1 {
            self.ttr_histogram = vec![0; RECOVERY_BUCKETS_S.len() + 1];
        }
        &mut self.ttr_histogram
    }

    /// Count one prediction (or observed issue) of class `class`.
    pub fn add_prediction(&mut self, class: PredictionClass) {
        if class != PredictionClass::Observed {
            self.predictions += 1;
        }
        *self.by_class.entry(class).or_default() += 1;
    }

    /// Count one action.
    pub fn add_action(&mut self, a: &Action) {
        if !a.executed() {
            self.actions_skipped += 1;
            *self.skipped_by_reason.entry(a.skip_reason()).or_default() += 1;
            return;
        }
        self.actions_executed += 1;
        match a.status {
            ActionStatus::Succeeded => self.actions_succeeded += 1,
            ActionStatus::InProgress => self.actions_in_progress += 1,
            _ => self.actions_failed += 1,
        }
    }

    /// Add `other` into `self`.
    pub fn merge(&mut self, o: &Totals) {
        self.incidents += o.incidents;
        self.open += o.open;
        self.predicted_ahead += o.predicted_ahead;
        self.lead_time_sum_s += o.lead_time_sum_s;
        self.detected += o.detected;
        self.ttd_sum_s += o.ttd_sum_s;
        self.recovered += o.recovered;
        self.ttr_sum_s += o.ttr_sum_s;
        self.recovered_automatically += o.recovered_automatically;
        let h = self.histogram();
        for (i, n) in o.ttr_histogram.iter().enumerate() {
            h[i] += n;
        }
        self.predictions += o.predictions;
        for (k, n) in &o.by_class {
            *self.by_class.entry(*k).or_default() += n;
        }
        self.actions_executed += o.actions_executed;
        self.actions_succeeded += o.actions_succeeded;
        self.actions_failed += o.actions_failed;
        self.actions_in_progress += o.actions_in_progress;
        self.actions_skipped += o.actions_skipped;
        for (k, n) in &o.skipped_by_reason {
            *self.skipped_by_reason.entry(k.clone()).or_default() += n;
        }
    }

    /// How many predictions of `class`.
    pub fn class(&self, class: PredictionClass) -> u64 {
        self.by_class.get(&class).copied().unwrap_or(0)
    }
}

/// Whether `ActionStatus` counts as failed (for readers of [`Totals`]).
pub fn failed(s: ActionStatus) -> bool {
    matches!(
        s,
        ActionStatus::Failed | ActionStatus::TimedOut | ActionStatus::Interrupted
    )
}
