//! The ledger-derived figures of the dashboard, isolated here: uptime and
//! error budget per service over a rolling window. [`Reliability`] is fed
//! every [`Input`] and asked for [`Figures`] at a given time; nothing else
//! in the dashboard computes them.
//!
//! Until the reliability ledger (`forewarn-ledger`) is merged, the figures
//! come from a small stand-in below: a service is down from an observed
//! failure (a `crashed`, `oom_killed`, `hung` or `gave_up` service event,
//! or an open `service_down`/`service_silent` issue) until it is observed
//! up again; uptime is the share of the window (or of the time since the
//! service was first seen, if shorter) it was not down; the error budget
//! is the downtime the SLO allows over the whole window, and what is left
//! of it.

use std::collections::{BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::health::Observed;
use crate::input::Input;

/// The objective uptime is held to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slo {
    /// Target share of time up, in (0, 1), e.g. 0.999.
    pub target: f64,
    /// The rolling window it applies to.
    pub window: Duration,
}

impl Default for Slo {
    fn default() -> Self {
        Self {
            target: 0.999,
            window: Duration::days(30),
        }
    }
}

/// Uptime and error budget of one service at one time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figures {
    /// Share of the observed part of the window the service was up, in [0, 1].
    pub uptime: f64,
    /// Seconds down within the window.
    pub downtime_s: f64,
    /// Seconds of the window observed (from the first sight of the service).
    pub observed_s: f64,
    /// Downtime the SLO allows over the whole window, in seconds.
    pub budget_s: f64,
    /// Share of that budget left (negative once overspent).
    pub budget_remaining: f64,
}

/// Down intervals of one service.
#[derive(Debug, Default)]
struct Track {
    first: Option<DateTime<Utc>>,
    by_events: Option<Observed>,
    down_issues: BTreeSet<String>,
    down_since: Option<DateTime<Utc>>,
    /// Closed down intervals, oldest first.
    past: VecDeque<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Track {
    fn is_down(&self) -> bool {
        self.by_events.is_some_and(Observed::is_down) || !self.down_issues.is_empty()
    }
}

/// Uptime and error budget per service (see the module docs).
#[derive(Debug)]
pub struct Reliability {
    slo: Slo,
    services: HashMap<String, Track>,
}

/// Closed intervals kept per service, at most.
const MAX_INTERVALS: usize = 1024;

impl Reliability {
    /// Figures held to `slo`.
    pub fn new(slo: Slo) -> Self {
        Self {
            slo,
            services: HashMap::new(),
        }
    }

    /// The SLO the figures are held to.
    pub fn slo(&self) -> Slo {
        self.slo
    }

    /// Take one input into account.
    pub fn apply(&mut self, input: &Input) {
        let Some(at) = input.time() else {
            return;
        };
        let t = self
            .services
            .entry(input.service().to_string())
            .or_default();
        t.first = Some(t.first.map_or(at, |f| f.min(at)));
        let was = t.is_down();
        match input {
            Input::Service(e) => t.by_events = Some(Observed::of_event(e)),
            Input::Issue(i) => match Observed::of_issue(i) {
                Some(Observed::Down) => {
                    t.down_issues.insert(i.id.clone());
                }
                Some(_) => {
                    t.down_issues.remove(&i.id);
                }
                None => {}
            },
            Input::Outcome(_) | Input::Seen { .. } => {}
        }
        match (was, t.is_down()) {
            (false, true) => t.down_since = Some(at),
            (true, false) => {
                if let Some(from) = t.down_since.take() {
                    t.past.push_back((from, at.max(from)));
                }
            }
            _ => {}
        }
        let horizon = at - self.slo.window;
        while t.past.front().is_some_and(|(_, end)| *end < horizon) || t.past.len() > MAX_INTERVALS
        {
            t.past.pop_front();
        }
    }

    /// The figures of `service` at `now`; `None` for a service never seen
    /// with a time.
    pub fn figures(&self, service: &str, now: DateTime<Utc>) -> Option<Figures> {
        let t = self.services.get(service)?;
        let first = t.first?;
        let from = first.max(now - self.slo.window);
        let secs = |a: DateTime<Utc>, b: DateTime<Utc>| {
            let (a, b) = (a.max(from), b.min(now));
            if b > a {
                (b - a).num_milliseconds() as f64 / 1000.0
            } else {
                0.0
            }
        };
        let mut down: f64 = t.past.iter().map(|(a, b)| secs(*a, *b)).sum();
        if let Some(since) = t.down_since {
            down += secs(since, now);
        }
        let observed = secs(from, now);
        let budget = (1.0 - self.slo.target) * self.slo.window.num_seconds() as f64;
        Some(Figures {
            uptime: if observed > 0.0 {
                (1.0 - down / observed).clamp(0.0, 1.0)
            } else {
                1.0
            },
            downtime_s: down,
            observed_s: observed,
            budget_s: budget,
            budget_remaining: if budget > 0.0 {
                1.0 - down / budget
            } else {
                0.0
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use forewarn_core::contracts::{ServiceEvent, ServiceEventKind};

    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    fn event(kind: ServiceEventKind, s: i64) -> Input {
        Input::Service(Box::new(ServiceEvent::new("api", "", kind, at(s), 0)))
    }

    #[test]
    fn downtime_counts_from_failure_to_recovery() {
        // A 1-day window at 99 %: 864 s of budget. Seen at 0, down from
        // 1000 to 1300 (300 s), looked at 10 000 s after the first sight.
        let mut r = Reliability::new(Slo {
            target: 0.99,
            window: Duration::days(1),
        });
        r.apply(&event(ServiceEventKind::Started, 0));
        r.apply(&event(ServiceEventKind::Crashed, 1000));
        r.apply(&event(ServiceEventKind::Restarted, 1300));
        let f = r.figures("api", at(10_000)).unwrap();
        assert_eq!(f.downtime_s, 300.0);
        assert_eq!(f.observed_s, 10_000.0);
        assert!((f.uptime - 0.97).abs() < 1e-12);
        assert!((f.budget_s - 864.0).abs() < 1e-9);
        assert!((f.budget_remaining - (1.0 - 300.0 / 864.0)).abs() < 1e-12);
        // Still down: the open interval counts up to `now`.
        r.apply(&event(ServiceEventKind::GaveUp, 20_000));
        let f = r.figures("api", at(20_100)).unwrap();
        assert_eq!(f.downtime_s, 400.0);
        assert!(r.figures("db", at(0)).is_none());
    }
}
