//! [`Board`]: the dashboard's state, built from [`Input`]s: per service
//! the state last observed, open predicted issues (latest revision of
//! each), recent actions and observed incidents, all bounded. It hands
//! out the whole state ([`Board::state`], [`Board::public`]) and, after a
//! batch of inputs or as time passes, what changed since it last did
//! ([`Board::delta`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    ActionResult, IssueStatus, PredictedIssue, RemediationOutcome, ServiceEventKind,
};

use crate::health::{Health, Observed, PublicStatus};
use crate::input::Input;
use crate::reliability::{Reliability, Slo};
use crate::view::{
    Clock, Delta, FeedStatus, Incident, OperatorState, PublicIncident, PublicService, PublicState,
    ServiceRow, SloView,
};

/// Open issues kept, at most (the oldest opened go first).
const MAX_ISSUES: usize = 1000;
/// Ids of closed issues remembered, so a late duplicate does not reopen one.
const MAX_CLOSED: usize = 10_000;
/// Actions kept, at most.
const MAX_ACTIONS: usize = 200;
/// Incidents kept, at most.
const MAX_INCIDENTS: usize = 100;
/// Services tracked, at most (keys of a metrics topic are not trusted).
const MAX_SERVICES: usize = 2000;

/// How the board behaves.
#[derive(Debug, Clone)]
pub struct BoardOptions {
    /// Where "now" comes from.
    pub clock: Clock,
    /// The SLO uptime and budget are held to.
    pub slo: Slo,
    /// Services shown even before anything is heard of them (the
    /// pipeline's).
    pub services: Vec<String>,
    /// A service whose metrics stop for this long turns grey (wall clock
    /// only).
    pub stale: Duration,
}

impl Default for BoardOptions {
    fn default() -> Self {
        Self {
            clock: Clock::Wall,
            slo: Slo::default(),
            services: Vec::new(),
            stale: Duration::from_secs(300),
        }
    }
}

/// One service as last observed.
#[derive(Debug, Clone)]
struct Service {
    observed: Observed,
    since: Option<DateTime<Utc>>,
    cause: String,
    /// Open observed issues (`service_down`, `service_silent`).
    down_issues: BTreeSet<String>,
    /// When a metric sample last arrived (wall clock).
    last_sample: Option<Instant>,
    /// The start of the incident in progress (incidents are found by
    /// service and start).
    incident: Option<DateTime<Utc>>,
    /// Restarted or remediated during the incident in progress.
    helped: bool,
}

impl Service {
    fn new() -> Self {
        Self {
            observed: Observed::Unknown,
            since: None,
            cause: String::new(),
            down_issues: BTreeSet::new(),
            last_sample: None,
            incident: None,
            helped: false,
        }
    }

    /// The state, with observed issues counted as down.
    fn state(&self) -> Observed {
        if self.down_issues.is_empty() {
            self.observed
        } else {
            Observed::Down
        }
    }
}

/// The dashboard's state (see the module docs).
#[derive(Debug)]
pub struct Board {
    opts: BoardOptions,
    seq: u64,
    latest: Option<DateTime<Utc>>,
    services: BTreeMap<String, Service>,
    issues: HashMap<String, PredictedIssue>,
    closed: HashSet<String>,
    closed_order: VecDeque<String>,
    actions: VecDeque<RemediationOutcome>,
    incidents: VecDeque<Incident>,
    reliability: Reliability,
    feed: FeedStatus,
    // What changed since the last delta.
    sent_rows: HashMap<String, ServiceRow>,
    dirty_issues: BTreeSet<String>,
    dirty_closed: BTreeSet<String>,
    dirty_actions: BTreeSet<String>,
    dirty_incidents: bool,
    dirty_feed: bool,
}

impl Board {
    /// An empty board showing `opts.services`.
    pub fn new(opts: BoardOptions) -> Self {
        let services = opts
            .services
            .iter()
            .map(|s| (s.clone(), Service::new()))
            .collect();
        Self {
            reliability: Reliability::new(opts.slo),
            opts,
            seq: 0,
            latest: None,
            services,
            issues: HashMap::new(),
            closed: HashSet::new(),
            closed_order: VecDeque::new(),
            actions: VecDeque::new(),
            incidents: VecDeque::new(),
            feed: FeedStatus::default(),
            sent_rows: HashMap::new(),
            dirty_issues: BTreeSet::new(),
            dirty_closed: BTreeSet::new(),
            dirty_actions: BTreeSet::new(),
            dirty_incidents: false,
            dirty_feed: false,
        }
    }

    /// The dashboard's "now": the wall clock, or the newest event time.
    pub fn now(&self) -> DateTime<Utc> {
        match (self.opts.clock, self.latest) {
            (Clock::Event, Some(t)) => t,
            _ => Utc::now(),
        }
    }

