//! The figures of a report from the ledger's state: each service's
//! records within the range added to the totals of those dropped by a
//! cap, uptime from its down intervals, SLOs at the range's end.

use chrono::{DateTime, TimeDelta, Utc};

use super::{
    ActionEvidence, ActionFigures, Bucket, BudgetPoint, BurnDown, Figures, Interval,
    PredictionLine, PreventedOutage, Report, ServiceReport, Spread,
};
use crate::ledger::Ledger;
use crate::slo::{burn_down, evaluate_all, objectives};
use crate::state::records::{Incident, PredictionClass};
use crate::state::service::ServiceState;
use crate::state::totals::{RECOVERY_BUCKETS_S, Totals};

/// Points of each burn-down curve.
const BURN_DOWN_POINTS: usize = 60;

fn spread(count: u64, sum: f64, mut kept: Vec<f64>) -> Spread {
    kept.sort_by(f64::total_cmp);
    let rank = |q: f64| -> Option<f64> {
        if kept.is_empty() {
            return None;
        }
        let i = ((q * kept.len() as f64).ceil() as usize).clamp(1, kept.len()) - 1;
        Some(kept[i])
    };
    let median = if kept.is_empty() {
        None
    } else if kept.len() % 2 == 1 {
        Some(kept[kept.len() / 2])
    } else {
        Some((kept[kept.len() / 2 - 1] + kept[kept.len() / 2]) / 2.0)
    };
    Spread {
        count,
        mean: (count > 0).then(|| sum / count as f64),
        median,
        p90: rank(0.9),
        min: kept.first().copied(),
        max: kept.last().copied(),
    }
}

/// Figures from totals, kept incidents, and observed/down time.
fn figures(t: &Totals, incidents: &[&Incident], observed_ms: i64, down_ms: i64) -> Figures {
    let lead: Vec<f64> = incidents.iter().filter_map(|i| i.lead_time_s).collect();
    let ttd: Vec<f64> = incidents
        .iter()
        .filter_map(|i| i.time_to_detect_s)
        .collect();
    let ttr: Vec<f64> = incidents
        .iter()
        .filter_map(|i| i.time_to_recover_s)
        .collect();
    let mut hist = t.ttr_histogram.clone();
    hist.resize(RECOVERY_BUCKETS_S.len() + 1, 0);
    Figures {
        observed_s: observed_ms as f64 / 1000.0,
        down_s: down_ms as f64 / 1000.0,
        uptime: (observed_ms > 0).then(|| 1.0 - down_ms as f64 / observed_ms as f64),
        incidents: t.incidents,
        incidents_open: t.open,
        predicted_ahead: t.predicted_ahead,
        lead_time_s: spread(t.predicted_ahead, t.lead_time_sum_s, lead),
        detected: t.detected,
        undetected: t.incidents - t.detected,
        time_to_detect_s: spread(t.detected, t.ttd_sum_s, ttd),
        time_to_recover_s: spread(t.recovered, t.ttr_sum_s, ttr),
        recovery_histogram: hist
            .iter()
            .enumerate()
            .map(|(i, n)| Bucket {
                le_s: RECOVERY_BUCKETS_S.get(i).copied(),
                count: *n,
            })
            .collect(),
        recovered_automatically: t.recovered_automatically,
        recovered_automatically_share: (t.recovered > 0)
            .then(|| t.recovered_automatically as f64 / t.recovered as f64),
        predictions: t.predictions,
        outages_prevented: t.class(PredictionClass::OutagePrevented),
        false_alarms: t.class(PredictionClass::FalseAlarm),
        not_confirmed: t.class(PredictionClass::NotConfirmed),
        pending: t.class(PredictionClass::Pending),
        during_outage: t.class(PredictionClass::DuringOutage),
        actions: ActionFigures {
            taken: t.actions_executed,
            succeeded: t.actions_succeeded,
            failed: t.actions_failed,
            in_progress: t.actions_in_progress,
            skipped: t.actions_skipped,
            skipped_by_reason: t.skipped_by_reason.clone(),
        },
    }
}

impl Ledger {
    /// The report over `[from, to)`, for `services` (empty: every
    /// service). Records are those that start within the range, plus the
    /// totals of records dropped by a cap.
    pub fn report(&self, from: DateTime<Utc>, to: DateTime<Utc>, services: &[String]) -> Report {
        let (from_ms, to_ms) = (from.timestamp_millis(), to.timestamp_millis());
        let mut fleet_totals = Totals::default();
        let mut fleet_incidents: Vec<Incident> = Vec::new();
        let (mut fleet_obs, mut fleet_down) = (0i64, 0i64);
        let mut out = Vec::new();
        for (name, svc) in &self.state().services {
            if !services.is_empty() && !services.contains(name) {
                continue;
            }
            let r = self.service_report(svc, from, to);
            let start = svc.first_seen_ms.map_or(from_ms, |f| f.max(from_ms));
            fleet_obs += svc.observed_ms(from_ms, to_ms);
            fleet_down += svc.downtime_ms(start, to_ms);
            fleet_totals.merge(&service_totals(svc, from, to));
            fleet_incidents.extend(r.incidents.iter().cloned());
            out.push(r);
        }
        let refs: Vec<&Incident> = fleet_incidents.iter().collect();
        Report {
            from,
            to,
            intake: self.intake(),
            caps: self.opts.caps,
            fleet: figures(&fleet_totals, &refs, fleet_obs, fleet_down),
            services: out,
        }
    }

