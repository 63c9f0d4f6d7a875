//! The segment report: per machine and averaged (macro), Forewarn beside
//! the z-score and random references, as Markdown and JSON.

use std::fmt::Write as _;

use serde::Serialize;

use super::forewarn::ForewarnRun;
use super::score::Score;

/// The three detectors' scores on one machine.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct DetectorScores {
    /// Forewarn (trained on the train half, replayed through the scorer).
    pub forewarn: Score,
    /// Per-column z-score reference.
    pub zscore: Score,
    /// Random alerts, as many as Forewarn raised.
    pub random: Score,
}

/// One machine's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MachineReport {
    /// Machine name.
    pub machine: String,
    /// Test rows.
    pub rows: usize,
    /// The scores.
    pub scores: DetectorScores,
    /// What Forewarn raised, and how long it took.
    pub forewarn: ForewarnRun,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Rows before a segment's start an alert still counts for it.
    pub early_rows: usize,
    /// Per machine, in name order.
    pub machines: Vec<MachineReport>,
    /// Macro averages.
    pub mean: DetectorScores,
    /// Machines where Forewarn's F1 is above the z-score's.
    pub above_zscore: usize,
}

impl Report {
    /// Averages over `machines`.
    pub fn new(early_rows: usize, machines: Vec<MachineReport>) -> Self {
        let each = |f: fn(&DetectorScores) -> Score| {
            Score::mean(&machines.iter().map(|m| f(&m.scores)).collect::<Vec<_>>())
        };
        let mean = DetectorScores {
            forewarn: each(|s| s.forewarn),
            zscore: each(|s| s.zscore),
            random: each(|s| s.random),
        };
        let above_zscore = machines
            .iter()
            .filter(|m| m.scores.forewarn.f1 > m.scores.zscore.f1)
            .count();
        Self {
            early_rows,
            machines,
            mean,
            above_zscore,
        }
    }

    /// The report as a Markdown table (one line per machine, then the mean).
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Incident-level scores, no point-adjust, alerts up to {} rows early count.\n",
            self.early_rows
        );
        let _ = writeln!(
            out,
            "| machine | segments | forewarn alerts | P | R | F1 | zscore alerts | P | R | F1 | random F1 |"
        );
        let _ = writeln!(
            out,
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        let line = |out: &mut String, name: &str, segs: String, s: &DetectorScores| {
            let _ = writeln!(
                out,
                "| {name} | {segs} | {} | {:.3} | {:.3} | {:.3} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
                s.forewarn.alerts,
                s.forewarn.precision,
                s.forewarn.recall,
                s.forewarn.f1,
                s.zscore.alerts,
                s.zscore.precision,
                s.zscore.recall,
                s.zscore.f1,
                s.random.f1,
            );
        };
        for m in &self.machines {
            line(
                &mut out,
                &m.machine,
                m.scores.forewarn.segments.to_string(),
                &m.scores,
            );
        }
        line(&mut out, "**mean**", String::new(), &self.mean);
        let _ = writeln!(
            out,
            "\nForewarn above the z-score on {} of {} machines.",
            self.above_zscore,
            self.machines.len()
        );
        out
    }
}
