//! The folded state: one [`ServiceState`](service::ServiceState) per
//! service, and the fold of one entry, in canonical order, into it.
//!
//! Layout:
//! - [`records`]: incidents, predictions, actions and their classes.
//! - [`service`]: one service's state and its transitions.
//! - [`totals`]: running counts and sums, what reports add up.

pub mod records;
pub(crate) mod service;
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
        if let Entry::Sample(m) = e
            && m.metric != opts.health_metric
        {
            return;
        }
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
