//! [`Board`]: the dashboard's state. Every event goes into the
//! reliability ledger ([`Ledger::apply`]), which says per service what its
//! status, uptime and error budget are, which issues are open and which
//! actions and incidents are recent; the board adds only what the ledger
//! does not know: which services' metrics stopped arriving (wall clock)
//! and the Kafka feed's state. It hands out the whole state
//! ([`Board::state`], [`Board::public`]) and what changed since it last
//! did ([`Board::delta`]), found by comparing with what it last sent.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use forewarn_ledger::{Entry, Ledger, LedgerOptions, Snapshot};

use crate::health::{Health, PublicStatus};
use crate::input::Input;
use crate::view::{
    ActionRow, Clock, Delta, FeedStatus, IncidentRow, IssueView, OperatorState, PublicIncident,
    PublicService, PublicState, ServiceRow, SloSummary,
};

/// Actions listed, at most.
const MAX_ACTIONS: usize = 50;
/// Incidents listed, at most.
const MAX_INCIDENTS: usize = 50;
/// Services whose metrics are watched for staleness, at most (keys of a
/// metrics topic are not trusted).
const MAX_SAMPLED: usize = 5000;

/// How the board behaves.
#[derive(Debug, Clone)]
pub struct BoardOptions {
    /// Where "now" comes from.
    pub clock: Clock,
    /// The ledger's settings: services known in advance, their SLOs, the
    /// health metric, the uptime window.
    pub ledger: LedgerOptions,
    /// A service whose metrics stop for this long turns grey (wall clock
    /// only).
    pub stale: Duration,
}

impl Default for BoardOptions {
    fn default() -> Self {
        Self {
            clock: Clock::Wall,
            ledger: LedgerOptions::default(),
            stale: Duration::from_secs(300),
        }
    }
}

/// What was last handed out, to find what changed.
#[derive(Debug, Default)]
struct Sent {
    services: HashMap<String, ServiceRow>,
    issues: BTreeMap<String, IssueView>,
    actions: HashMap<String, ActionRow>,
    incidents: Vec<IncidentRow>,
    feed: FeedStatus,
}

/// The dashboard's state (see the module docs).
#[derive(Debug)]
pub struct Board {
    opts: BoardOptions,
    seq: u64,
    ledger: Ledger,
    /// When a metric sample of each service last arrived (wall clock).
    sampled: HashMap<String, Instant>,
    feed: FeedStatus,
    sent: Sent,
}

impl Board {
    /// An empty board.
    pub fn new(opts: BoardOptions) -> Self {
        Self {
            ledger: Ledger::new(opts.ledger.clone()),
            opts,
            seq: 0,
            sampled: HashMap::new(),
            feed: FeedStatus::default(),
            sent: Sent::default(),
        }
    }

    /// The dashboard's "now": the wall clock, or the newest event time.
    pub fn now(&self) -> DateTime<Utc> {
        match (self.opts.clock, self.ledger.newest()) {
            (Clock::Event, Some(t)) => t,
            _ => Utc::now(),
        }
    }

    /// Take one input into account.
    pub fn apply(&mut self, input: Input) {
        match input {
            Input::Entry(e) => self.ledger.apply(*e),
            Input::Seen { service, health } => {
                if self.sampled.len() < MAX_SAMPLED || self.sampled.contains_key(&service) {
                    self.sampled.insert(service, Instant::now());
                }
                if let Some(m) = health {
                    self.ledger.apply(Entry::Sample(*m));
                }
            }
        }
    }

    /// Replace the feed's status.
    pub fn set_feed(&mut self, feed: FeedStatus) {
        self.feed = feed;
    }

    /// Whether `service`'s metrics stopped arriving (wall clock only).
    fn stale(&self, service: &str) -> Option<Duration> {
        if self.opts.clock != Clock::Wall {
            return None;
        }
        let quiet = self.sampled.get(service)?.elapsed();
        (quiet > self.opts.stale).then_some(quiet)
    }

    /// The whole operator state.
    pub fn state(&self) -> OperatorState {
        let now = self.now();
        let snap = self.ledger.snapshot(now);
        let mut issues: Vec<IssueView> = Vec::new();
        let mut actions: Vec<ActionRow> = Vec::new();
        let mut incidents: Vec<IncidentRow> = Vec::new();
        for s in &snap.services {
            issues.extend(s.open_issues.iter().map(|i| IssueView {
                id: i.id.clone(),
                service: s.service.clone(),
                instance: i.instance.clone(),
                kind: i.kind,
                observed: i.observed,
                severity: i.severity,
                probability: i.probability,
                opened_at: i.opened_at,
                predicted_failure_at: i.predicted_failure_at,
                evidence: i.evidence.clone(),
                root_cause_service: i.root_cause_service.clone(),
                recommended_action: i.recommended_action,
                log: i.log.clone(),
            }));
            actions.extend(s.recent_actions.iter().map(|a| ActionRow {
                key: format!("{}|{}|{}", s.service, a.issue_id, crate::wire(&a.action)),
                service: s.service.clone(),
                ts: a.ts,
                issue_id: a.issue_id.clone(),
                action: a.action,
                mode: a.mode,
                status: a.status,
                verified: a.verified,
                detail: a.detail.clone(),
            }));
            incidents.extend(s.recent_incidents.iter().map(|i| IncidentRow {
                service: s.service.clone(),
                incident: i.clone(),
            }));
        }
        let far = DateTime::<Utc>::MAX_UTC;
        issues.sort_by(|a, b| {
            (a.predicted_failure_at.unwrap_or(far), &a.id)
                .cmp(&(b.predicted_failure_at.unwrap_or(far), &b.id))
        });
        actions.sort_by(|a, b| (b.ts, &b.key).cmp(&(a.ts, &a.key)));
        actions.truncate(MAX_ACTIONS);
        incidents
            .sort_by(|a, b| (b.incident.start, &b.service).cmp(&(a.incident.start, &a.service)));
        incidents.truncate(MAX_INCIDENTS);
        OperatorState {
            seq: self.seq,
            now,
            clock: self.opts.clock,
            uptime_window_s: snap.uptime_window_s,
            services: self.rows(&snap),
            issues,
            actions,
            incidents,
            feed: self.feed.clone(),
        }
    }

