//! [`DetectorConfig::validate`]: checks every field that parsing alone
//! cannot, and reports all problems at once, each with its dotted path
//! (house style rule 19). [`super::UnivariateDetector::new`] refuses an
//! invalid configuration.

use super::config::DetectorConfig;
use super::context::MAX_ORDER;
use crate::error::Error;

impl DetectorConfig {
    /// Every problem with the configuration, each with its dotted path.
    pub fn validate(&self) -> Result<(), Vec<Error>> {
        let mut out = Vec::new();
        let mut bad = |path: &str, ok: bool, message: String| {
            if !ok {
                out.push(Error::Config {
                    path: path.to_owned(),
                    message,
                });
            }
        };
        let finite_pos = |v: f64| v.is_finite() && v > 0.0;
        let finite_nonneg = |v: f64| v.is_finite() && v >= 0.0;
        let r = &self.range;
        bad(
            "range.recent_window",
            !r.recent_window.is_zero(),
            "must be longer than zero".into(),
        );
        bad(
            "range.recent_panes",
            (1..=120).contains(&r.recent_panes)
                && r.recent_window.as_millis() % i64::from(r.recent_panes.max(1)) == 0,
            format!(
                "must be within 1..=120 and divide the window ({} ms) evenly, got {}",
                r.recent_window.as_millis(),
                r.recent_panes
            ),
        );
        bad(
            "range.outside_weight",
            finite_pos(r.outside_weight),
            format!("must be positive, got {}", r.outside_weight),
        );
        bad(
            "range.inside_weight",
            finite_nonneg(r.inside_weight),
            format!("must be non-negative, got {}", r.inside_weight),
        );
        let c = &self.context;
        bad(
            "context.range_samples",
            c.range_samples >= 1,
            "must be at least 1".into(),
        );
        bad(
            "context.levels",
            (2..=1024).contains(&c.levels),
            format!("must be within 2..=1024, got {}", c.levels),
        );
        bad(
            "context.order",
            (1..=MAX_ORDER).contains(&c.order),
            format!("must be within 1..={MAX_ORDER}, got {}", c.order),
        );
        bad(
            "context.max_contexts",
            c.max_contexts >= 16,
            format!("must be at least 16, got {}", c.max_contexts),
        );
        bad(
            "context.smoothing",
            (1..=256).contains(&c.smoothing),
            format!("must be within 1..=256, got {}", c.smoothing),
        );
        bad(
            "context.scale",
            finite_pos(c.scale),
            format!("must be positive, got {}", c.scale),
        );
        let s = &self.seasonal;
        bad(
            "seasonal.buckets_per_day",
            (1..=1440).contains(&s.buckets_per_day),
            format!("must be within 1..=1440, got {}", s.buckets_per_day),
        );
        bad(
            "seasonal.smoothing",
            (1..=256).contains(&s.smoothing),
            format!("must be within 1..=256, got {}", s.smoothing),
        );
        bad(
            "seasonal.scale",
            finite_pos(s.scale),
            format!("must be positive, got {}", s.scale),
        );
        let k = &self.calibration;
        bad(
            "calibration.prior",
            finite_pos(k.prior),
            format!("must be positive, got {}", k.prior),
        );
        bad(
            "calibration.gamma",
            k.gamma.is_finite() && (0.0..1.0).contains(&k.gamma),
            format!("must be within [0, 1), got {}", k.gamma),
        );
        let u = &self.suppression;
        bad(
            "suppression.ratio",
            u.ratio.is_finite() && u.ratio >= 1.0,
            format!("must be at least 1, got {}", u.ratio),
        );
        bad(
            "suppression.after_range_break",
            finite_nonneg(u.after_range_break),
            format!("must be non-negative, got {}", u.after_range_break),
        );
        bad(
            "output_scale",
            finite_pos(self.output_scale),
            format!("must be positive, got {}", self.output_scale),
        );
        if out.is_empty() { Ok(()) } else { Err(out) }
    }
}
