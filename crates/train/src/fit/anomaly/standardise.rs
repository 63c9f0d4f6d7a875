//! Robust standardisation of anomaly vectors: each feature is centred on
//! its median and divided by a scale that a few extreme training vectors
//! cannot inflate:
//!
//! `scale = max(σ̂, 1e-6·|median|, 1e-9)`, where `σ̂` is `1.4826·MAD` when
//! the MAD is positive, else `(p99 − p1) / 4.653`.
//!
//! Both estimate the standard deviation of normal data. The second serves
//! sparse features whose MAD is 0 (an error rate that is 0 most of the
//! time); the floors serve constant ones. Missing values (NaN) standardise to 0, the centre, as
//! [`forewarn_models::cluster::ClusterModel::score`] treats them.

use crate::stats::quantile_sorted;

/// Centre and scale of each feature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Standardiser {
    pub centre: Vec<f64>,
    pub scale: Vec<f64>,
}

/// Median and robust scale of one column's finite values.
fn centre_scale(col: impl Iterator<Item = f64>) -> (f64, f64) {
    let mut x: Vec<f64> = col.filter(|v| v.is_finite()).collect();
    if x.is_empty() {
        return (0.0, 1e-9);
    }
    x.sort_by(f64::total_cmp);
    let med = quantile_sorted(&x, 0.5);
    let mut dev: Vec<f64> = x.iter().map(|v| (v - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = quantile_sorted(&dev, 0.5);
    let sigma = if mad > 0.0 {
        1.4826 * mad
    } else {
        (quantile_sorted(&x, 0.99) - quantile_sorted(&x, 0.01)) / 4.653
    };
    (med, sigma.max(1e-6 * med.abs()).max(1e-9))
}

impl Standardiser {
    /// Fit on `rows` (row-major, `d` columns).
    pub(crate) fn fit(rows: &[f64], d: usize) -> Self {
        let (mut centre, mut scale) = (Vec::with_capacity(d), Vec::with_capacity(d));
        for j in 0..d {
            let (med, s) = centre_scale(rows.iter().skip(j).step_by(d).copied());
            centre.push(med);
            scale.push(s);
        }
        Self { centre, scale }
    }

    /// Standardise `rows` (row-major); NaN becomes 0.
    pub(crate) fn apply(&self, rows: &[f64]) -> Vec<f64> {
        let d = self.centre.len();
        rows.chunks_exact(d)
            .flat_map(|r| {
                r.iter()
                    .zip(self.centre.iter().zip(&self.scale))
                    .map(|(v, (c, s))| if v.is_finite() { (v - c) / s } else { 0.0 })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_mad_with_floors() {
        // Column 0: robust to the outlier; column 1: constant; column 2: sparse.
        let rows = [
            1.0,
            5.0,
            0.0, //
            2.0,
            5.0,
            0.0, //
            3.0,
            5.0,
            0.0, //
            1000.0,
            5.0,
            10.0, //
            f64::NAN,
            5.0,
            0.0,
        ];
        let s = Standardiser::fit(&rows, 3);
        assert_eq!(s.centre, [2.5, 5.0, 0.0]);
        assert_eq!(s.scale[0], 1.4826, "the outlier does not inflate it");
        assert_eq!(s.scale[1], 1e-6 * 5.0);
        // p99 − p1 of [0, 0, 0, 10, 0] is 9.6 (interpolated).
        assert!((s.scale[2] - 9.6 / 4.653).abs() < 1e-9, "{:?}", s.scale);
        let z = s.apply(&rows);
        assert_eq!(z[12], 0.0, "NaN standardises to the centre");
        assert_eq!(z[1], 0.0);
    }
}
