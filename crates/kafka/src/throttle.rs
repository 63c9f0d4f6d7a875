//! [`Throttle`]: at most one log line per interval for a thing that can
//! happen many times a second (a broker that is down makes every poll and
//! every delivery fail): the first is logged at once, the next after the
//! interval, with how many were left out in between.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Admits one occurrence per interval and counts the others.
#[derive(Debug)]
pub struct Throttle {
    every: Duration,
    /// When one was last admitted, and how many were not since.
    state: Mutex<(Option<Instant>, u64)>,
}

impl Throttle {
    /// One occurrence admitted per `every`.
    pub const fn new(every: Duration) -> Self {
        Self {
            every,
            state: Mutex::new((None, 0)),
        }
    }

    /// Whether to log this occurrence: `Some(n)` with the `n` left out
    /// since the last one admitted, `None` to leave it out.
    pub fn admit(&self) -> Option<u64> {
        let Ok(mut s) = self.state.lock() else {
            return Some(0);
        };
        let now = Instant::now();
        match s.0 {
            Some(t) if now.duration_since(t) < self.every => {
                s.1 += 1;
                None
            }
            _ => {
                let left_out = s.1;
                *s = (Some(now), 0);
                Some(left_out)
            }
        }
    }
}

/// `" (N more like it since)"`, or nothing when `n` is 0.
pub fn left_out(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} more like it since the last one logged)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_is_admitted_and_the_rest_counted_until_the_interval_passes() {
        let t = Throttle::new(Duration::from_millis(50));
        assert_eq!(t.admit(), Some(0));
        for _ in 0..20 {
            assert_eq!(t.admit(), None);
        }
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(t.admit(), Some(20));
        assert_eq!(left_out(20), " (20 more like it since the last one logged)");
        assert_eq!(left_out(0), "");
    }
}