    fn service_report(
        &self,
        svc: &ServiceState,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> ServiceReport {
        let (from_ms, to_ms) = (from.timestamp_millis(), to.timestamp_millis());
        let in_range = |t: DateTime<Utc>| t >= from && t < to;
        let incidents: Vec<&Incident> = svc
            .incidents
            .iter()
            .chain(svc.open.iter())
            .filter(|i| in_range(i.start))
            .collect();
        let start = svc.first_seen_ms.map_or(from_ms, |f| f.max(from_ms));
        let observed = svc.observed_ms(from_ms, to_ms);
        let down = svc.downtime_ms(start, to_ms);
        let totals = service_totals(svc, from, to);
        let mut predictions: Vec<PredictionLine> = svc
            .predictions
            .values()
            .filter(|p| in_range(p.opened_at))
            .map(|p| PredictionLine {
                id: p.id.clone(),
                kind: p.kind,
                instance: p.instance.clone(),
                probability: p.probability,
                opened_at: p.opened_at,
                window_end: p.window_end,
                class: p.class(to, svc.actions.iter()),
                incident: p.incident.clone(),
                lead_time_s: p.lead_time_s,
            })
            .collect();
        predictions.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
        let prevented = predictions
            .iter()
            .filter(|p| p.class == PredictionClass::OutagePrevented)
            .filter_map(|p| svc.predictions.get(&p.id))
            .map(|p| PreventedOutage {
                issue_id: p.id.clone(),
                kind: p.kind,
                probability: p.probability,
                opened_at: p.opened_at,
                predicted_failure_at: p.predicted_failure_at,
                window_end: p.window_end,
                actions: svc
                    .actions
                    .iter()
                    .filter(|a| a.issue_id == p.id && a.executed())
                    .map(|a| ActionEvidence {
                        action: a.action,
                        ts: a.ts,
                        status: a.status,
                        verified: a.verified,
                        detail: a.detail.clone(),
                    })
                    .collect(),
            })
            .collect();
        let mut down_intervals: Vec<Interval> = svc
            .intervals
            .iter()
            .copied()
            .chain(svc.open.iter().map(|o| (o.start.timestamp_millis(), to_ms)))
            .filter(|(s, e)| *e > start && *s < to_ms)
            .map(|(s, e)| Interval {
                from: ms(s.max(start)),
                to: ms(e.min(to_ms)),
            })
            .collect();
        down_intervals.sort_by_key(|i| i.from);
        let burn_from = from.max(ms(start));
        ServiceReport {
            service: svc.name.clone(),
            figures: figures(&totals, &incidents, observed, down),
            slos: evaluate_all(svc, &self.opts, to),
            burn_down: objectives(svc, &self.opts)
                .into_iter()
                .map(|(name, _, spec, m)| BurnDown {
                    slo: name.to_string(),
                    points: burn_down(m, spec, burn_from, to, BURN_DOWN_POINTS)
                        .into_iter()
                        .map(|(at, left)| BudgetPoint { at, left })
                        .collect(),
                })
                .collect(),
            down: down_intervals,
            observed_from: (observed > 0).then(|| ms(start)),
            incidents: incidents.into_iter().cloned().collect(),
            predictions,
            prevented,
            actions: svc
                .actions
                .iter()
                .filter(|a| in_range(a.ts))
                .cloned()
                .collect(),
            not_listed: [
                svc.dropped_counts[0],
                svc.dropped_counts[1],
                svc.dropped_counts[2],
            ],
        }
    }
}

fn ms(t: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + TimeDelta::milliseconds(t)
}

/// The totals of `svc` over `[from, to)`: records kept that start in the
/// range, plus those dropped by a cap.
fn service_totals(svc: &ServiceState, from: DateTime<Utc>, to: DateTime<Utc>) -> Totals {
    let in_range = |t: DateTime<Utc>| t >= from && t < to;
    let mut t = svc.dropped.clone();
    for i in svc.incidents.iter().chain(svc.open.iter()) {
        if i.counted && in_range(i.start) {
            t.add_incident(i);
        }
    }
    for p in svc.predictions.values() {
        if p.counted && in_range(p.opened_at) {
            t.add_prediction(p.class(to, svc.actions.iter()));
        }
    }
    for a in &svc.actions {
        if a.counted && in_range(a.ts) {
            t.add_action(a);
        }
    }
    t
}
