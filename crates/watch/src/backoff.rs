//! When to start the process again: exponential backoff with jitter
//! between restarts, and systemd's start limit (no more than `burst`
//! starts within `interval`; `StartLimitBurst=`/`StartLimitIntervalSec=`).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Delays between restarts: `initial × factor^n`, capped at `max`, each
/// shortened by up to `jitter` (a fraction) at random so that many
/// instances crashing together do not restart in step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// Delay before the first restart.
    pub initial: Duration,
    /// Longest delay.
    pub max: Duration,
    /// Growth per consecutive failure (≥ 1).
    pub factor: f64,
    /// Fraction of the delay that may be taken off at random, in [0, 1).
    pub jitter: f64,
}

impl Default for Backoff {
    /// 1 s, doubling, at most 30 s, up to 20 % off.
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
            factor: 2.0,
            jitter: 0.2,
        }
    }
}

impl Backoff {
    /// The delay after `failures` consecutive failures (1 for the first),
    /// with `unit` a uniform random number in [0, 1) drawn by the caller.
    pub fn delay(&self, failures: u32, unit: f64) -> Duration {
        let n = failures.saturating_sub(1).min(64) as i32;
        let full = self.initial.as_secs_f64() * self.factor.max(1.0).powi(n);
        let capped = full.min(self.max.as_secs_f64());
        let off = self.jitter.clamp(0.0, 0.999) * unit.clamp(0.0, 1.0);
        Duration::from_secs_f64(capped * (1.0 - off))
    }
}

/// A uniform random number in [0, 1) for the jitter (from the standard
/// library's randomly keyed hasher: no generator to seed or carry).
pub fn unit_random() -> f64 {
    use std::hash::BuildHasher;
    let n = std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now());
    (n >> 11) as f64 / (1u64 << 53) as f64
}

/// systemd's start limit: a start is refused when `burst` starts already
/// happened within the last `interval`.
#[derive(Debug, Clone)]
pub struct StartLimit {
    burst: u32,
    interval: Duration,
    starts: VecDeque<Instant>,
}

impl StartLimit {
    /// At most `burst` starts within any `interval`.
    pub fn new(burst: u32, interval: Duration) -> Self {
        Self {
            burst: burst.max(1),
            interval,
            starts: VecDeque::new(),
        }
    }

    /// Whether a start at `at` is allowed; if it is, it is recorded.
    pub fn allow(&mut self, at: Instant) -> bool {
        while self
            .starts
            .front()
            .is_some_and(|s| at.saturating_duration_since(*s) >= self.interval)
        {
            self.starts.pop_front();
        }
        if self.starts.len() as u32 >= self.burst {
            return false;
        }
        self.starts.push_back(at);
        true
    }

    /// `burst` and `interval`, for messages.
    pub fn describe(&self) -> String {
        format!("{} starts within {:?}", self.burst, self.interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            factor: 2.0,
            jitter: 0.0,
        };
        let got: Vec<u128> = (1..=6).map(|n| b.delay(n, 0.5).as_millis()).collect();
        assert_eq!(got, [100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn unit_random_is_in_range_and_varies() {
        let xs: Vec<f64> = (0..50).map(|_| unit_random()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(xs.iter().any(|x| *x != xs[0]));
    }

    #[test]
    fn jitter_takes_off_at_most_its_fraction() {
        let b = Backoff::default();
        assert_eq!(b.delay(1, 0.0), Duration::from_secs(1));
        assert_eq!(b.delay(1, 1.0), Duration::from_millis(800));
    }

    #[test]
    fn start_limit_counts_starts_within_the_interval() {
        let t0 = Instant::now();
        let s = |ms| t0 + Duration::from_millis(ms);
        let mut l = StartLimit::new(3, Duration::from_millis(1000));
        assert!(l.allow(s(0)));
        assert!(l.allow(s(100)));
        assert!(l.allow(s(200)));
        assert!(!l.allow(s(300)), "a fourth start within 1 s");
        assert!(!l.allow(s(999)));
        // The first start leaves the window at 1000 ms.
        assert!(l.allow(s(1000)));
        assert!(!l.allow(s(1050)));
    }

    proptest! {
        #[test]
        fn delays_never_shrink_without_jitter_and_stay_in_bounds(
            initial_ms in 1u64..5_000, max_ms in 1u64..60_000, factor in 1.0f64..4.0,
            jitter in 0.0f64..0.9, unit in 0.0f64..1.0, n in 1u32..40,
        ) {
            let b = Backoff { initial: Duration::from_millis(initial_ms), max: Duration::from_millis(max_ms), factor, jitter: 0.0 };
            prop_assert!(b.delay(n + 1, unit) >= b.delay(n, unit));
            let j = Backoff { jitter, ..b };
            let d = j.delay(n, unit);
            prop_assert!(d <= b.delay(n, unit));
            prop_assert!(d.as_secs_f64() >= b.delay(n, unit).as_secs_f64() * (1.0 - jitter) - 1e-9);
        }

        #[test]
        fn never_more_than_burst_starts_in_any_window(
            burst in 1u32..6, gaps in proptest::collection::vec(0u64..400, 1..60),
        ) {
            let interval = Duration::from_millis(1000);
            let mut l = StartLimit::new(burst, interval);
            let t0 = Instant::now();
            let mut at = t0;
            let mut allowed = Vec::new();
            for g in gaps {
                at += Duration::from_millis(g);
                if l.allow(at) {
                    allowed.push(at);
                }
            }
            for (i, a) in allowed.iter().enumerate() {
                let within = allowed[i..].iter().filter(|b| b.duration_since(*a) < interval).count();
                prop_assert!(within as u32 <= burst);
            }
        }
    }
}
