//! Logs → per-minute features → log-anomaly beliefs, per service.
//!
//! Each log record's message goes through the service's template miner
//! (`forewarn-logs`: masking, parse tree, stable template ids). Records
//! are counted per service in event-time minutes; when a record of a later
//! minute arrives, the open minute closes into [`Minute`]: lines, error and
//! warn lines, never-seen templates (per second), the Jensen-Shannon
//! divergence of the minute's template distribution from the service's
//! baseline distribution, and the share of the most frequent template.
//! The scorer pushes those as ordinary series (`log_error_rate`, ...) into
//! its windows, and the closing minute is judged against the service's own
//! exponentially weighted baselines (about an hour): error, warn,
//! warn-or-error and new-template counts over the last 1, 5 and 15 minutes
//! (bursts, and trickles no single minute shows; a window only in a
//! minute that adds to its count, so a burst that ended does not speak
//! again from inside a longer one at its quiet minutes), the template
//! shift and
//! the top template's count; each excess maps to a probability, the
//! strongest wins, and the template most behind the shift is named with
//! examples.
//!
//! Minutes close on log records only, so log features do not depend on
//! how the metrics topic interleaves with the logs topic.

use std::collections::BTreeMap;

use forewarn_core::contracts::{LogEvidence, LogLevel, LogRecord};
use forewarn_logs::{MinerConfig, ServiceMiners, ServiceMinersState, TemplateId};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

mod baseline;
use baseline::{ALPHA, Ew, from_excess, js_divergence};

/// Length of a log minute, ms.
pub(crate) const MINUTE_MS: i64 = 60_000;

/// Example lines kept per template per minute.
const EXAMPLES: usize = 3;

/// Baseline entries under this weight are dropped.
const PRUNE: f64 = 1e-3;

/// Minutes without a line, between two with lines, that the baselines
/// take in as zeros (a longer silence counts as this long).
const MAX_QUIET_MINUTES: i64 = 60;

/// Minutes with lines a service needs, besides the warm-up time, before
/// its minutes are judged.
const MIN_ACTIVE_MINUTES: u32 = 10;

/// Windows (minutes) over which error, warn and new-template counts are
/// compared with their baselines: one minute catches bursts, the longer
/// ones a steady trickle of warnings that no single minute shows (a
/// failure approaching typically logs one or two a minute where the
/// service logs one an hour).
const WINDOWS: [i64; 3] = [1, 5, 15];

/// The per-minute series the log features are pushed as.
pub const LOG_FEATURES: [&str; 6] = [
    "log_lines_per_s",
    "log_error_rate",
    "log_warn_rate",
    "log_new_template_rate",
    "log_template_js",
    "log_top_template_share",
];

/// A closed minute's counts ([errors, warns, new templates, warns and
/// errors]) and the baselines as they were before it: a window is judged
/// against the baselines from before its first minute, so a slow trickle
/// does not raise its own baseline while it is being judged.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Recent {
    minute_ms: i64,
    counts: [u32; 4],
    before: [Ew; 4],
}

/// One closed minute of one service.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Minute {
    /// End of the minute (event time, ms): the features' timestamp.
    pub(crate) end_ms: i64,
    /// The values of [`LOG_FEATURES`], in that order.
    pub(crate) features: [f64; 6],
}

/// What a closed minute says about the service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Belief {
    pub(crate) probability: f64,
    /// (feature, value, baseline, strength) strongest first.
    pub(crate) parts: Vec<(String, f64, f64, f64)>,
    pub(crate) log: Option<LogEvidence>,
}

