//! Incident-level scoring without point-adjust (the protocol of the
//! smd-dev README): a labelled segment is a maximal run of anomalous rows;
//! an alert (a row) hits when it falls in `[start − early, end]` of some
//! segment; a segment is detected when some alert hits it.
//! Precision = hitting alerts / alerts, recall = detected segments /
//! segments, F1 their harmonic mean. One alert per incident: a detector
//! that keeps raising alerts inside a quiet stretch pays for each.

use serde::Serialize;

/// A labelled segment: test rows `start..=end`, all anomalous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// First anomalous row.
    pub start: usize,
    /// Last anomalous row (inclusive).
    pub end: usize,
}

/// The maximal runs of `true` in `labels`.
pub fn segments(labels: &[bool]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &l) in labels.iter().enumerate() {
        match (l, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Segment {
                    start: s,
                    end: i - 1,
                });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Segment {
            start: s,
            end: labels.len() - 1,
        });
    }
    out
}

/// The scores of one detector on one machine.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Score {
    /// Alerts raised in the test half.
    pub alerts: usize,
    /// Alerts that hit a segment.
    pub hits: usize,
    /// Segments detected.
    pub detected: usize,
    /// Segments.
    pub segments: usize,
    /// `hits / alerts` (0 without alerts).
    pub precision: f64,
    /// `detected / segments` (0 without segments).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are).
    pub f1: f64,
}

impl Score {
    /// Score alert rows against `segments`, an alert counting for a segment
    /// from `early` rows before its start.
    pub fn of(alerts: &[usize], segments: &[Segment], early: usize) -> Self {
        let hits_segment = |a: usize, s: &Segment| a + early >= s.start && a <= s.end;
        let hits = alerts
            .iter()
            .filter(|&&a| segments.iter().any(|s| hits_segment(a, s)))
            .count();
        let detected = segments
            .iter()
            .filter(|s| alerts.iter().any(|&a| hits_segment(a, s)))
            .count();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let (precision, recall) = (ratio(hits, alerts.len()), ratio(detected, segments.len()));
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Self {
            alerts: alerts.len(),
            hits,
            detected,
            segments: segments.len(),
            precision,
            recall,
            f1,
        }
    }

    /// The mean of precision, recall and F1 over `scores` (macro average);
    /// counts are summed.
    pub fn mean(scores: &[Score]) -> Self {
        let n = scores.len().max(1) as f64;
        let sum = |f: fn(&Score) -> f64| scores.iter().map(f).sum::<f64>() / n;
        Self {
            alerts: scores.iter().map(|s| s.alerts).sum(),
            hits: scores.iter().map(|s| s.hits).sum(),
            detected: scores.iter().map(|s| s.detected).sum(),
            segments: scores.iter().map(|s| s.segments).sum(),
            precision: sum(|s| s.precision),
            recall: sum(|s| s.recall),
            f1: sum(|s| s.f1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(s: &str) -> Vec<bool> {
        s.chars().map(|c| c == '1').collect()
    }

    #[test]
    fn segments_are_maximal_runs_including_one_at_the_end() {
        let s = segments(&labels("0110001001"));
        let pairs: Vec<(usize, usize)> = s.iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(pairs, vec![(1, 2), (6, 6), (9, 9)]);
        assert!(segments(&labels("000")).is_empty());
    }

    #[test]
    fn an_early_alert_counts_within_the_margin_only() {
        let seg = segments(&labels("0000000000000000000011110000"));
        // Segment 20..=23; margin 10 → rows 10..=23 hit.
        let s = Score::of(&[10], &seg, 10);
        assert_eq!((s.hits, s.detected), (1, 1));
        let s = Score::of(&[9], &seg, 10);
        assert_eq!((s.hits, s.detected), (0, 0));
        let s = Score::of(&[24], &seg, 10);
        assert_eq!((s.hits, s.detected), (0, 0));
    }

    #[test]
    fn every_alert_counts_against_precision_and_no_point_adjust() {
        // Two segments; three alerts: two in the first, one far away.
        let seg = segments(&labels("0011100000000000000000000000000001"));
        let s = Score::of(&[2, 3, 20], &seg, 0);
        assert_eq!((s.alerts, s.hits, s.detected, s.segments), (3, 2, 1, 2));
        assert!((s.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.recall - 0.5).abs() < 1e-12);
        assert!((s.f1 - 2.0 * (2.0 / 3.0) * 0.5 / (2.0 / 3.0 + 0.5)).abs() < 1e-12);
        // No alert at all: zeros, not NaN.
        let s = Score::of(&[], &seg, 0);
        assert_eq!((s.precision, s.recall, s.f1), (0.0, 0.0, 0.0));
    }
}
