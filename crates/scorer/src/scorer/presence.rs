//! Silence is a signal. [`Presence`] learns how often each service reports
//! (its metrics, and its log stream when it logs steadily) and notices when
//! a service that was reporting stops: after `thresholds.silence.
//! missed_intervals` of its own interval, and no sooner than
//! `thresholds.silence.min_silence`, the scorer opens an observed
//! `service_silent` incident, which resolves when the service's data
//! returns. Until then the service's other open incidents stay open (the
//! scorer does not take silence for recovery).
//!
//! The interval of a service's metrics is the median of its recent gaps
//! between sample times (gaps under a second are one tick, spread across
//! series); that of its logs is the longest of its recent gaps between
//! minutes with a record, so bursty logging does not count as steady.
//! Each stream is judged on its own clock, the newest event time of its
//! kind (metrics, logs) in this scorer, so a consumer that reads one topic
//! minutes ahead of the other finds no false silence, and a replay finds
//! the same silences at the same points; a live partition with nothing
//! else to read is moved on by the stream worker
//! ([`Scorer::advance_to`](super::Scorer::advance_to)).

use std::collections::{BTreeMap, VecDeque};

use forewarn_config::{ServiceConfig, Silence};
use forewarn_core::contracts::{Evidence, IssueKind, RecommendedAction};
use serde::{Deserialize, Serialize};

use super::signal::Stamp;
use crate::incidents::Signal;

/// Recent gaps kept per stream.
const GAPS: usize = 16;
/// Gaps of metrics before their interval counts as learned.
const METRIC_GAPS_LEARNED: usize = 3;
/// Gaps of log minutes before a log stream counts as steady.
const LOG_GAPS_LEARNED: usize = 8;
/// Gaps shorter than this are one tick seen across several series.
const SAME_TICK_MS: i64 = 1_000;
/// A minute, the log stream's unit.
const MINUTE_MS: i64 = 60_000;

/// One stream of a service (its metrics, or its log minutes): when it was
/// last seen and its recent gaps.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Stream {
    /// Event time of the newest sample (ms); `None` before the first.
    last_ms: Option<i64>,
    /// Recent gaps (ms), newest last.
    gaps: VecDeque<i64>,
}

impl Stream {
    fn see(&mut self, ts: i64, min_gap: i64) {
        match self.last_ms {
            Some(last) if ts <= last => {}
            Some(last) => {
                if ts - last >= min_gap {
                    if self.gaps.len() == GAPS {
                        self.gaps.pop_front();
                    }
                    self.gaps.push_back(ts - last);
                }
                self.last_ms = Some(ts);
            }
            None => self.last_ms = Some(ts),
        }
    }

    fn median_gap(&self, learned: usize) -> Option<i64> {
        if self.gaps.len() < learned {
            return None;
        }
        let mut g: Vec<i64> = self.gaps.iter().copied().collect();
        g.sort_unstable();
        Some(g[g.len() / 2])
    }

    fn longest_gap(&self, learned: usize) -> Option<i64> {
        (self.gaps.len() >= learned)
            .then(|| self.gaps.iter().copied().max())
            .flatten()
    }
}

/// What the scorer knows of one service's reporting.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Service {
    metrics: Stream,
    logs: Stream,
    /// Whether a `service_silent` incident is open for it.
    silent: bool,
}

/// The two inputs of a scorer, each with its own event-time clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Metric samples.
    Metrics,
    /// Log records.
    Logs,
}

/// A service found silent: what the incident says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Silent {
    pub(crate) service: String,
    /// Event time of its newest data (ms).
    pub(crate) last_ms: i64,
    /// The interval it was expected at (ms).
    pub(crate) interval_ms: i64,
}

/// The learned cadence of every service, saved with the scorer's state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PresenceState {
    services: BTreeMap<String, Service>,
    /// The newest event time of any metric sample, and of any log record.
    metrics_now: Option<i64>,
    logs_now: Option<i64>,
}

fn later(clock: &mut Option<i64>, ts: i64) {
    *clock = Some(clock.map_or(ts, |n| n.max(ts)));
}

/// Learns each service's cadence and finds the ones gone silent.
#[derive(Debug, Clone)]
pub(crate) struct Presence {
    state: PresenceState,
    missed: i64,
    min_ms: i64,
}

