//! What the scorer does as event time passes, with or without input: on
//! the input's own clock, it finds the services gone silent (see
//! [`presence`](super::presence)) and resolves the incidents whose
//! signals stopped; [`Scorer::advance_to`] moves that clock on for a live
//! partition with nothing to read.

use chrono::TimeDelta;

use super::options::Events;
use super::presence::Input;
use super::signal::{emit, ts_of};
use super::{Scorer, presence};
use crate::incidents::Signal;

impl Scorer {
    /// On the input's own clock (at `ts`, so a replay finds the same
    /// incidents at the same points): at each 10-s boundary both inputs
    /// have passed, open a `service_silent` incident for each service that
    /// stopped reporting and resolve it for each whose data returned (see
    /// [`presence`]); once a minute, resolve the open incidents without a
    /// signal for [`ScorerOptions::idle_after`] (in a stream, on the
    /// clock both inputs have reached), except those of silent services.
    pub(super) fn resolve_silent(&mut self, ts: i64, out: &mut Events) {
        for change in self.presence.advance() {
            match change {
                presence::Change::Silent { silent, at_ms } => {
                    let strategy = self.pipeline.services.get(&silent.service);
                    let signal = presence::signal(&self.stamp, &silent, at_ms, strategy);
                    self.emit_one(signal, out);
                }
                presence::Change::Returned { service, at_ms } => {
                    self.returned(&service, at_ms, out)
                }
            }
        }
        // In a stream, idleness is judged on the clock both inputs have
        // reached, like silence: a partition's logs may be read hours of
        // event time ahead of its metrics, and on the logs' clock every
        // metric incident would look idle and resolve while its signal is
        // still high (then open again, a false alarm, once its
        // suppression ends).
        let Some(now) = self.presence.idle_clock_ms(ts) else {
            return;
        };
        if now < self.next_silence_check_ms {
            return;
        }
        let minute = now.div_euclid(60_000) * 60_000;
        self.next_silence_check_ms = minute + 60_000;
        let before = ts_of(minute.saturating_sub(self.opts.idle_after_ms()));
        let suppress = TimeDelta::milliseconds(self.stamp.policy.suppress_ms);
        let presence = &self.presence;
        out.issues.extend(
            self.tracker
                .expire_silent(before, suppress, |s| presence.is_silent(s)),
        );
    }

    /// The data of `service` returned (judged at the boundary `ts`):
    /// resolve its `service_silent` incident.
    fn returned(&mut self, service: &str, ts: i64, out: &mut Events) {
        let silent = presence::Silent {
            service: service.to_string(),
            last_ms: ts,
            interval_ms: 0,
        };
        let mut signal = presence::signal(&self.stamp, &silent, ts, None);
        signal.probability = 0.0;
        self.emit_one(signal, out);
    }

    /// One signal outside the evaluators' loop (observed, or from the
    /// logs) to the tracker, its events to `out`.
    pub(super) fn emit_one(&mut self, signal: Signal, out: &mut Events) {
        let policy = &self.stamp.policy;
        emit(
            &mut self.tracker,
            &self.graph,
            policy,
            signal,
            &mut out.issues,
        );
    }

    /// Judge silence only once every input this scorer reads has started
    /// (metrics, and logs when the pipeline reads them): a consumer may
    /// read hours of one topic before its first fetch of the other, and
    /// the silences must not depend on that. The stream worker calls it
    /// for each partition (and starts an input that stays unread with
    /// [`Self::advance_to`]); a replay in time order need not.
    pub fn expect_inputs(&mut self) {
        self.presence.expect(Input::Metrics);
        if self.logs.is_some() {
            self.presence.expect(Input::Logs);
        }
    }

    /// The event-time clock of `input`: the newest sample or record of
    /// that kind seen (ms).
    pub fn clock_ms(&self, input: Input) -> Option<i64> {
        self.presence.now_ms(input)
    }

    /// Move the event-time clock of `input` on to `now_ms` with no data
    /// of that kind (a live partition whose topic has nothing to read:
    /// the stream worker passes the newest event time plus the wall time
    /// since it was read), so services that stopped reporting are found
    /// silent even when nothing else of that kind shares the partition.
    pub fn advance_to(&mut self, input: Input, now_ms: i64, out: &mut Events) {
        if self.presence.now_ms(input).is_none_or(|n| now_ms > n) {
            self.presence.clock(input, now_ms);
            self.resolve_silent(now_ms, out);
        }
    }
}
