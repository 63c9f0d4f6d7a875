//! The Markdown report: the same figures as the JSON, as tables: the
//! fleet, the recovery-time distribution, then per service its SLO (budget
//! and burn rates), incidents, prevented outages (with their evidence),
//! false alarms and actions.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::{Figures, Report, ServiceReport, Spread};
use crate::slo::SloStatus;
use crate::snapshot::human_duration;
use crate::state::records::PredictionClass;

/// A share as a percentage with enough digits to tell 99.9 from 99.99.
pub(crate) fn pct(x: Option<f64>) -> String {
    match x {
        Some(x) => {
            let p = x * 100.0;
            if (p - p.round()).abs() < 1e-9 {
                format!("{p:.0} %")
            } else if p > 99.0 && p < 100.0 {
                format!("{p:.3} %")
            } else {
                format!("{p:.1} %")
            }
        }
        None => "–".into(),
    }
}

/// A duration in seconds in words, or a dash.
pub(crate) fn dur(x: Option<f64>) -> String {
    x.map_or("–".into(), human_duration)
}

/// A signed duration (a budget left may be negative).
pub(crate) fn signed_dur(x: f64) -> String {
    if x < 0.0 {
        format!("−{}", human_duration(-x))
    } else {
        human_duration(x)
    }
}

pub(crate) fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn spread(s: &Spread) -> String {
    if s.count == 0 {
        return "–".into();
    }
    format!(
        "mean {}, median {}, p90 {}, max {}",
        dur(s.mean),
        dur(s.median),
        dur(s.p90),
        dur(s.max)
    )
}

/// The rows of a figures table: (label, value).
pub(crate) fn rows(f: &Figures) -> Vec<(&'static str, String)> {
    let a = &f.actions;
    let reasons = if a.skipped_by_reason.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = a
            .skipped_by_reason
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect();
        format!(" ({})", list.join(", "))
    };
    vec![
        ("Uptime", pct(f.uptime)),
        (
            "Down time",
            format!(
                "{} of {} observed",
                human_duration(f.down_s),
                human_duration(f.observed_s)
            ),
        ),
        (
            "Incidents",
            format!("{} ({} still open)", f.incidents, f.incidents_open),
        ),
        (
            "Predicted ahead",
            format!("{} of {}", f.predicted_ahead, f.incidents),
        ),
        ("Lead time", spread(&f.lead_time_s)),
        (
            "MTTD",
            format!(
                "{} ({} detected, {} undetected)",
                dur(f.time_to_detect_s.mean),
                f.detected,
                f.undetected
            ),
        ),
        ("MTTR", dur(f.time_to_recover_s.mean)),
        ("Recovery time", spread(&f.time_to_recover_s)),
        (
            "Recovered automatically",
            format!(
                "{} of {} ({})",
                f.recovered_automatically,
                f.time_to_recover_s.count,
                pct(f.recovered_automatically_share)
            ),
        ),
        ("Predictions", f.predictions.to_string()),
        ("Outages prevented", f.outages_prevented.to_string()),
        ("False alarms", f.false_alarms.to_string()),
        (
            "Other predictions",
            format!(
                "{} not confirmed, {} pending, {} during an outage",
                f.not_confirmed, f.pending, f.during_outage
            ),
        ),
        (
            "Actions taken",
            format!(
                "{} ({} succeeded, {} failed, {} in progress)",
                a.taken, a.succeeded, a.failed, a.in_progress
            ),
        ),
        ("Actions skipped", format!("{}{reasons}", a.skipped)),
    ]
}

fn slo_md(out: &mut String, s: &SloStatus) {
    let _ = writeln!(
        out,
        "**SLO** {} {} over {}: SLI {}, error budget {} of which {} spent, {} left ({}).{}\n",
        s.label(),
        pct(Some(s.objective)),
        human_duration(s.period_s),
        pct(s.sli),
        human_duration(s.budget_total_s),
        human_duration(s.budget_consumed_s),
        signed_dur(s.budget_left_s),
        pct(Some(s.budget_left_ratio)),
        if s.alerts.is_empty() {
            String::new()
        } else {
            format!(" Alerts firing: {}.", s.alerts.join("; "))
        }
    );
    out.push_str("| Windows (long/short) | Factor | Burn long | Burn short | Fires |\n|---|---|---|---|---|\n");
    for b in &s.burn_rates {
        let r = |x: Option<f64>| x.map_or("–".into(), |x| format!("{x:.2}"));
        let _ = writeln!(
            out,
            "| {} / {} | {} ({}) | {} | {} | {} |",
            human_duration(b.long_s),
            human_duration(b.short_s),
            b.factor,
            b.severity,
            r(b.long_rate),
            r(b.short_rate),
            if b.firing { "yes" } else { "no" }
        );
    }
    out.push('\n');
}