impl Presence {
    pub(crate) fn new(cfg: &Silence) -> Self {
        Self {
            state: PresenceState::default(),
            missed: i64::from(cfg.missed_intervals),
            min_ms: cfg.min_silence.as_millis(),
        }
    }

    pub(crate) fn state(&self) -> &PresenceState {
        &self.state
    }

    pub(crate) fn restore(&mut self, state: PresenceState) {
        self.state = state;
    }

    /// The clock of `input`: the newest event time of its kind.
    pub(crate) fn now_ms(&self, input: Input) -> Option<i64> {
        match input {
            Input::Metrics => self.state.metrics_now,
            Input::Logs => self.state.logs_now,
        }
    }

    /// Move the clock of `input` on to `ts` (never back).
    pub(crate) fn clock(&mut self, input: Input, ts: i64) {
        match input {
            Input::Metrics => later(&mut self.state.metrics_now, ts),
            Input::Logs => later(&mut self.state.logs_now, ts),
        }
    }

    /// A metric sample of `service` at `ts`. True when the service was
    /// silent: its incident is to be resolved.
    pub(crate) fn see_metric(&mut self, service: &str, ts: i64) -> bool {
        self.clock(Input::Metrics, ts);
        self.with(service, |s| s.metrics.see(ts, SAME_TICK_MS))
    }

    /// A log record of `service` at `ts`; true as for [`Self::see_metric`].
    pub(crate) fn see_log(&mut self, service: &str, ts: i64) -> bool {
        self.clock(Input::Logs, ts);
        let minute = ts.div_euclid(MINUTE_MS) * MINUTE_MS;
        self.with(service, |s| s.logs.see(minute, MINUTE_MS))
    }

    fn with(&mut self, service: &str, f: impl FnOnce(&mut Service)) -> bool {
        if self.missed == 0 {
            return false;
        }
        let s = match self.state.services.get_mut(service) {
            Some(s) => s,
            None => self.state.services.entry(service.to_string()).or_default(),
        };
        f(s);
        std::mem::take(&mut s.silent)
    }

    /// Whether `service` has an open `service_silent` incident.
    pub(crate) fn is_silent(&self, service: &str) -> bool {
        self.state.services.get(service).is_some_and(|s| s.silent)
    }

    /// Each learned stream of `service`: whether it is overdue on its
    /// own clock, its newest data and its interval; metrics first.
    fn streams(&self, s: &Service) -> [Option<(bool, i64, i64)>; 2] {
        let allow = |gap: i64| (self.missed * gap).max(self.min_ms);
        let metrics = s
            .metrics
            .median_gap(METRIC_GAPS_LEARNED)
            .zip(s.metrics.last_ms)
            .map(|(g, last)| {
                let overdue = self.state.metrics_now.is_some_and(|n| n > last + allow(g));
                (overdue, last, g)
            });
        let logs = s
            .logs
            .longest_gap(LOG_GAPS_LEARNED)
            .zip(s.logs.last_ms)
            .map(|(g, last)| {
                let due = last + MINUTE_MS + allow(g);
                (self.state.logs_now.is_some_and(|n| n > due), last, g)
            });
        [metrics, logs]
    }

    /// The services that have become silent (every learned stream overdue
    /// on its clock), sorted by name; each is marked silent until its data
    /// returns.
    pub(crate) fn newly_silent(&mut self) -> Vec<Silent> {
        if self.missed == 0 {
            return Vec::new();
        }
        let mut found = Vec::new();
        for (name, s) in &self.state.services {
            if s.silent {
                continue;
            }
            let learned: Vec<(bool, i64, i64)> = self.streams(s).into_iter().flatten().collect();
            if let Some(&(_, last_ms, interval_ms)) = learned.first()
                && learned.iter().all(|l| l.0)
            {
                found.push(Silent {
                    service: name.clone(),
                    last_ms,
                    interval_ms,
                });
            }
        }
        for f in &found {
            if let Some(s) = self.state.services.get_mut(&f.service) {
                s.silent = true;
            }
        }
        found
    }
}

