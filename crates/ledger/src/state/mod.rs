//! The folded state: one [`ServiceState`](service::ServiceState) per
//! service, and the fold of one entry, in canonical order, into it.
//!
//! Layout:
//! - [`records`]: incidents, predictions, actions and their classes.
//! - [`service`]: one service's state and its transitions.
//! - `slices`: time slices of the latency and error-rate samples.
//! - [`totals`]: running counts and sums, what reports add up.

pub mod records;
pub(crate) mod service;
pub(crate) mod slices;
pub mod totals;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::entry::{AuditPhase, Entry};
use crate::options::LedgerOptions;
use service::ServiceState;

/// Everything folded so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    pub(crate) services: BTreeMap<String, ServiceState>,
    /// Newest event time folded.
    pub(crate) now: Option<DateTime<Utc>>,
}

impl State {
    /// Fold one entry (the caller keeps the canonical order).
    pub(crate) fn fold(&mut self, e: &Entry, opts: &LedgerOptions) {
        let ts = e.ts();
        let threshold = match e {
            Entry::Sample(m) if m.metric == opts.health_metric => None,
            Entry::Sample(m) => {
                let t = opts.threshold_slos(&m.service);
                let slo = if m.metric == opts.latency_metric {
                    t.latency
                } else if m.metric == opts.error_rate_metric {
                    t.error_rate
                } else {
                    None
                };
                match slo {
                    Some(slo) => Some(slo.threshold),
                    None => return,
                }
            }
            _ => None,
        };
        self.now = Some(self.now.map_or(ts, |n| n.max(ts)));
        let keep_from_ms = self
            .now
            .map_or(i64::MIN, |n| (n - opts.retention()).timestamp_millis());
        let counted = opts.count_from.is_none_or(|f| ts >= f);
        let caps = &opts.caps;
        let name = e.service().to_string();
        let svc = self
            .services
            .entry(name.clone())
            .or_insert_with(|| ServiceState::new(&name));
        if let (Some(threshold), Entry::Sample(m)) = (threshold, e) {
            let slices = if m.metric == opts.latency_metric {
                &mut svc.latency
            } else {
                &mut svc.error_rate
            };
            let good = m.value <= threshold;
            let max_slice = opts.max_slice.num_milliseconds();
            let ts = ts.timestamp_millis();
            slices.push(
                &m.instance,
                ts,
                good,
                max_slice,
                caps.intervals,
                keep_from_ms,
            );
            return;
        }
        // Observed time starts with the first observation (a service
        // event or a health sample), not with a prediction or an action.
        if matches!(e, Entry::Service(_) | Entry::Sample(_)) {
            svc.seen(ts);
        }
        match e {
            Entry::Prediction(p) => svc.prediction(p, counted, caps),
            Entry::Outcome(o) => svc.outcome(o, AuditPhase::of(o), counted, caps),
            Entry::Audit(a) => svc.outcome(&a.outcome, a.phase, counted, caps),
            Entry::Service(s) => svc.service_event(s, counted, caps, keep_from_ms),
            Entry::Sample(m) => {
                if m.value < 0.5 {
                    svc.down(&m.instance, ts, "health_down", counted);
                } else {
                    svc.up(&m.instance, ts, caps, keep_from_ms);
                }
            }
        }
    }
}
