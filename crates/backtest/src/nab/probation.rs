//! The probationary period (SCORING.md §2): the first 15% of a file's rows,
//! capped at 750, are never scored, so detectors get time to learn.

/// The share of a file that is probationary (NAB's `probationaryPercent`).
pub const PROBATION_PERCENT: f64 = 0.15;

/// Number of leading rows of an `n`-row file that are excluded from
/// scoring: `min(floor(0.15·n), 0.15·5000) = min(floor(0.15·n), 750)`.
///
/// ```
/// use forewarn_backtest::nab::probation_len;
/// assert_eq!(probation_len(4032), 604);
/// assert_eq!(probation_len(22_695), 750);
/// ```
pub fn probation_len(n: usize) -> usize {
    // The same floating-point product NAB computes, so rounding agrees.
    let share = (PROBATION_PERCENT * n as f64).floor();
    let cap = PROBATION_PERCENT * 5000.0;
    share.min(cap) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_percent_rounded_down() {
        assert_eq!(probation_len(0), 0);
        assert_eq!(probation_len(6), 0);
        assert_eq!(probation_len(7), 1);
        assert_eq!(probation_len(1127), 169);
        assert_eq!(probation_len(4032), 604);
    }

    #[test]
    fn capped_at_750() {
        assert_eq!(probation_len(5000), 750);
        assert_eq!(probation_len(5001), 750);
        assert_eq!(probation_len(4999), 749);
        assert_eq!(probation_len(1_000_000), 750);
    }
}
