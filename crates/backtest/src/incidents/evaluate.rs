//! Match alerts to labelled incidents and traps, per detector, and compute
//! the incident metrics: precision, recall and F1 per incident (no point
//! adjustment: one alert is one alert), lead times, the error of the
//! predicted failure time, false alarms per service-day and the root-cause
//! hit rate.
//!
//! Rules, the same for every detector:
//! - An alert belongs to an incident when it names the incident's service
//!   (and instance, when both name one) and is raised between
//!   `onset − early_tolerance` and the recovery.
//! - An incident is **predicted** (early) when such an alert is raised
//!   before the labelled failure time; the lead time is failure − the
//!   first such alert. Raised between failure and recovery, it is **late**
//!   (not counted in recall). Otherwise **missed**.
//! - An alert that belongs to no incident is a **false alarm**; when it
//!   falls in a trap (a seasonal peak, a planned deploy, a nightly batch
//!   job) it is also counted as a trap false alarm.

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::IssueKind;
use forewarn_sim::{Incident, Labels};
use serde::Serialize;

use super::Alert;

/// Matching tolerance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Matching {
    /// How long before the labelled onset an alert still counts for the
    /// incident, seconds (the first symptoms often precede the label).
    pub early_tolerance_s: f64,
}

impl Default for Matching {
    fn default() -> Self {
        Self {
            early_tolerance_s: 1800.0,
        }
    }
}

/// What became of an incident or an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Incident announced before its failure time.
    Early,
    /// Incident announced only after its failure time.
    Late,
    /// Incident never announced.
    Missed,
    /// Alert that belongs to an incident.
    TruePositive,
    /// Alert that belongs to no incident.
    FalseAlarm,
    /// False alarm raised inside a trap window.
    TrapFalseAlarm,
}

impl Outcome {
    /// The snake-case name used in reports and Parquet.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Early => "early",
            Self::Late => "late",
            Self::Missed => "missed",
            Self::TruePositive => "true_positive",
            Self::FalseAlarm => "false_alarm",
            Self::TrapFalseAlarm => "trap_false_alarm",
        }
    }
}

/// One labelled incident as one detector saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRow {
    /// Detector.
    pub detector: &'static str,
    /// Labelled incident id.
    pub incident_id: String,
    /// Labelled service.
    pub service: String,
    /// Labelled instance, if instance-level.
    pub instance: Option<String>,
    /// Labelled kind of issue.
    pub issue_kind: IssueKind,
    /// Labelled onset.
    pub onset: DateTime<Utc>,
    /// Labelled failure time.
    pub failure: DateTime<Utc>,
    /// Labelled recovery.
    pub recovery: DateTime<Utc>,
    /// Early, late or missed.
    pub outcome: Outcome,
    /// The alert that decided the outcome.
    pub alert: Option<Alert>,
    /// Failure − first alert, seconds (early only).
    pub lead_s: Option<f64>,
    /// Predicted − labelled failure time, seconds (signed), when the first
    /// alert predicted one.
    pub failure_time_error_s: Option<f64>,
    /// Labelled root cause.
    pub root_cause_expected: String,
}

/// One alert and what it turned out to be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRow {
    /// The alert.
    pub alert: Alert,
    /// True positive, false alarm or trap false alarm.
    pub outcome: Outcome,
    /// The incident it belongs to, or the trap it fell in.
    pub matched_id: Option<String>,
}

/// One detector's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Detector.
    pub detector: &'static str,
    /// Labelled incidents.
    pub incidents: usize,
    /// Announced before failure.
    pub predicted: usize,
    /// Announced after failure only.
    pub late: usize,
    /// Never announced.
    pub missed: usize,
    /// Alerts raised.
    pub alerts: usize,
    /// Alerts that belong to an incident.
    pub true_alerts: usize,
    /// Alerts that belong to none.
    pub false_alarms: usize,
    /// False alarms inside trap windows.
    pub trap_false_alarms: usize,
    /// true_alerts / alerts (0 without alerts).
    pub precision: f64,
    /// predicted / incidents.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Mean lead time of predicted incidents, seconds.
    pub lead_time_mean_s: Option<f64>,
    /// Median lead time of predicted incidents, seconds.
    pub lead_time_median_s: Option<f64>,
    /// Median |predicted − labelled failure time| of predicted incidents
    /// whose first alert gave a time, seconds.
    pub failure_time_error_median_s: Option<f64>,
    /// How many predicted incidents came with a failure time.
    pub failure_time_predictions: usize,
    /// False alarms per service and day of data.
    pub false_alarms_per_service_day: f64,
    /// Share of predicted incidents whose first alert named the labelled
    /// root cause (None when the detector names none).
    pub root_cause_hit_rate: Option<f64>,
}

/// Everything [`evaluate`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// One per detector, in the order given.
    pub summaries: Vec<Summary>,
    /// One per (detector, incident).
    pub incidents: Vec<IncidentRow>,
    /// One per alert.
    pub alerts: Vec<AlertRow>,
    /// Services × days of data.
    pub service_days: f64,
    /// The tolerance used.
    pub matching: Matching,
}

fn same_target(alert: &Alert, service: &str, instance: Option<&str>) -> bool {
    alert.service == service
        && match instance {
            Some(i) => alert.instance.is_empty() || alert.instance == i,
            None => true,
        }
}