    /// Take one input into account.
    pub fn apply(&mut self, input: Input) {
        let name = input.service().to_string();
        if !self.services.contains_key(&name) && self.services.len() >= MAX_SERVICES {
            return;
        }
        if let Some(t) = input.time() {
            self.latest = Some(self.latest.map_or(t, |l| l.max(t)));
        }
        self.reliability.apply(&input);
        self.services
            .entry(name.clone())
            .or_insert_with(Service::new);
        match input {
            Input::Seen { .. } => {
                if let Some(s) = self.services.get_mut(&name) {
                    s.last_sample = Some(Instant::now());
                    if s.observed == Observed::Unknown {
                        s.observed = Observed::Up;
                    }
                }
            }
            Input::Service(e) => {
                let helped = matches!(e.kind, ServiceEventKind::Restarted);
                let cause = crate::wire(&e.kind);
                self.observe(&name, Observed::of_event(&e), e.ts, cause, helped);
            }
            Input::Issue(i) => self.issue(*i),
            Input::Outcome(o) => self.outcome(*o),
        }
    }

    /// A service's observed state changed (or was confirmed) at `at`.
    fn observe(
        &mut self,
        name: &str,
        to: Observed,
        at: DateTime<Utc>,
        cause: String,
        helped: bool,
    ) {
        let Some(s) = self.services.get_mut(name) else {
            return;
        };
        if s.observed != to {
            s.since = Some(at);
            s.observed = to;
        }
        s.helped |= helped;
        if !cause.is_empty() && matches!(to, Observed::Down | Observed::Degraded) {
            s.cause = cause;
        }
        self.incident_transition(name, at);
    }

    /// Open, update or close the service's incident after a change.
    fn incident_transition(&mut self, name: &str, at: DateTime<Utc>) {
        let Some(s) = self.services.get_mut(name) else {
            return;
        };
        let after = s.state();
        let bad = |o: Observed| matches!(o, Observed::Down | Observed::Degraded);
        if bad(after) && s.incident.is_none() {
            s.incident = Some(at);
            s.helped = false;
            self.incidents.push_front(Incident {
                service: name.to_string(),
                outage: after == Observed::Down,
                started_at: at,
                ended_at: None,
                cause: s.cause.clone(),
                automatic: false,
            });
            self.incidents.truncate(MAX_INCIDENTS);
            self.dirty_incidents = true;
        } else if let Some(start) = s.incident {
            let i = self
                .incidents
                .iter_mut()
                .find(|i| i.service == name && i.started_at == start && i.ended_at.is_none());
            if let Some(i) = i {
                if after == Observed::Down && !i.outage {
                    i.outage = true;
                    i.cause = s.cause.clone();
                }
                if !bad(after) {
                    i.ended_at = Some(at.max(start));
                    i.automatic = s.helped;
                    s.incident = None;
                }
                self.dirty_incidents = true;
            } else if !bad(after) {
                s.incident = None;
            }
        }
    }

    fn issue(&mut self, i: PredictedIssue) {
        if self.closed.contains(&i.id) {
            return;
        }
        if let Some(have) = self.issues.get(&i.id)
            && have.revision > i.revision
        {
            return;
        }
        // The scorer predicted from its data: the service reports.
        if let Some(s) = self.services.get_mut(&i.service)
            && s.observed == Observed::Unknown
        {
            s.observed = Observed::Up;
            s.since = Some(i.detected_at);
        }
        if let Some(o) = Observed::of_issue(&i) {
            let name = i.service.clone();
            if let Some(s) = self.services.get_mut(&name) {
                let before = s.state();
                if o == Observed::Down {
                    s.down_issues.insert(i.id.clone());
                    s.cause = crate::wire(&i.kind);
                } else {
                    s.down_issues.remove(&i.id);
                }
                if s.state() != before {
                    s.since = Some(i.detected_at);
                }
                self.incident_transition(&name, i.detected_at);
            }
        }
        if i.status == IssueStatus::Resolved {
            self.close(&i.id);
            return;
        }
        self.dirty_issues.insert(i.id.clone());
        self.issues.insert(i.id.clone(), i);
        if self.issues.len() > MAX_ISSUES
            && let Some(oldest) = self
                .issues
                .values()
                .min_by_key(|i| (i.opened_at, i.id.clone()))
                .map(|i| i.id.clone())
        {
            self.close(&oldest);
        }
    }

    fn close(&mut self, id: &str) {
        self.issues.remove(id);
        self.dirty_issues.remove(id);
        self.dirty_closed.insert(id.to_string());
        if self.closed.insert(id.to_string()) {
            self.closed_order.push_back(id.to_string());
            if self.closed_order.len() > MAX_CLOSED
                && let Some(old) = self.closed_order.pop_front()
            {
                self.closed.remove(&old);
            }
        }
    }

    fn outcome(&mut self, o: RemediationOutcome) {
        if o.result == ActionResult::Succeeded
            && let Some(s) = self.services.get_mut(&o.service)
            && s.incident.is_some()
        {
            s.helped = true;
        }
        self.dirty_actions.insert(o.id.clone());
        if let Some(pos) = self.actions.iter().position(|a| a.id == o.id) {
            self.actions.remove(pos);
        }
        // Newest first by action time.
        let pos = self
            .actions
            .iter()
            .position(|a| a.ts <= o.ts)
            .unwrap_or(self.actions.len());
        self.actions.insert(pos, o);
        self.actions.truncate(MAX_ACTIONS);
    }

