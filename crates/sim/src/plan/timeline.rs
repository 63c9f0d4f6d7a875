//! Bookkeeping for the planner: converting minutes and times of day into
//! step indices, and reserving each service's time so that incidents and
//! traps on one service never overlap (with a safety margin).

const DAY_MS: i64 = 86_400_000;

/// Which steps of which service are taken.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    /// Number of steps in the run.
    pub(crate) steps: i64,
    dt_ms: i64,
    start_ms: i64,
    /// First step at which anything may start.
    pub(crate) warm: i64,
    margin: i64,
    /// Scale applied to scenario durations so they fit short runs.
    pub(crate) scale: f64,
    busy: Vec<Vec<(i64, i64)>>,
}

impl Timeline {
    pub(crate) fn new(
        services: usize,
        steps: i64,
        dt_ms: i64,
        start_ms: i64,
        warmup_ms: i64,
    ) -> Self {
        let warm = (warmup_ms / dt_ms.max(1)).min(steps / 4);
        let margin = ((30 * 60_000) / dt_ms.max(1)).clamp(1, (steps / 40).max(1));
        // The longest scenario (lead + recovery, in minutes) should fit in a
        // third of the usable time.
        let usable_min = (steps - warm) as f64 * dt_ms as f64 / 60_000.0;
        let scale = (usable_min / 3.0 / (720.0 + 5.0)).min(1.0);
        Self {
            steps,
            dt_ms,
            start_ms,
            warm,
            margin,
            scale,
            busy: vec![Vec::new(); services],
        }
    }

    /// Steps in `minutes` (scaled for short runs), at least `min_steps`.
    pub(crate) fn span(&self, minutes: f64, min_steps: i64) -> i64 {
        ((minutes * self.scale * 60_000.0 / self.dt_ms as f64).ceil() as i64).max(min_steps)
    }

    /// Whether `[a, b)` on `svc` is free, margin included.
    pub(crate) fn is_free(&self, svc: usize, a: i64, b: i64) -> bool {
        a >= self.warm
            && b <= self.steps
            && self.busy[svc]
                .iter()
                .all(|&(x, y)| b + self.margin <= x || a >= y + self.margin)
    }

    /// Take `[a, b)` on `svc`.
    pub(crate) fn reserve(&mut self, svc: usize, a: i64, b: i64) {
        self.busy[svc].push((a, b));
    }

    /// Number of calendar days the run touches.
    pub(crate) fn days(&self) -> i64 {
        let end = self.start_ms + self.steps * self.dt_ms;
        end.div_euclid(DAY_MS) - self.start_ms.div_euclid(DAY_MS) + 1
    }

    /// The first step at or after `hour` (UTC) on calendar day `day` of the run.
    pub(crate) fn step_at(&self, day: i64, hour: f64) -> i64 {
        let abs = (self.start_ms.div_euclid(DAY_MS) + day) * DAY_MS + (hour * 3_600_000.0) as i64;
        (abs - self.start_ms).div_euclid(self.dt_ms)
            + i64::from((abs - self.start_ms).rem_euclid(self.dt_ms) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_keep_a_margin_and_times_of_day_map_to_steps() {
        // One day at 60 s, starting at midnight.
        let mut t = Timeline::new(2, 1440, 60_000, 0, 7_200_000);
        assert_eq!(t.warm, 120);
        assert!(!t.is_free(0, 100, 200), "inside warm-up");
        assert!(t.is_free(0, 200, 300));
        t.reserve(0, 200, 300);
        assert!(!t.is_free(0, 310, 400), "inside the margin");
        assert!(t.is_free(0, 340, 400));
        assert!(t.is_free(1, 200, 300), "other service");
        assert_eq!(t.step_at(0, 2.5), 150);
        assert_eq!(t.days(), 2);
        // A one-day run shrinks scenario durations to fit; a week does not.
        assert!(t.scale < 1.0);
        assert_eq!(t.span(10.0, 1), (10.0 * t.scale).ceil() as i64);
        let week = Timeline::new(1, 7 * 1440, 60_000, 0, 0);
        assert_eq!(week.span(10.0, 1), 10);
        assert_eq!(week.span(0.1, 3), 3);
    }
}
