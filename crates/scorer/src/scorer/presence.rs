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
//!
//! A service is silent at an event time `t` when every stream it has
//! learned is overdue as of `t`: its newest data at or before `t`, with the
//! gaps it had shown by then. That is judged every 10 s of event time, at
//! the boundaries both inputs' clocks (the newest event time of each kind
//! in this scorer) have passed, so the same silences open and resolve at
//! the same times however the consumer interleaves the metrics and logs
//! topics (one read minutes ahead of the other, a replay, a restart). A
//! stream that raced so far past a boundary that its state then is no
//! longer kept ([`RUNS_KEPT`] runs of equal gaps: a steady cadence is one
//! run) counts as reporting there. An input the owner expects
//! ([`Scorer::expect_inputs`](super::Scorer::expect_inputs), which the
//! stream worker calls) is waited for until its first record, so a
//! consumer that reads hours of one topic before the other's first fetch
//! judges nothing meanwhile. A live partition with nothing of one kind to
//! read has that clock moved on (or started) by the stream worker
//! ([`Scorer::advance_to`](super::Scorer::advance_to)).

use std::collections::{BTreeMap, VecDeque};

use forewarn_config::{ServiceConfig, Silence};
use forewarn_core::contracts::{Evidence, IssueKind, RecommendedAction};
use serde::{Deserialize, Serialize};

use super::signal::Stamp;
use crate::incidents::Signal;

/// Recent gaps a stream's interval is learned from.
const GAPS: usize = 16;
/// Runs of equal gaps kept per stream: those learned from, and older ones
/// so a stream read ahead of the other input can still be seen as it was
/// (a steady cadence is one run, however long).
const RUNS_KEPT: usize = 64;
/// Gaps of metrics before their interval counts as learned.
const METRIC_GAPS_LEARNED: usize = 3;
/// Gaps of log minutes before a log stream counts as steady.
const LOG_GAPS_LEARNED: usize = 8;
/// Gaps shorter than this are one tick seen across several series.
const SAME_TICK_MS: i64 = 1_000;
/// A minute, the log stream's unit.
const MINUTE_MS: i64 = 60_000;
/// How often (event time) silence is judged.
pub(crate) const CHECK_MS: i64 = 10_000;
/// Boundaries judged at most in one step; a longer jump of both clocks
/// (a day of nothing from either input) skips to its end.
const MAX_BOUNDARIES: i64 = 8_640;

/// One stream of a service (its metrics, or its log minutes): when it was
/// last seen and its recent gaps. (A checkpoint from before the runs holds
/// `gaps` instead, which is not read: the cadence is learned again.)
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Stream {
    /// Event time of the newest sample (ms); `None` before the first.
    last_ms: Option<i64>,
    /// Recent gaps as runs of equal gaps `(gap ms, how many)`, newest last.
    #[serde(default)]
    runs: VecDeque<(i64, u32)>,
}

/// A stream as it was at some event time: its newest data then and its
/// last [`GAPS`] gaps then (newest first).
struct AsOf {
    last_ms: i64,
    gaps: [i64; GAPS],
    count: usize,
}

impl Stream {
    fn see(&mut self, ts: i64, min_gap: i64) {
        match self.last_ms {
            Some(last) if ts <= last => {}
            Some(last) => {
                let gap = ts - last;
                if gap >= min_gap {
                    match self.runs.back_mut() {
                        Some((g, n)) if *g == gap && *n < u32::MAX => *n += 1,
                        _ => {
                            if self.runs.len() == RUNS_KEPT {
                                self.runs.pop_front();
                            }
                            self.runs.push_back((gap, 1));
                        }
                    }
                }
                self.last_ms = Some(ts);
            }
            None => self.last_ms = Some(ts),
        }
    }