/// The open minute and the baselines of one service.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ServiceLog {
    minute_ms: i64,
    first_ms: i64,
    /// Minutes with lines closed so far.
    active: u32,
    lines: u32,
    errors: u32,
    warns: u32,
    new: Vec<TemplateId>,
    counts: BTreeMap<TemplateId, u32>,
    examples: BTreeMap<TemplateId, Vec<String>>,
    /// Per-template expected lines per minute.
    baseline: BTreeMap<TemplateId, f64>,
    lines_ew: Ew,
    errors_ew: Ew,
    warns_ew: Ew,
    new_ew: Ew,
    top_ew: Ew,
    /// Warn, error and fatal lines together.
    problems_ew: Ew,
    /// The last closed minutes, as long as the longest window.
    recent: std::collections::VecDeque<Recent>,
    /// Belief held between minutes (decaying), when it was last set, and
    /// the minute that set it (its evidence is reported while it holds).
    pub(crate) held: f64,
    pub(crate) held_ms: i64,
    pub(crate) why: Option<Belief>,
    /// Whether the tracker may hold state for this service's logs.
    pub(crate) engaged: bool,
}

/// Every service's log state, with the template miners.
#[derive(Debug, Clone)]
pub(crate) struct Logs {
    miners: ServiceMiners,
    services: BTreeMap<String, ServiceLog>,
    warmup_ms: i64,
    /// Event time of the newest record seen.
    newest_ms: Option<i64>,
}

/// Saved form of [`Logs`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogsState {
    miners: ServiceMinersState,
    services: BTreeMap<String, ServiceLog>,
    #[serde(default)]
    newest_ms: Option<i64>,
}

impl Logs {
    /// Miners with `masks`; fails on a mask that does not compile.
    pub(crate) fn new(masks: &[String], warmup_ms: i64) -> Result<Self> {
        let config = MinerConfig {
            masks: masks.to_vec(),
            ..MinerConfig::default()
        };
        let miners = ServiceMiners::new(config, BTreeMap::new()).map_err(Error::LogMasks)?;
        Ok(Self {
            miners,
            services: BTreeMap::new(),
            warmup_ms,
            newest_ms: None,
        })
    }

    /// Count one record; returns the minute it closed, if any, with what
    /// that minute says about the service (none during the warm-up). A
    /// record of a minute older than the open one counts in the open one.
    pub(crate) fn push(&mut self, r: &LogRecord) -> Option<(Minute, Option<Belief>)> {
        let ts = r.ts.timestamp_millis();
        let minute = ts.div_euclid(MINUTE_MS) * MINUTE_MS;
        self.newest_ms = Some(self.newest_ms.map_or(ts, |n| n.max(ts)));
        let Self {
            miners,
            services,
            warmup_ms,
            ..
        } = self;
        let m = miners.add(&r.service, &r.message);
        if !services.contains_key(&r.service) {
            let fresh = ServiceLog {
                minute_ms: minute,
                first_ms: minute,
                ..ServiceLog::default()
            };
            services.insert(r.service.clone(), fresh);
        }
        let st = services.get_mut(&r.service)?;
        let closed = (minute > st.minute_ms).then(|| {
            let miner = miners.miner(&r.service);
            let closed = st.close(minute, *warmup_ms, |id| {
                miner
                    .and_then(|m| m.template(id))
                    .unwrap_or_default()
                    .to_string()
            });
            st.minute_ms = minute;
            closed
        });
        st.lines += 1;
        match r.level {
            LogLevel::Error | LogLevel::Fatal => st.errors += 1,
            LogLevel::Warn => st.warns += 1,
            _ => {}
        }
        if m.is_new {
            st.new.push(m.template_id);
        }
        *st.counts.entry(m.template_id).or_default() += 1;
        let ex = st.examples.entry(m.template_id).or_default();
        if ex.len() < EXAMPLES {
            ex.push(r.message.clone());
        }
        closed
    }

    /// Forget the log state (miner, baselines, open minute) of every
    /// service without a line for `idle_ms`, on the logs' own clock (the
    /// newest log record seen), so logs lagging behind metrics lose
    /// nothing. Template ids are content hashes, so a service that logs
    /// again gets the same ids for the same templates.
    pub(crate) fn evict_idle(&mut self, idle_ms: i64) -> usize {
        let Some(newest) = self.newest_ms else {
            return 0;
        };
        let before_ms = newest - idle_ms;
        let idle: Vec<String> = self
            .services
            .iter()
            .filter(|(_, st)| st.minute_ms < before_ms)
            .map(|(s, _)| s.clone())
            .collect();
        for s in &idle {
            self.services.remove(s);
            self.miners.remove(s);
        }
        idle.len()
    }