fn service_md(out: &mut String, s: &ServiceReport) {
    let _ = writeln!(out, "### {}\n", s.service);
    for slo in &s.slos {
        slo_md(out, slo);
    }
    if !s.incidents.is_empty() {
        out.push_str("| Incident start | Duration | Cause | Predicted ahead | Time to detect | Recovered | How |\n|---|---|---|---|---|---|---|\n");
        for i in &s.incidents {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                when(i.start),
                i.time_to_recover_s
                    .map_or("ongoing".to_string(), human_duration),
                i.cause,
                i.lead_time_s.map_or("no".to_string(), |l| format!(
                    "{} before",
                    human_duration(l)
                )),
                dur(i.time_to_detect_s),
                match i.recovered_automatically {
                    Some(true) => "automatically",
                    Some(false) => "other",
                    None => "–",
                },
                i.recovery_actions.join("; ")
            );
        }
        out.push('\n');
    }
    if !s.prevented.is_empty() {
        out.push_str(
            "Outages prevented (no failure within the prediction's window after an action):\n\n",
        );
        for p in &s.prevented {
            let actions: Vec<String> = p
                .actions
                .iter()
                .map(|a| {
                    format!(
                        "{} at {} {}{}",
                        crate::report::svg::wire(&a.action),
                        when(a.ts),
                        crate::report::svg::wire(&a.status),
                        match a.verified {
                            Some(true) => ", verified: the issue cleared",
                            Some(false) => ", verified: the issue stayed",
                            None => ", not verified",
                        }
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "- issue `{}` {} (p={:.2}) opened {}, window to {}: {}",
                p.issue_id,
                crate::report::svg::wire(&p.kind),
                p.probability,
                when(p.opened_at),
                when(p.window_end),
                actions.join("; ")
            );
        }
        out.push('\n');
    }
    let alarms: Vec<String> = s
        .predictions
        .iter()
        .filter(|p| p.class == PredictionClass::FalseAlarm)
        .map(|p| {
            format!(
                "`{}` {} at {}",
                p.id.chars().take(8).collect::<String>(),
                crate::report::svg::wire(&p.kind),
                when(p.opened_at)
            )
        })
        .collect();
    if !alarms.is_empty() {
        let _ = writeln!(out, "False alarms: {}.\n", alarms.join(", "));
    }
    if s.not_listed.iter().any(|n| *n > 0) {
        let _ = writeln!(
            out,
            "Counted but no longer listed (memory caps): {} incidents, {} predictions, {} actions.\n",
            s.not_listed[0], s.not_listed[1], s.not_listed[2]
        );
    }
}

/// The report as Markdown.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Reliability report\n\n{} to {} UTC ({}), {} services; {} events read ({} duplicates dropped).\n",
        when(r.from),
        when(r.to),
        human_duration((r.to - r.from).num_milliseconds() as f64 / 1000.0),
        r.services.len(),
        r.intake.folded,
        r.intake.duplicates
    );
    out.push_str("## Fleet\n\n| | |\n|---|---|\n");
    for (k, v) in rows(&r.fleet) {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    out.push_str("\n### Recovery time\n\n| Within | Incidents |\n|---|---|\n");
    for b in &r.fleet.recovery_histogram {
        let _ = writeln!(
            out,
            "| {} | {} |",
            b.le_s.map_or("longer".into(), human_duration),
            b.count
        );
    }
    out.push_str("\n## Services\n\n| Service | Uptime | Incidents | Predicted ahead | MTTR | Auto-recovered | Prevented | False alarms | Budget left | Fastest burn |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for s in &r.services {
        let f = &s.figures;
        let slo = s.slos.first();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.service,
            pct(f.uptime),
            f.incidents,
            f.predicted_ahead,
            dur(f.time_to_recover_s.mean),
            pct(f.recovered_automatically_share),
            f.outages_prevented,
            f.false_alarms,
            slo.map_or("–".into(), |s| pct(Some(s.budget_left_ratio))),
            slo.and_then(|s| s.fastest_burn_rate)
                .map_or("–".into(), |b| format!("{b:.2}"))
        );
    }
    out.push_str("\n## SLOs\n\n| Service | SLO | Objective | SLI | Budget left | Fastest burn | Alerts firing |\n|---|---|---|---|---|---|---|\n");
    for s in &r.services {
        for slo in &s.slos {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                s.service,
                slo.label(),
                pct(Some(slo.objective)),
                pct(slo.sli),
                pct(Some(slo.budget_left_ratio)),
                slo.fastest_burn_rate
                    .map_or("–".into(), |b| format!("{b:.2}")),
                if slo.alerts.is_empty() {
                    "–".to_string()
                } else {
                    slo.alerts.join("; ")
                }
            );
        }
    }
    out.push('\n');
    for s in &r.services {
        service_md(&mut out, s);
    }
    out
}