    /// Replace the feed's status.
    pub fn set_feed(&mut self, feed: FeedStatus) {
        if feed != self.feed {
            self.feed = feed;
            self.dirty_feed = true;
        }
    }

    /// The tile of `name` at `now`.
    fn row(&self, name: &str, s: &Service, now: DateTime<Utc>) -> ServiceRow {
        let mut open: Vec<&PredictedIssue> = self
            .issues
            .values()
            .filter(|i| i.service == name && !i.kind.is_observed())
            .collect();
        open.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
        let stale = self.opts.clock == Clock::Wall
            && s.last_sample.is_some_and(|t| t.elapsed() > self.opts.stale)
            && s.state() == Observed::Up;
        let kind = |i: &PredictedIssue| crate::wire(&i.kind);
        let (health, reason) = match s.state() {
            Observed::Down => (Health::Down, format!("down: {}", s.cause)),
            _ if stale => (
                Health::Unknown,
                format!(
                    "no data for {}",
                    crate::view::span(
                        chrono::Duration::from_std(
                            s.last_sample.map(|t| t.elapsed()).unwrap_or_default()
                        )
                        .unwrap_or_default()
                    )
                ),
            ),
            Observed::Degraded => (Health::Warning, "health check failing".to_string()),
            _ if !open.is_empty() => (Health::Warning, format!("{} predicted", kind(open[0]))),
            Observed::Up => (Health::Ok, "healthy".to_string()),
            Observed::Stopped => (Health::Unknown, "stopped".to_string()),
            Observed::Unknown => (Health::Unknown, "no data yet".to_string()),
        };
        ServiceRow {
            name: name.to_string(),
            health,
            reason,
            observed: s.state(),
            since: s.since,
            open_issues: open.len(),
            reliability: self.reliability.figures(name, now).map(|mut f| {
                // Rounded, so a row changes when a figure visibly does.
                f.uptime = (f.uptime * 1e6).round() / 1e6;
                f.budget_remaining = (f.budget_remaining * 1e4).round() / 1e4;
                f.downtime_s = f.downtime_s.round();
                f.observed_s = 0.0;
                f
            }),
        }
    }

    fn rows(&self, now: DateTime<Utc>) -> Vec<ServiceRow> {
        self.services
            .iter()
            .map(|(n, s)| self.row(n, s, now))
            .collect()
    }

    /// The whole operator state.
    pub fn state(&self) -> OperatorState {
        let now = self.now();
        let mut issues: Vec<PredictedIssue> = self.issues.values().cloned().collect();
        issues.sort_by(|a, b| {
            let t = |i: &PredictedIssue| i.predicted_failure_at.unwrap_or(DateTime::<Utc>::MAX_UTC);
            t(a).cmp(&t(b)).then(a.id.cmp(&b.id))
        });
        OperatorState {
            seq: self.seq,
            now,
            clock: self.opts.clock,
            slo: SloView {
                target: self.opts.slo.target,
                window_s: self.opts.slo.window.num_seconds(),
            },
            services: self.rows(now),
            issues,
            actions: self.actions.iter().cloned().collect(),
            incidents: self.incidents.iter().cloned().collect(),
            feed: self.feed.clone(),
        }
    }

    /// The status view's state.
    pub fn public(&self) -> PublicState {
        let now = self.now();
        PublicState {
            now,
            clock: self.opts.clock,
            services: self
                .rows(now)
                .into_iter()
                .map(|r| {
                    let status = PublicStatus::of(if r.health == Health::Unknown {
                        Observed::Unknown
                    } else {
                        r.observed
                    });
                    PublicService {
                        name: r.name,
                        status,
                        status_text: status.words(),
                        uptime: r.reliability.map(|f| f.uptime),
                    }
                })
                .collect(),
            incidents: self
                .incidents
                .iter()
                .map(|i| PublicIncident::of(i, now))
                .collect(),
        }
    }

    /// What changed since the last call (or since the board was made);
    /// `None` when nothing did. Service rows are compared with the ones
    /// last handed out, so time passing (uptime, staleness) shows too.
    pub fn delta(&mut self) -> Option<Delta> {
        let now = self.now();
        let rows = self.rows(now);
        let services: Vec<ServiceRow> = rows
            .into_iter()
            .filter(|r| self.sent_rows.get(&r.name) != Some(r))
            .collect();
        let mut d = Delta {
            seq: 0,
            now: Some(now),
            services,
            issues: std::mem::take(&mut self.dirty_issues)
                .into_iter()
                .filter_map(|id| self.issues.get(&id).cloned())
                .collect(),
            closed: std::mem::take(&mut self.dirty_closed).into_iter().collect(),
            actions: std::mem::take(&mut self.dirty_actions)
                .into_iter()
                .filter_map(|id| self.actions.iter().find(|a| a.id == id).cloned())
                .collect(),
            incidents: std::mem::take(&mut self.dirty_incidents)
                .then(|| self.incidents.iter().cloned().collect()),
            feed: std::mem::take(&mut self.dirty_feed).then(|| self.feed.clone()),
        };
        for r in &d.services {
            self.sent_rows.insert(r.name.clone(), r.clone());
        }
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