    /// The stream as of event time `t` (data after `t` taken back).
    fn as_of(&self, t: i64) -> Then {
        let Some(mut last) = self.last_ms else {
            return Then::Nothing;
        };
        // Walk back run by run; `left` gaps of run `i` remain before `t`.
        let truncated = self.runs.len() == RUNS_KEPT;
        let mut i = self.runs.len();
        let mut left = 0u32;
        while last > t {
            if left == 0 {
                if i == 0 {
                    // Its first data came after `t`, unless older runs were
                    // dropped: then it is too far ahead to tell.
                    return if truncated {
                        Then::Unknown
                    } else {
                        Then::Nothing
                    };
                }
                i -= 1;
                left = self.runs[i].1;
            }
            let g = self.runs[i].0;
            let steps = ((last - t + g - 1) / g).min(i64::from(left));
            last -= steps * g;
            left -= steps as u32;
        }
        // The last GAPS gaps before that point, newest first.
        let mut gaps = [0; GAPS];
        let mut count = 0;
        let mut j = i;
        // The `left` gaps of run `i` not walked over, then older runs.
        let mut n = left;
        loop {
            while n > 0 && count < GAPS {
                gaps[count] = self.runs[j].0;
                count += 1;
                n -= 1;
            }
            if count == GAPS || j == 0 {
                break;
            }
            j -= 1;
            n = self.runs[j].1;
        }
        if count < GAPS && truncated {
            // Fewer than a full window, and older gaps were dropped: what
            // was learned then is not known.
            return Then::Unknown;
        }
        Then::Seen(AsOf {
            last_ms: last,
            gaps,
            count,
        })
    }
}

/// What a stream was at some event time.
enum Then {
    /// No data yet.
    Nothing,
    /// Read so far past it that its state then is no longer kept: taken as
    /// reporting.
    Unknown,
    /// Its newest data and gaps then.
    Seen(AsOf),
}

impl AsOf {
    fn median_gap(&self, learned: usize) -> Option<i64> {
        if self.count < learned {
            return None;
        }
        let mut g = self.gaps;
        let g = &mut g[..self.count];
        g.sort_unstable();
        Some(g[g.len() / 2])
    }

    fn longest_gap(&self, learned: usize) -> Option<i64> {
        (self.count >= learned)
            .then(|| self.gaps[..self.count].iter().copied().max())
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

/// A change of a service's silence at a judged boundary.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    /// It went silent (judged at `at_ms`).
    Silent { silent: Silent, at_ms: i64 },
    /// Its data returned (judged at `at_ms`).
    Returned { service: String, at_ms: i64 },
}

/// The learned cadence of every service, saved with the scorer's state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PresenceState {
    services: BTreeMap<String, Service>,
    /// The newest event time of any metric sample, and of any log record.
    metrics_now: Option<i64>,
    logs_now: Option<i64>,
    /// The last boundary judged (ms).
    #[serde(default)]
    checked_ms: Option<i64>,
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
    /// Inputs waited for before anything is judged (by [`Input`]).
    expected: [bool; 2],
}

impl Presence {
    pub(crate) fn new(cfg: &Silence) -> Self {
        Self {
            state: PresenceState::default(),
            missed: i64::from(cfg.missed_intervals),
            min_ms: cfg.min_silence.as_millis(),
            expected: [false; 2],
        }
    }

