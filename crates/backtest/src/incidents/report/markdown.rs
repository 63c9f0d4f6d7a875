//! `report.md`: the summary table (Forewarn beside the baselines) and one
//! line per incident.

use std::fmt::Write as _;

use super::super::{Evaluation, Outcome};
use super::table::{human_secs, opt_s, summary_rows};

/// The Markdown summary.
pub fn markdown(eval: &Evaluation, title: &str) -> String {
    let mut md = format!("# Backtest: {title}\n\n");
    let _ = writeln!(
        md,
        "{:.1} service-days. An alert counts for an incident of its service from {} before the labelled onset until recovery; \
         an incident is *predicted* when announced before its failure time.\n",
        eval.service_days,
        human_secs(eval.matching.early_tolerance_s)
    );
    let names: Vec<&str> = eval.summaries.iter().map(|s| s.detector).collect();
    let _ = writeln!(md, "| | {} |", names.join(" | "));
    let _ = writeln!(md, "|---|{}", "---:|".repeat(names.len()));
    for (label, vals) in summary_rows(&eval.summaries) {
        let _ = writeln!(md, "| {label} | {} |", vals.join(" | "));
    }
    let _ = writeln!(md, "\n## Incidents\n");
    let _ = writeln!(
        md,
        "| incident | service | kind | failure | {} |",
        names.join(" | ")
    );
    let _ = writeln!(md, "|---|---|---|---|{}", "---|".repeat(names.len()));
    let ids: Vec<&str> = eval
        .incidents
        .iter()
        .filter(|r| r.detector == names[0])
        .map(|r| r.incident_id.as_str())
        .collect();
    for id in ids {
        let rows: Vec<_> = eval
            .incidents
            .iter()
            .filter(|r| r.incident_id == id)
            .collect();
        let first = rows[0];
        let cells: Vec<String> = rows
            .iter()
            .map(|r| match r.outcome {
                Outcome::Early => format!("early by {}", opt_s(r.lead_s)),
                o => o.as_str().to_string(),
            })
            .collect();
        let _ = writeln!(
            md,
            "| {id} | {} | {} | {} | {} |",
            first.service,
            serde_json::to_value(first.issue_kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            first.failure.format("%Y-%m-%d %H:%M"),
            cells.join(" | ")
        );
    }
    md
}