/// Median of finite values; `None` when there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn incident_row(
    detector: &'static str,
    inc: &Incident,
    alerts: &[Alert],
    tol: TimeDelta,
) -> IncidentRow {
    let mine: Vec<&Alert> = alerts
        .iter()
        .filter(|a| same_target(a, &inc.service, inc.instance.as_deref()))
        .collect();
    let early = mine
        .iter()
        .filter(|a| a.detected_at >= inc.onset - tol && a.detected_at <= inc.failure)
        .min_by_key(|a| a.detected_at);
    let late = mine
        .iter()
        .filter(|a| a.detected_at > inc.failure && a.detected_at <= inc.recovery)
        .min_by_key(|a| a.detected_at);
    let (outcome, alert) = match (early, late) {
        (Some(a), _) => (Outcome::Early, Some((*a).clone())),
        (None, Some(a)) => (Outcome::Late, Some((*a).clone())),
        (None, None) => (Outcome::Missed, None),
    };
    let secs = |d: TimeDelta| d.num_milliseconds() as f64 / 1000.0;
    let lead_s = (outcome == Outcome::Early)
        .then(|| alert.as_ref().map(|a| secs(inc.failure - a.detected_at)))
        .flatten();
    let failure_time_error_s = (outcome == Outcome::Early)
        .then(|| {
            alert
                .as_ref()
                .and_then(|a| a.predicted_failure_at)
                .map(|p| secs(p - inc.failure))
        })
        .flatten();
    IncidentRow {
        detector,
        incident_id: inc.id.clone(),
        service: inc.service.clone(),
        instance: inc.instance.clone(),
        issue_kind: inc.issue_kind,
        onset: inc.onset,
        failure: inc.failure,
        recovery: inc.recovery,
        outcome,
        alert,
        lead_s,
        failure_time_error_s,
        root_cause_expected: inc.root_cause_service.clone(),
    }
}

fn alert_row(alert: &Alert, labels: &Labels, tol: TimeDelta) -> AlertRow {
    let t = alert.detected_at;
    if let Some(inc) = labels.incidents.iter().find(|i| {
        same_target(alert, &i.service, i.instance.as_deref())
            && t >= i.onset - tol
            && t <= i.recovery
    }) {
        return AlertRow {
            alert: alert.clone(),
            outcome: Outcome::TruePositive,
            matched_id: Some(inc.id.clone()),
        };
    }
    let trap = labels.traps.iter().find(|tr| {
        same_target(alert, &tr.service, tr.instance.as_deref())
            && t >= tr.start - tol
            && t <= tr.end + tol
    });
    AlertRow {
        alert: alert.clone(),
        outcome: if trap.is_some() {
            Outcome::TrapFalseAlarm
        } else {
            Outcome::FalseAlarm
        },
        matched_id: trap.map(|tr| tr.id.clone()),
    }
}

/// Evaluate each detector's alerts against `labels`.
pub fn evaluate(
    labels: &Labels,
    detectors: &[(&'static str, &[Alert])],
    m: &Matching,
) -> Evaluation {
    let tol = TimeDelta::milliseconds((m.early_tolerance_s * 1000.0) as i64);
    let days = (labels.end - labels.start).num_milliseconds() as f64 / 86_400_000.0;
    let service_days = (labels.services.len() as f64 * days).max(f64::MIN_POSITIVE);
    let (mut incidents, mut alerts, mut summaries) = (Vec::new(), Vec::new(), Vec::new());
    for (detector, raised) in detectors {
        let rows: Vec<IncidentRow> = labels
            .incidents
            .iter()
            .map(|inc| incident_row(detector, inc, raised, tol))
            .collect();
        let arows: Vec<AlertRow> = raised.iter().map(|a| alert_row(a, labels, tol)).collect();
        let count = |o: Outcome| rows.iter().filter(|r| r.outcome == o).count();
        let (predicted, late, missed) = (
            count(Outcome::Early),
            count(Outcome::Late),
            count(Outcome::Missed),
        );
        let true_alerts = arows
            .iter()
            .filter(|r| r.outcome == Outcome::TruePositive)
            .count();
        let trap_false_alarms = arows
            .iter()
            .filter(|r| r.outcome == Outcome::TrapFalseAlarm)
            .count();
        let false_alarms = arows.len() - true_alerts;
        let precision = if arows.is_empty() {
            0.0
        } else {
            true_alerts as f64 / arows.len() as f64
        };
        let recall = if rows.is_empty() {
            0.0
        } else {
            predicted as f64 / rows.len() as f64
        };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        let leads: Vec<f64> = rows.iter().filter_map(|r| r.lead_s).collect();
        let errors: Vec<f64> = rows
            .iter()
            .filter_map(|r| r.failure_time_error_s.map(f64::abs))
            .collect();
        let named: Vec<&IncidentRow> = rows
            .iter()
            .filter(|r| r.outcome == Outcome::Early)
            .filter(|r| {
                r.alert
                    .as_ref()
                    .is_some_and(|a| a.root_cause_service.is_some())
            })
            .collect();
        let hits = named
            .iter()
            .filter(|r| {
                r.alert
                    .as_ref()
                    .and_then(|a| a.root_cause_service.as_deref())
                    == Some(r.root_cause_expected.as_str())
            })
            .count();
        summaries.push(Summary {
            detector,
            incidents: rows.len(),
            predicted,
            late,
            missed,
            alerts: arows.len(),
            true_alerts,
            false_alarms,
            trap_false_alarms,
            precision,
            recall,
            f1,
            lead_time_mean_s: (!leads.is_empty())
                .then(|| leads.iter().sum::<f64>() / leads.len() as f64),
            lead_time_median_s: median(&leads),
            failure_time_error_median_s: median(&errors),
            failure_time_predictions: errors.len(),
            false_alarms_per_service_day: false_alarms as f64 / service_days,
            root_cause_hit_rate: (!named.is_empty()).then(|| hits as f64 / named.len() as f64),
        });
        incidents.extend(rows);
        alerts.extend(arows);
    }
    Evaluation {
        summaries,
        incidents,
        alerts,
        service_days,
        matching: *m,
    }
}
