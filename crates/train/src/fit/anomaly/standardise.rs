//! Standardisation of anomaly vectors: each feature is centred on its
//! training mean and divided by its training standard deviation, floored at
//! 1 % of its training range so a nearly constant feature (a counter that
//! moved twice in a month) does not turn every small move into an extreme.
//! A feature with no range at all (constant, or never present) carries no
//! baseline and is reported as such ([`Standardiser::constant`]) so the
//! model can leave it out.
//!
//! Mean and standard deviation rather than median and MAD: on the real
//! machines of smd-dev a MAD scale makes mostly-idle bursty features (disk,
//! retransmits) look extreme at every burst, and leave-machines-out F1 was
//! no better (README, "Anomaly model").
//! Missing values (NaN) are ignored when fitting and stay NaN when applied.

/// Share of a feature's training range its scale never goes below.
pub(crate) const MIN_SCALE_OF_RANGE: f64 = 0.01;

/// Centre and scale of each feature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Standardiser {
    pub centre: Vec<f64>,
    pub scale: Vec<f64>,
    /// Features with no range in training (constant or never present).
    pub constant: Vec<bool>,
}

/// Mean, floored standard deviation and range of one column's finite values.
fn centre_scale(col: impl Iterator<Item = f64>) -> (f64, f64, f64) {
    let (mut n, mut mean, mut m2) = (0.0, 0.0, 0.0);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in col.filter(|v| v.is_finite()) {
        n += 1.0;
        let d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if n == 0.0 {
        return (0.0, 1.0, 0.0);
    }
    let std = (m2 / n).sqrt();
    let range = hi - lo;
    (mean, std.max(MIN_SCALE_OF_RANGE * range).max(1e-12), range)
}

impl Standardiser {
    /// Fit on `rows` (row-major, `d` columns).
    pub(crate) fn fit(rows: &[f64], d: usize) -> Self {
        let mut s = Self {
            centre: Vec::with_capacity(d),
            scale: Vec::with_capacity(d),
            constant: Vec::with_capacity(d),
        };
        for j in 0..d {
            let (mean, scale, range) = centre_scale(rows.iter().skip(j).step_by(d).copied());
            s.centre.push(mean);
            s.scale.push(scale);
            s.constant.push(range <= 0.0);
        }
        s
    }

    /// Standardise `rows` (row-major); NaN stays NaN.
    pub(crate) fn apply(&self, rows: &[f64]) -> Vec<f64> {
        let d = self.centre.len();
        rows.chunks_exact(d)
            .flat_map(|r| {
                r.iter()
                    .zip(self.centre.iter().zip(&self.scale))
                    .map(|(v, (c, s))| (v - c) / s)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_std_with_a_range_floor_and_constant_features_flagged() {
        // Column 0: ordinary; column 1: constant; column 2: one blip in
        // 1000 (std ≈ 0.316 against a range of 10: no floor); column 3:
        // NaN except one value (no range).
        let mut rows = Vec::new();
        for i in 0..1000 {
            let blip = if i == 500 { 10.0 } else { 0.0 };
            let lone = if i == 0 { 3.0 } else { f64::NAN };
            rows.extend([f64::from(i % 2), 5.0, blip, lone]);
        }
        let s = Standardiser::fit(&rows, 4);
        assert!((s.centre[0] - 0.5).abs() < 1e-12);
        assert!((s.scale[0] - 0.5).abs() < 1e-12);
        assert_eq!(s.constant, [false, true, false, true]);
        assert!(
            (s.scale[2] - (0.1 - 0.0001_f64).sqrt()).abs() < 1e-9,
            "{:?}",
            s.scale
        );
        // A feature that barely moves gets 1 % of its range as its scale.
        let rows: Vec<f64> = (0..1000)
            .map(|i| if i == 0 { 100.0 } else { 0.0 })
            .collect();
        let s = Standardiser::fit(&rows, 1);
        assert!(
            (s.scale[0] - 3.16069).abs() < 1e-4,
            "std wins: {:?}",
            s.scale
        );
        let z = s.apply(&[f64::NAN]);
        assert!(z[0].is_nan(), "NaN stays missing");
    }
}
