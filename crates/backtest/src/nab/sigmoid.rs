//! The "scaled sigmoid" that turns a row's position relative to a label
//! window into a reward or a penalty (SCORING.md §4). It is `tanh(-2.5·y)`
//! written in NAB's exponential form, clamped to exactly `-1` beyond `y > 3`.

/// The scaled sigmoid `σs(y) = 2 / (1 + exp(5·y)) − 1` for `y ≤ 3`, and
/// exactly `−1` for `y > 3`.
///
/// It is positive for `y < 0` (inside a window, where `y` runs from `−1` at
/// the window's first row towards `0` at its right edge), zero at `y = 0`
/// and negative after a window.
///
/// ```
/// use forewarn_backtest::nab::scaled_sigmoid;
/// assert!((scaled_sigmoid(-1.0) - 0.98661429815).abs() < 1e-11);
/// assert_eq!(scaled_sigmoid(0.0), 0.0);
/// assert_eq!(scaled_sigmoid(3.5), -1.0);
/// ```
pub fn scaled_sigmoid(y: f64) -> f64 {
    if y > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * y).exp()) - 1.0
    }
}

/// `σs(−1) = tanh(2.5) ≈ 0.98661429815`, the value of a detection on the
/// first row of a window. NAB calls it `maxTP` and divides in-window values
/// by it, so that the earliest possible detection is worth exactly `A_TP`.
pub fn max_tp() -> f64 {
    scaled_sigmoid(-1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_spec_table() {
        let cases = [
            (-1.0, 0.98661429815),
            (-0.5, 0.84828363996),
            (0.0, 0.0),
            (1.0, -0.98661429815),
        ];
        for (y, expected) in cases {
            assert!((scaled_sigmoid(y) - expected).abs() < 1e-11, "σs({y})");
        }
    }

    #[test]
    fn equals_tanh_up_to_three_and_minus_one_beyond() {
        for k in -400..=300 {
            let y = f64::from(k) / 100.0;
            assert!(
                (scaled_sigmoid(y) - (-2.5 * y).tanh()).abs() < 1e-12,
                "y = {y}"
            );
        }
        // tanh(-7.5) is not exactly -1; the clamp is.
        assert!(scaled_sigmoid(3.0) > -1.0);
        assert_eq!(scaled_sigmoid(3.0 + 1e-12), -1.0);
        assert_eq!(scaled_sigmoid(f64::INFINITY), -1.0);
    }

    #[test]
    fn max_tp_is_tanh_two_and_a_half() {
        assert!((max_tp() - 2.5_f64.tanh()).abs() < 1e-15);
    }
}
