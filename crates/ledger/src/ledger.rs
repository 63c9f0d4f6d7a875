//! [`Ledger`]: entries folded in canonical order, either all at once
//! ([`Ledger::replay`], for reports) or as they arrive ([`Ledger::apply`],
//! for the live dashboard) through a reorder buffer of
//! [`LedgerOptions::lateness`] of event time.
//!
//! `apply` keeps two states: `base`, every entry older than the buffer,
//! folded in canonical order, and `head`, `base` plus the buffer. An
//! entry newer than everything buffered is folded into `head` at once
//! (the usual case); one that sorts inside the buffer makes `head` be
//! rebuilt from `base` and the buffer, so the result does not depend on
//! the arrival order; one older than the buffer is folded where it
//! arrives and counted as late. The keys of the last [`REMEMBERED`]
//! entries folded past the buffer are remembered too, so an entry
//! delivered again later (a consumer that restarts, the demo handing over
//! what its feed already delivered) is dropped as a duplicate rather than
//! counted twice.

use std::collections::{BTreeMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::entry::{Entry, OrderKey};
use crate::options::LedgerOptions;
use crate::state::State;

/// Keys of entries folded past the reorder buffer kept for spotting
/// redeliveries (about 100 bytes each).
pub const REMEMBERED: usize = 50_000;

/// What was fed to a ledger.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Intake {
    /// Entries folded.
    pub folded: u64,
    /// Entries delivered twice (same content key), dropped.
    pub duplicates: u64,
    /// Entries that arrived later than the reorder buffer allows; folded
    /// where they arrived.
    pub late: u64,
    /// Entries at or after `LedgerOptions::until`, ignored.
    pub out_of_range: u64,
    /// Metric samples of other metrics than the health, latency and
    /// error-rate roles', ignored.
    pub other_metrics: u64,
}

/// Whether the ledger has any use for `e`: every entry but the samples
/// of other metrics than the health, latency and error-rate roles'.
fn relevant(e: &Entry, opts: &LedgerOptions) -> bool {
    match e {
        Entry::Sample(m) => [
            &opts.health_metric,
            &opts.latency_metric,
            &opts.error_rate_metric,
        ]
        .contains(&&m.metric),
        _ => true,
    }
}

/// The reliability ledger.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub(crate) opts: LedgerOptions,
    base: State,
    head: Option<State>,
    buffer: BTreeMap<OrderKey, Entry>,
    base_until: Option<OrderKey>,
    newest: Option<DateTime<Utc>>,
    intake: Intake,
    /// The keys of the last [`REMEMBERED`] entries folded into `base`.
    remembered: HashSet<OrderKey>,
    remembered_order: VecDeque<OrderKey>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new(opts: LedgerOptions) -> Self {
        Self {
            opts,
            base: State::default(),
            head: None,
            buffer: BTreeMap::new(),
            base_until: None,
            newest: None,
            intake: Intake::default(),
            remembered: HashSet::new(),
            remembered_order: VecDeque::new(),
        }
    }

    /// Remember that `key` was folded into `base`.
    fn remember(&mut self, key: OrderKey) {
        if self.remembered.insert(key.clone()) {
            self.remembered_order.push_back(key);
            if self.remembered_order.len() > REMEMBERED
                && let Some(old) = self.remembered_order.pop_front()
            {
                self.remembered.remove(&old);
            }
        }
    }

    /// A ledger of `entries`, whatever their order: sorted canonically,
    /// duplicates dropped, folded. Replaying the same entries always
    /// gives the same ledger.
    pub fn replay(opts: LedgerOptions, entries: impl IntoIterator<Item = Entry>) -> Self {
        let mut l = Self::new(opts);
        let mut all: Vec<(OrderKey, Entry)> = Vec::new();
        for e in entries {
            if !relevant(&e, &l.opts) {
                l.intake.other_metrics += 1;
                continue;
            }
            if l.opts.until.is_some_and(|u| e.ts() >= u) {
                l.intake.out_of_range += 1;
                continue;
            }
            all.push((e.order_key(), e));
        }
        // Ties (one key, different records) broken by content, so the
        // one kept does not depend on the order they were given in.
        all.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.canonical_json().cmp(&b.1.canonical_json()))
        });
        let before = all.len();
        all.dedup_by(|a, b| a.0 == b.0);
        l.intake.duplicates += (before - all.len()) as u64;
        for (k, e) in all {
            l.base.fold(&e, &l.opts);
            l.intake.folded += 1;
            l.base_until = Some(k);
            l.newest = Some(l.newest.map_or(e.ts(), |n| n.max(e.ts())));
        }
        l
    }

    /// Fold one entry as it arrives (see the module docs for the order).
    pub fn apply(&mut self, e: Entry) {
        if !relevant(&e, &self.opts) {
            self.intake.other_metrics += 1;
            return;
        }
        let ts = e.ts();
        if self.opts.until.is_some_and(|u| ts >= u) {
            self.intake.out_of_range += 1;
            return;
        }
        let key = e.order_key();
        if self.buffer.contains_key(&key) || self.remembered.contains(&key) {
            self.intake.duplicates += 1;
            return;
        }
        if self.head.is_none() {
            self.head = Some(self.base.clone());
        }
        self.intake.folded += 1;
        if self.base_until.as_ref().is_some_and(|b| key <= *b) {
            self.intake.late += 1;
            self.base.fold(&e, &self.opts);
            if let Some(h) = &mut self.head {
                h.fold(&e, &self.opts);
            }
            self.remember(key);
        } else if self.buffer.last_key_value().is_none_or(|(k, _)| *k < key) {
            if let Some(h) = &mut self.head {
                h.fold(&e, &self.opts);
            }
            self.buffer.insert(key, e);
        } else {
            self.buffer.insert(key, e);
            let mut h = self.base.clone();
            for b in self.buffer.values() {
                h.fold(b, &self.opts);
            }
            self.head = Some(h);
        }
        self.newest = Some(self.newest.map_or(ts, |n| n.max(ts)));
        let horizon = self.newest.map(|n| n - self.opts.lateness);
        while let Some(entry) = self.buffer.first_entry() {
            if horizon.is_some_and(|h| entry.get().ts() < h) {
                let (k, e) = entry.remove_entry();
                self.base.fold(&e, &self.opts);
                self.base_until = Some(k.clone());
                self.remember(k);
            } else {
                break;
            }
        }
    }

    /// The options it was built with.
    pub fn options(&self) -> &LedgerOptions {
        &self.opts
    }

    /// What it was fed.
    pub fn intake(&self) -> Intake {
        self.intake
    }

    /// The newest event time folded.
    pub fn newest(&self) -> Option<DateTime<Utc>> {
        self.newest
    }

    /// Services heard of, and those of the options, sorted.
    pub fn services(&self) -> Vec<String> {
        let mut all: Vec<String> = self.state().services.keys().cloned().collect();
        all.extend(self.opts.services.iter().cloned());
        all.sort();
        all.dedup();
        all
    }

    pub(crate) fn state(&self) -> &State {
        self.head.as_ref().unwrap_or(&self.base)
    }
}
