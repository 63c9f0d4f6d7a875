//! [`ScorerOptions`], the scorer's knobs that are not part of the pipeline
//! file (their defaults are the named constants here, the one place they
//! are written), and [`Events`], what the scorer hands back.

use std::time::Duration;

use forewarn_core::contracts::{ModelRef, OptimizationEvent, PredictedIssue};

/// Default of [`ScorerOptions::eval_every`]: 30 s.
pub const DEFAULT_EVAL_EVERY: Duration = Duration::from_secs(30);

/// Default of [`ScorerOptions::max_series`].
pub const DEFAULT_MAX_SERIES: usize = 1_000_000;

/// Default of [`ScorerOptions::idle_after`]: 6 h.
pub const DEFAULT_IDLE_AFTER: Duration = Duration::from_secs(6 * 3600);

/// Knobs of the scorer that are not part of the pipeline file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorerOptions {
    /// How often (event time) each series' models are evaluated.
    pub eval_every: Duration,
    /// Most series tracked at once.
    pub max_series: usize,
    /// Model name and version stamped on events.
    pub model_ref: ModelRef,
    /// An open incident without a signal for this long (event time) is
    /// resolved: its series went idle or were evicted, its service stopped
    /// logging. Checked once a minute of event time.
    pub idle_after: Duration,
}

impl Default for ScorerOptions {
    fn default() -> Self {
        Self {
            eval_every: DEFAULT_EVAL_EVERY,
            max_series: DEFAULT_MAX_SERIES,
            idle_after: DEFAULT_IDLE_AFTER,
            model_ref: ModelRef {
                name: "untrained".into(),
                version: "0".into(),
            },
        }
    }
}

impl ScorerOptions {
    /// [`Self::eval_every`] in milliseconds.
    pub(crate) fn eval_every_ms(&self) -> i64 {
        millis(self.eval_every)
    }

    /// [`Self::idle_after`] in milliseconds.
    pub(crate) fn idle_after_ms(&self) -> i64 {
        millis(self.idle_after)
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// What one or more samples caused, by destination topic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Events {
    /// Predicted-issue events (opened, updated, resolved).
    pub issues: Vec<PredictedIssue>,
    /// Optimization advice.
    pub optimizations: Vec<OptimizationEvent>,
}

impl Events {
    /// Whether there is nothing to publish.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty() && self.optimizations.is_empty()
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.issues.len() + self.optimizations.len()
    }

    /// Forget every event (keeping the buffers).
    pub fn clear(&mut self) {
        self.issues.clear();
        self.optimizations.clear();
    }
}
