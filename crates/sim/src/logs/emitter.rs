//! The per-service log emitter: how many lines each instance writes in a
//! step (Poisson, scaled by traffic and by incident severity), at which
//! millisecond, at which level and from which template.

use forewarn_core::contracts::LogLevel;
use rand::Rng;

use super::incident::{Event, error_share, event_lines, incident_line};
use super::templates::{LineCtx, error, info, warn};
use crate::Metric as M;
use crate::model::effects::EffectKind;
use crate::rng::SimRng;

/// One generated log line before it becomes a [`forewarn_core::contracts::LogRecord`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawLog {
    /// Unix ms.
    pub(crate) ts_ms: i64,
    /// Service index.
    pub(crate) service: u32,
    /// Instance index within the service.
    pub(crate) instance: u32,
    /// Order among the lines of this service in this step.
    pub(crate) seq: u32,
    pub(crate) level: LogLevel,
    pub(crate) message: String,
}

impl Default for RawLog {
    fn default() -> Self {
        Self {
            ts_ms: 0,
            service: 0,
            instance: 0,
            seq: 0,
            level: LogLevel::Info,
            message: String::new(),
        }
    }
}

impl RawLog {
    /// The total order of lines in the output: time, then service,
    /// instance and sequence (unique, so sorting is deterministic).
    pub(crate) fn key(&self) -> (i64, u32, u32, u32) {
        (self.ts_ms, self.service, self.instance, self.seq)
    }
}

/// Poisson sample (Knuth for small means, normal approximation above 30).
fn poisson(rng: &mut SimRng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        let z: f64 = rng.sample(rand_distr::StandardNormal);
        return (mean + mean.sqrt() * z).round().max(0.0) as u32;
    }
    let limit = (-mean).exp();
    let mut n = 0;
    let mut prod: f64 = rng.random();
    while prod > limit {
        n += 1;
        prod *= rng.random::<f64>();
    }
    n
}

/// Where one instance is, for the emitter.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub(crate) service: u32,
    pub(crate) instance: u32,
    pub(crate) step_ts_ms: i64,
    pub(crate) dt_ms: i64,
}

/// Where an incident stands, for its log lines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incident<'a> {
    pub(crate) kind: EffectKind,
    /// In [0, 1]; 1 once failed.
    pub(crate) progress: f64,
    pub(crate) failed: bool,
    /// The dependency of a cascade.
    pub(crate) peer: Option<&'a str>,
}

/// Writes the log lines of one service.
#[derive(Debug)]
pub(crate) struct LogEmitter {
    rng: SimRng,
    /// Mean lines per instance per step at average traffic.
    per_step: f64,
    seq: u32,
}

impl LogEmitter {
    pub(crate) fn new(rng: SimRng, lines_per_minute: f64, dt_s: f64) -> Self {
        Self {
            rng,
            per_step: lines_per_minute * dt_s / 60.0,
            seq: 0,
        }
    }

    /// Call once per step of the service, before its lines.
    pub(crate) fn begin_step(&mut self) {
        self.seq = 0;
    }

    fn push(
        &mut self,
        out: &mut Vec<RawLog>,
        s: Slot,
        offset: i64,
        level: LogLevel,
        message: String,
    ) {
        out.push(RawLog {
            ts_ms: s.step_ts_ms + offset.clamp(0, s.dt_ms - 1),
            service: s.service,
            instance: s.instance,
            seq: self.seq,
            level,
            message,
        });
        self.seq += 1;
    }

    fn offset(&mut self, s: Slot) -> i64 {
        self.rng.random_range(0..s.dt_ms.max(1))
    }

    /// Everyday lines, more with more traffic; errors follow the error rate.
    pub(crate) fn routine(&mut self, c: &LineCtx<'_>, s: Slot, out: &mut Vec<RawLog>) {
        let activity = (c.get(M::RequestsPerSecond) / c.p.rps).clamp(0.2, 3.0);
        let n = poisson(&mut self.rng, self.per_step * activity);
        let p_err = error_share(c.get(M::ErrorRate));
        for _ in 0..n {
            let r: f64 = self.rng.random();
            let (level, msg) = if r < p_err {
                (LogLevel::Error, error(&mut self.rng, c))
            } else if r < p_err + 0.06 {
                (LogLevel::Warn, warn(&mut self.rng, c))
            } else {
                (LogLevel::Info, info(&mut self.rng, c))
            };
            let off = self.offset(s);
            self.push(out, s, off, level, msg);
        }
    }

    /// Extra lines of an incident: rare at onset, frequent near and after
    /// the failure.
    pub(crate) fn incident(
        &mut self,
        c: &LineCtx<'_>,
        s: Slot,
        inc: Incident<'_>,
        out: &mut Vec<RawLog>,
    ) {
        let Incident {
            kind,
            progress,
            failed,
            peer,
        } = inc;
        let mean = if failed {
            (self.per_step * 6.0).max(0.8)
        } else {
            (self.per_step * 5.0 * progress * progress).max(0.02 * progress)
        };
        let n = poisson(&mut self.rng, mean);
        for _ in 0..n {
            let (level, msg) = incident_line(&mut self.rng, c, kind, failed, peer);
            let off = self.offset(s);
            self.push(out, s, off, level, msg);
        }
    }

    /// The fixed lines of `events`, early in the step and in order.
    pub(crate) fn events(
        &mut self,
        c: &LineCtx<'_>,
        s: Slot,
        events: &[Event<'_>],
        out: &mut Vec<RawLog>,
    ) {
        let mut at = self.rng.random_range(0..(s.dt_ms / 4).max(1));
        for event in events {
            for (level, msg) in event_lines(&mut self.rng, c, event) {
                self.push(out, s, at, level, msg);
                at += 1 + self.rng.random_range(0..(s.dt_ms / 50).max(1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Stream, rng_for};

    #[test]
    fn poisson_mean_is_right() {
        let mut rng = rng_for(1, Stream::Logs, 0);
        for mean in [0.1, 2.0, 50.0] {
            let n = 20_000;
            let sum: u64 = (0..n).map(|_| u64::from(poisson(&mut rng, mean))).sum();
            let avg = sum as f64 / n as f64;
            assert!((avg - mean).abs() < 0.05 * mean + 0.01, "{mean} {avg}");
        }
    }
}