    /// Judge nothing until `input` has a clock (its first record, or a
    /// start by [`Self::clock`]).
    pub(crate) fn expect(&mut self, input: Input) {
        self.expected[input as usize] = true;
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

    /// The event time both inputs have reached: of those seen so far,
    /// `None` while an expected one has not started.
    pub(crate) fn both_ms(&self) -> Option<i64> {
        let mut both: Option<i64> = None;
        for input in [Input::Metrics, Input::Logs] {
            match self.now_ms(input) {
                Some(c) => both = Some(both.map_or(c, |b| b.min(c))),
                None if self.expected[input as usize] => return None,
                None => {}
            }
        }
        both
    }

    /// The clock open incidents are judged idle on, for a record at `ts`:
    /// with the inputs expected (a stream, whose worker also moves the
    /// clock of an input with nothing to read), the event time both have
    /// reached, so one read ahead of the other makes nothing look idle;
    /// in a replay in time order, `ts`.
    pub(crate) fn idle_clock_ms(&self, ts: i64) -> Option<i64> {
        if self.expected.iter().any(|e| *e) {
            self.both_ms().map(|b| b.min(ts))
        } else {
            Some(ts)
        }
    }

    /// Move the clock of `input` on to `ts` (never back).
    pub(crate) fn clock(&mut self, input: Input, ts: i64) {
        match input {
            Input::Metrics => later(&mut self.state.metrics_now, ts),
            Input::Logs => later(&mut self.state.logs_now, ts),
        }
    }

    /// A metric sample of `service` at `ts`.
    pub(crate) fn see_metric(&mut self, service: &str, ts: i64) {
        self.clock(Input::Metrics, ts);
        self.with(service, |s| s.metrics.see(ts, SAME_TICK_MS));
    }

    /// A log record of `service` at `ts`.
    pub(crate) fn see_log(&mut self, service: &str, ts: i64) {
        self.clock(Input::Logs, ts);
        let minute = ts.div_euclid(MINUTE_MS) * MINUTE_MS;
        self.with(service, |s| s.logs.see(minute, MINUTE_MS));
    }

    fn with(&mut self, service: &str, f: impl FnOnce(&mut Service)) {
        if self.missed == 0 {
            return;
        }
        match self.state.services.get_mut(service) {
            Some(s) => f(s),
            None => f(self.state.services.entry(service.to_string()).or_default()),
        }
    }

    /// Whether `service` has an open `service_silent` incident.
    pub(crate) fn is_silent(&self, service: &str) -> bool {
        self.state.services.get(service).is_some_and(|s| s.silent)
    }

    /// Whether `s` was silent at `t`: every stream it had learned by then
    /// overdue then. With its newest data and interval (metrics first).
    fn silent_at(&self, s: &Service, t: i64) -> Option<(i64, i64)> {
        let allow = |gap: i64| (self.missed * gap).max(self.min_ms);
        let judge = |then: Then, logs: bool| match then {
            Then::Nothing => None,
            Then::Unknown => Some((false, t, 0)),
            Then::Seen(a) => {
                let last = a.last_ms;
                if logs {
                    a.longest_gap(LOG_GAPS_LEARNED)
                        .map(|g| (t > last + MINUTE_MS + allow(g), last, g))
                } else {
                    a.median_gap(METRIC_GAPS_LEARNED)
                        .map(|g| (t > last + allow(g), last, g))
                }
            }
        };
        let metrics = judge(s.metrics.as_of(t), false);
        let logs = judge(s.logs.as_of(t), true);
        let learned = [metrics, logs];
        let &(_, last, interval) = learned.iter().flatten().next()?;
        learned
            .iter()
            .flatten()
            .all(|l| l.0)
            .then_some((last, interval))
    }

    /// Judge every 10-s boundary both clocks have passed since the last
    /// one judged: the services that went silent there and those whose
    /// data returned, in boundary order (services by name within one).
    pub(crate) fn advance(&mut self) -> Vec<Change> {
        let mut out = Vec::new();
        let Some(now) = self.both_ms() else {
            return out;
        };
        if self.missed == 0 {
            return out;
        }
        // The last boundary strictly before `now`: every record at or
        // before it has been read from both inputs.
        let last = (now - 1).div_euclid(CHECK_MS) * CHECK_MS;
        let first = match self.state.checked_ms {
            Some(c) if c >= last => return out,
            Some(c) => (c + CHECK_MS).max(last - (MAX_BOUNDARIES - 1) * CHECK_MS),
            None => last,
        };
        self.state.checked_ms = Some(last);
        let mut b = first;
        while b <= last {
            let verdicts: Vec<(String, Option<(i64, i64)>)> = self
                .state
                .services
                .iter()
                .filter_map(|(name, s)| {
                    let verdict = self.silent_at(s, b);
                    (verdict.is_some() != s.silent).then(|| (name.clone(), verdict))
                })
                .collect();
            for (service, verdict) in verdicts {
                let s = self.state.services.get_mut(&service).expect("listed above");
                s.silent = verdict.is_some();
                out.push(match verdict {
                    Some((last_ms, interval_ms)) => Change::Silent {
                        silent: Silent {
                            service,
                            last_ms,
                            interval_ms,
                        },
                        at_ms: b,
                    },
                    None => Change::Returned { service, at_ms: b },
                });
            }
            b += CHECK_MS;
        }
        out
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
mod tests;