    /// The service's state, mutable (held belief).
    pub(crate) fn service_mut(&mut self, service: &str) -> Option<&mut ServiceLog> {
        self.services.get_mut(service)
    }

    /// For a checkpoint.
    pub(crate) fn state(&self) -> LogsState {
        LogsState {
            miners: self.miners.state(),
            services: self.services.clone(),
            newest_ms: self.newest_ms,
        }
    }

    /// Back from a checkpoint.
    pub(crate) fn restore(&mut self, state: LogsState) -> Result<()> {
        self.miners = self
            .miners
            .clone()
            .with_state(state.miners)
            .map_err(Error::Checkpoint)?;
        self.services = state.services;
        self.newest_ms = state.newest_ms;
        Ok(())
    }
}

impl ServiceLog {
    /// Close the open minute: its features and, after the warm-up, the
    /// belief it gives against the baselines as they were; then the
    /// baselines take the minute in.
    fn close(
        &mut self,
        next_minute_ms: i64,
        warmup_ms: i64,
        template: impl Fn(TemplateId) -> String,
    ) -> (Minute, Option<Belief>) {
        let lines = f64::from(self.lines);
        let top = self.counts.values().copied().max().unwrap_or(0);
        let js = js_divergence(&self.counts, lines, &self.baseline);
        let share = if lines > 0.0 {
            f64::from(top) / lines
        } else {
            0.0
        };
        let features = [
            lines / 60.0,
            f64::from(self.errors) / 60.0,
            f64::from(self.warns) / 60.0,
            self.new.len() as f64 / 60.0,
            js,
            share,
        ];
        let mature =
            self.minute_ms - self.first_ms >= warmup_ms && self.active >= MIN_ACTIVE_MINUTES;
        let belief = mature.then(|| {
            let now = [
                self.errors,
                self.warns,
                self.new.len() as u32,
                self.errors + self.warns,
            ];
            let current = [self.errors_ew, self.warns_ew, self.new_ew, self.problems_ew];
            let windowed = |i: usize, name: &'static str| {
                // The window (of those in WINDOWS) where the count stands
                // out most against the baseline from before the window:
                // (rate per second over it, its baseline, strength).
                // Windows are tried shortest first and a longer one wins
                // only when it is stronger (the probability, which is 1 for
                // every clear burst): the evidence shows the burst's rate.
                let (rate, base, p) = WINDOWS
                    .iter()
                    .map(|k| {
                        let since = self.minute_ms - (k - 1) * MINUTE_MS;
                        let inside = self.recent.iter().filter(|r| r.minute_ms >= since);
                        let sum = now[i] + inside.clone().map(|r| r.counts[i]).sum::<u32>();
                        let ew = inside.map(|r| r.before[i]).next().unwrap_or(current[i]);
                        let (sum, k) = (f64::from(sum), *k as f64);
                        // A window speaks only in a minute that adds to
                        // its count. A burst that ended stays inside the
                        // 15-minute window, and judged again at each quiet
                        // minute it opened a second incident the minute
                        // the first one's suppression ended, after the
                        // burst and after the failure's recovery (all 6
                        // log false alarms of the simulated fleets; README
                        // "Log templates"). A trickle adds lines in the
                        // minutes it speaks at.
                        let going_on = now[i] > 0;
                        (
                            sum / (60.0 * k),
                            ew.mean / 60.0,
                            if going_on {
                                from_excess(ew.excess_over(sum, k))
                            } else {
                                0.0
                            },
                        )
                    })
                    .fold(
                        (0.0, 0.0, -1.0),
                        |best, w| if w.2 > best.2 { w } else { best },
                    );
                (name, rate, base, p.max(0.0))
            };
            let mut parts = vec![
                windowed(0, "log_error_rate"),
                windowed(1, "log_warn_rate"),
                windowed(2, "log_new_template_rate"),
                windowed(3, "log_warn_or_error_rate"),
                // A shift needs lines to be told from sampling noise.
                (
                    "log_template_js",
                    js,
                    0.0,
                    if lines >= 20.0 {
                        ((js - 0.2) / 0.3).clamp(0.0, 1.0)
                    } else {
                        0.0
                    },
                ),
                (
                    "log_top_template_count",
                    f64::from(top),
                    self.top_ew.mean,
                    from_excess(self.top_ew.excess(f64::from(top))),
                ),
            ];
            parts.sort_by(|a, b| b.3.total_cmp(&a.3));
            let parts: Vec<(String, f64, f64, f64)> = parts
                .into_iter()
                .map(|(f, v, b, w)| (f.to_string(), v, b, w))
                .collect();
            // The template most behind the shift: the largest term of the
            // divergence (its share now against its share in the baseline).
            let qt: f64 = self.baseline.values().sum::<f64>().max(1e-9);
            let log = self
                .counts
                .iter()
                .map(|(id, c)| {
                    let a = f64::from(*c) / lines.max(1.0);
                    let b = self.baseline.get(id).copied().unwrap_or(0.0) / qt;
                    (*id, *c, a * ((a + 1e-6) / (b + 1e-6)).ln())
                })
                .max_by(|x, y| x.2.total_cmp(&y.2).then(y.0.cmp(&x.0)))
                .map(|(id, count, _)| LogEvidence {
                    template_id: id.to_string(),
                    template: template(id),
                    count: u64::from(count),
                    baseline: self.baseline.get(&id).copied().unwrap_or(0.0),
                    new: self.new.contains(&id),
                    examples: self.examples.get(&id).cloned().unwrap_or_default(),
                });
            Belief {
                probability: parts[0].3,
                parts,
                log,
            }
        });
        // Baselines take the minute in.
        let longest = WINDOWS[WINDOWS.len() - 1];
        self.recent.push_back(Recent {
            minute_ms: self.minute_ms,
            counts: [
                self.errors,
                self.warns,
                self.new.len() as u32,
                self.errors + self.warns,
            ],
            before: [self.errors_ew, self.warns_ew, self.new_ew, self.problems_ew],
        });
        while self
            .recent
            .front()
            .is_some_and(|r| r.minute_ms <= self.minute_ms - longest * MINUTE_MS)
        {
            self.recent.pop_front();
        }
        self.lines_ew.update(lines);
        self.errors_ew.update(f64::from(self.errors));
        self.warns_ew.update(f64::from(self.warns));
        self.new_ew.update(self.new.len() as f64);
        self.top_ew.update(f64::from(top));
        self.problems_ew
            .update(f64::from(self.errors) + f64::from(self.warns));
        for w in self.baseline.values_mut() {
            *w *= 1.0 - ALPHA;
        }
        for (id, c) in &self.counts {
            *self.baseline.entry(*id).or_default() += ALPHA * f64::from(*c);
        }
        // The minutes without a line up to the next one count as zeros
        // (baselines are per minute of time, not per minute with lines).
        let quiet = ((next_minute_ms - self.minute_ms) / MINUTE_MS - 1).clamp(0, MAX_QUIET_MINUTES);
        for _ in 0..quiet {
            for ew in [
                &mut self.lines_ew,
                &mut self.errors_ew,
                &mut self.warns_ew,
                &mut self.new_ew,
                &mut self.top_ew,
                &mut self.problems_ew,
            ] {
                ew.update(0.0);
            }
        }
        let keep = (1.0 - ALPHA).powi(quiet as i32);
        for w in self.baseline.values_mut() {
            *w *= keep;
        }
        self.baseline.retain(|_, w| *w >= PRUNE);
        self.active += 1;
        let end_ms = self.minute_ms + MINUTE_MS;
        self.lines = 0;
        self.errors = 0;
        self.warns = 0;
        self.new.clear();
        self.counts.clear();
        self.examples.clear();
        (Minute { end_ms, features }, belief)
    }
}