/// The observed signal of `silent` at `now_ms`: probability 1, the
/// silence and the expected interval as evidence, the service's
/// `recovery_strategy` as the advice.
pub(crate) fn signal(
    stamp: &Stamp,
    silent: &Silent,
    now_ms: i64,
    config: Option<&ServiceConfig>,
) -> Signal {
    let mut s = stamp.anomaly_signal("presence", IssueKind::ServiceSilent, now_ms, 1.0);
    s.service = silent.service.clone();
    s.evidence = vec![Evidence {
        feature: "silence.seconds".into(),
        value: (now_ms - silent.last_ms) as f64 / 1000.0,
        baseline: Some(silent.interval_ms as f64 / 1000.0),
        contribution: 1.0,
    }];
    s.recommended_action = Some(config.map_or(RecommendedAction::Notify, |c| c.recovery_strategy));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Presence {
        fn clock_both(&mut self, ts: i64) {
            self.clock(Input::Metrics, ts);
            self.clock(Input::Logs, ts);
        }
    }
    use forewarn_core::HumanDuration;

    fn presence(missed: u32) -> Presence {
        Presence::new(&Silence {
            missed_intervals: missed,
            min_silence: HumanDuration::from_secs(30),
        })
    }

    #[test]
    fn a_service_that_stops_is_silent_after_the_stated_intervals() {
        let mut p = presence(5);
        for t in 0..10 {
            p.see_metric("api", t * 10_000);
            p.see_metric("db", t * 10_000);
        }
        // api stops at 90 s; db goes on. 5 × 10 s after 90 s is 140 s.
        for t in 10..15 {
            p.see_metric("db", t * 10_000);
        }
        assert!(p.newly_silent().is_empty(), "140 s is not past due");
        p.see_metric("db", 150_000);
        let silent = p.newly_silent();
        assert_eq!(
            silent,
            vec![Silent {
                service: "api".into(),
                last_ms: 90_000,
                interval_ms: 10_000
            }]
        );
        assert!(p.is_silent("api") && !p.is_silent("db"));
        assert!(p.newly_silent().is_empty(), "raised once");
        assert!(p.see_metric("api", 160_000), "its return resolves it");
        assert!(!p.is_silent("api"));
        assert!(!p.see_metric("api", 170_000));
    }

    #[test]
    fn a_service_seen_too_rarely_to_learn_its_interval_is_never_silent() {
        let mut p = presence(5);
        p.see_metric("once", 0);
        p.see_metric("once", 10_000);
        p.clock_both(86_400_000);
        assert!(p.newly_silent().is_empty());
    }

    #[test]
    fn samples_of_one_tick_across_series_are_one_sample() {
        let mut p = presence(5);
        for t in 0..6 {
            for jitter in [0, 3, 250, 700] {
                p.see_metric("api", t * 60_000 + jitter);
            }
        }
        p.clock_both(5 * 60_000 + 700 + 5 * 59_300);
        assert!(p.newly_silent().is_empty(), "the interval is ~60 s");
        p.clock_both(5 * 60_000 + 700 + 5 * 59_300 + 1);
        assert_eq!(p.newly_silent()[0].interval_ms, 59_300);
    }

    #[test]
    fn bursty_logs_are_judged_by_their_longest_gap() {
        let mut p = presence(5);
        // A burst every 3 minutes, 10 lines each.
        for b in 0..10 {
            for l in 0..10 {
                p.see_log("batch", b * 180_000 + l * 100);
            }
        }
        let last = 9 * 180_000;
        p.clock_both(last + 60_000 + 5 * 180_000);
        assert!(p.newly_silent().is_empty());
        p.clock_both(last + 60_000 + 5 * 180_000 + 1);
        assert_eq!(p.newly_silent().len(), 1);
    }

    #[test]
    fn zero_missed_intervals_turns_the_check_off() {
        let mut p = presence(0);
        for t in 0..10 {
            p.see_metric("api", t * 10_000);
        }
        p.clock_both(10_000_000);
        assert!(p.newly_silent().is_empty());
    }

    #[test]
    fn the_state_round_trips() {
        let mut p = presence(5);
        for t in 0..10 {
            p.see_metric("api", t * 10_000);
        }
        let bytes = serde_json::to_vec(p.state()).unwrap();
        let mut q = presence(5);
        q.restore(serde_json::from_slice(&bytes).unwrap());
        q.clock_both(200_000);
        p.clock_both(200_000);
        assert_eq!(q.newly_silent(), p.newly_silent());
    }
}