    fn rows(&self, snap: &Snapshot) -> Vec<ServiceRow> {
        snap.services
            .iter()
            .map(|s| {
                let stale = self.stale(&s.service);
                let health = Health::of(s.status, stale.is_some());
                let predicted = s.open_issues.iter().filter(|i| !i.observed).count();
                let reason = match (health, stale) {
                    (Health::Down, _) => match s.recent_incidents.first() {
                        Some(i) if i.end.is_none() => i.summary.clone(),
                        _ => "down".to_string(),
                    },
                    (Health::Unknown, Some(q)) => format!(
                        "no data for {}",
                        forewarn_ledger::human_duration(q.as_secs_f64())
                    ),
                    (Health::Warning, _) => match s.open_issues.iter().find(|i| !i.observed) {
                        Some(i) => format!("{} predicted", crate::wire(&i.kind)),
                        None => "at risk".to_string(),
                    },
                    (Health::Ok, _) => "healthy".to_string(),
                    (Health::Unknown, None) => "no data yet".to_string(),
                };
                ServiceRow {
                    name: s.service.clone(),
                    health,
                    status: s.status,
                    reason,
                    down_since: s.down_since,
                    uptime: s.uptime.map(|u| (u * 1e6).round() / 1e6),
                    slo: s.slos.first().map(SloSummary::of),
                    slos: s.slos.iter().map(SloSummary::of).collect(),
                    open_issues: predicted,
                }
            })
            .collect()
    }

    /// The status view's state: nothing but services, their status and
    /// uptime, and incidents in the ledger's plain words.
    pub fn public(&self) -> PublicState {
        let now = self.now();
        let snap = self.ledger.snapshot(now);
        let mut incidents: Vec<PublicIncident> = snap
            .services
            .iter()
            .flat_map(|s| {
                s.recent_incidents.iter().map(|i| PublicIncident {
                    service: s.service.clone(),
                    resolved: i.end.is_some(),
                    started_at: i.start,
                    ended_at: i.end,
                    text: format!("{}: {}", s.service, i.summary),
                })
            })
            .collect();
        incidents.sort_by(|a, b| (b.started_at, &b.service).cmp(&(a.started_at, &a.service)));
        incidents.truncate(MAX_INCIDENTS);
        PublicState {
            now,
            clock: self.opts.clock,
            uptime_window_s: snap.uptime_window_s,
            services: snap
                .services
                .iter()
                .map(|s| {
                    let status = PublicStatus::of(s.status, self.stale(&s.service).is_some());
                    PublicService {
                        name: s.service.clone(),
                        status,
                        status_text: status.words(),
                        uptime: s.uptime.map(|u| (u * 1e6).round() / 1e6),
                    }
                })
                .collect(),
            incidents,
        }
    }

    /// What changed since the last call (or since the board was made);
    /// `None` when nothing did. Everything is compared with what was last
    /// handed out, so time passing (uptime, staleness, issues whose window
    /// ended) shows too.
    pub fn delta(&mut self) -> Option<Delta> {
        let state = self.state();
        let sent = &mut self.sent;
        let services: Vec<ServiceRow> = state
            .services
            .into_iter()
            .filter(|r| sent.services.get(&r.name) != Some(r))
            .collect();
        for r in &services {
            sent.services.insert(r.name.clone(), r.clone());
        }
        let now_open: BTreeMap<String, IssueView> = state
            .issues
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect();
        let closed: Vec<String> = sent
            .issues
            .keys()
            .filter(|id| !now_open.contains_key(*id))
            .cloned()
            .collect();
        let issues: Vec<IssueView> = now_open
            .values()
            .filter(|i| sent.issues.get(&i.id) != Some(i))
            .cloned()
            .collect();
        sent.issues = now_open;
        let actions: Vec<ActionRow> = state
            .actions
            .into_iter()
            .filter(|a| sent.actions.get(&a.key) != Some(a))
            .collect();
        for a in &actions {
            sent.actions.insert(a.key.clone(), a.clone());
        }
        if sent.actions.len() > 4 * MAX_ACTIONS {
            sent.actions.clear();
        }
        let incidents = (state.incidents != sent.incidents).then(|| {
            sent.incidents = state.incidents.clone();
            state.incidents
        });
        let feed = (state.feed != sent.feed).then(|| {
            sent.feed = state.feed.clone();
            state.feed
        });
        let mut d = Delta {
            seq: 0,
            now: Some(state.now),
            services,
            issues,
            closed,
            actions,
            incidents,
            feed,
        };
        if d.is_empty() {
            return None;
        }
        self.seq += 1;
        d.seq = self.seq;
        Some(d)
    }
}

#[cfg(test)]
mod tests;
