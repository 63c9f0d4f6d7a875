//! The fleet-wide traffic shape: a daily cycle (trough around 04:00 UTC,
//! peak mid-afternoon), quieter weekends with smooth transitions, and
//! compound growth. Services scale it by their own seasonal amplitude.

use crate::config::TrafficConfig;

const DAY_MS: i64 = 86_400_000;

/// Traffic factors as a pure function of time, shared by every service.
#[derive(Debug, Clone)]
pub(crate) struct Traffic {
    start_epoch_ms: i64,
    amplitude: f64,
    weekend: f64,
    growth_per_week: f64,
}

impl Traffic {
    /// The shape for a run starting at `start_epoch_ms` (Unix ms).
    pub(crate) fn new(cfg: &TrafficConfig, start_epoch_ms: i64) -> Self {
        Self {
            start_epoch_ms,
            amplitude: cfg.daily_amplitude,
            weekend: cfg.weekend_factor,
            growth_per_week: cfg.growth_per_week,
        }
    }

    /// `(season, growth)` at `t_ms` after the start. `season` is 1 at a
    /// weekday peak and `(1 - amplitude) * weekend` at a weekend trough;
    /// `growth` is 1 at the start.
    pub(crate) fn at(&self, t_ms: i64) -> (f64, f64) {
        let abs = self.start_epoch_ms + t_ms;
        let day = abs.div_euclid(DAY_MS);
        let hour = abs.rem_euclid(DAY_MS) as f64 / 3_600_000.0;
        let daily = self.daily(hour);
        let today = self.weekday_factor(day);
        let yesterday = self.weekday_factor(day - 1);
        // Blend over the first three hours of each day.
        let x = (hour / 3.0).clamp(0.0, 1.0);
        let blend = x * x * (3.0 - 2.0 * x);
        let weekly = yesterday + (today - yesterday) * blend;
        let weeks = t_ms as f64 / (7.0 * DAY_MS as f64);
        let growth = (1.0 + self.growth_per_week).powf(weeks);
        (daily * weekly, growth)
    }

    /// Daily cycle in [1 - amplitude, 1].
    fn daily(&self, hour: f64) -> f64 {
        use std::f64::consts::PI;
        let phase = 2.0 * PI * (hour - 4.0) / 24.0;
        let s = (0.5 - 0.5 * phase.cos() + 0.1 * (2.0 * phase).sin()).clamp(0.0, 1.0);
        1.0 - self.amplitude * (1.0 - s)
    }

    /// 1 on weekdays, the weekend factor on Saturday and Sunday.
    fn weekday_factor(&self, epoch_day: i64) -> f64 {
        // 1970-01-01 was a Thursday; Monday = 0.
        let dow = (epoch_day + 3).rem_euclid(7);
        if dow >= 5 { self.weekend } else { 1.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::default_start;

    #[test]
    fn daily_trough_weekend_and_growth() {
        let t = Traffic::new(
            &TrafficConfig::default(),
            default_start().timestamp_millis(),
        );
        let h = 3_600_000;
        let (night, _) = t.at(4 * h);
        let (afternoon, _) = t.at(16 * h);
        assert!(night < 0.5 && afternoon > 0.95, "{night} {afternoon}");
        // Saturday afternoon (day 5) is quieter than Friday afternoon.
        let (sat, _) = t.at(5 * 24 * h + 16 * h);
        let (fri, _) = t.at(4 * 24 * h + 16 * h);
        assert!((sat / fri - 0.7).abs() < 0.01);
        let (_, g) = t.at(7 * 24 * h);
        assert!((g - 1.03).abs() < 1e-9);
    }
}
