//! [`MovingAverage`]: the plain mean of the last `n` raw measures, so a
//! single odd sample weighs less than a sustained change (the same role as
//! the short averaging window of HTM's anomaly likelihood).

use serde::{Deserialize, Serialize};

/// The mean of the last `len` values pushed (fewer at start-up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub(crate) struct MovingAverage {
    ring: Vec<f64>,
    next: usize,
}

impl MovingAverage {
    /// Push `x` and return the mean of the last `len` values (`len ≥ 1`).
    #[inline]
    pub(crate) fn push(&mut self, len: usize, x: f64) -> f64 {
        if self.ring.len() < len {
            self.ring.push(x);
        } else {
            self.ring[self.next] = x;
            self.next = (self.next + 1) % len;
        }
        // Summed afresh each time: no drift, and `len` is small.
        self.ring.iter().sum::<f64>() / self.ring.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_the_last_values() {
        let mut m = MovingAverage::default();
        assert_eq!(m.push(3, 3.0), 3.0);
        assert_eq!(m.push(3, 6.0), 4.5);
        assert_eq!(m.push(3, 0.0), 3.0);
        assert_eq!(m.push(3, 9.0), 5.0);
    }
}
