//! The HTML report: one self-contained page (inline CSS and SVG, no
//! script, nothing fetched) with the fleet summary, the recovery-time
//! distribution, and per service its figures, SLO burn-down, timeline,
//! incidents, prevented outages and actions.

use std::fmt::Write;

use super::markdown::{dur, pct, rows, signed_dur, when};
use super::svg::{burn_down, esc, histogram, timeline, wire};
use super::{Report, ServiceReport};
use crate::snapshot::human_duration;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:820px;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.2em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:14px}\
th{background:#f3f3f3}h2{border-bottom:2px solid #06c}.muted{color:#666;font-size:13px}\
.legend span{display:inline-block;margin-right:1em;font-size:12px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px}\
.ok{color:#3a3}.bad{color:#d33}";

fn service_html(out: &mut String, r: &Report, s: &ServiceReport) {
    let _ = write!(out, "<h3 id=\"svc-{0}\">{0}</h3>", esc(&s.service));
    out.push_str("<table>");
    for (k, v) in rows(&s.figures) {
        let _ = write!(out, "<tr><th>{k}</th><td>{}</td></tr>", esc(&v));
    }
    out.push_str("</table>");
    for (slo, down) in s.slos.iter().zip(&s.burn_down) {
        let class = if slo.budget_left_ratio < 0.0 {
            "bad"
        } else {
            "ok"
        };
        let _ = write!(
            out,
            "<p><b>SLO</b> {} {} over {}: SLI {}, budget {} ({} spent), <span class=\"{class}\">{} left ({})</span>.{}</p>",
            esc(&slo.label()),
            pct(Some(slo.objective)),
            human_duration(slo.period_s),
            pct(slo.sli),
            human_duration(slo.budget_total_s),
            human_duration(slo.budget_consumed_s),
            signed_dur(slo.budget_left_s),
            pct(Some(slo.budget_left_ratio)),
            if slo.alerts.is_empty() {
                String::new()
            } else {
                format!(
                    " <b class=\"bad\">Firing: {}</b>",
                    esc(&slo.alerts.join("; "))
                )
            }
        );
        out.push_str("<table><tr><th>Windows</th><th>Factor</th><th>Burn long</th><th>Burn short</th><th>Fires</th></tr>");
        for b in &slo.burn_rates {
            let f = |x: Option<f64>| x.map_or("–".into(), |x| format!("{x:.2}"));
            let _ = write!(
                out,
                "<tr><td>{} / {}</td><td>{} ({})</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                human_duration(b.long_s),
                human_duration(b.short_s),
                b.factor,
                b.severity,
                f(b.long_rate),
                f(b.short_rate),
                if b.firing {
                    "<b class=\"bad\">yes</b>"
                } else {
                    "no"
                }
            );
        }
        out.push_str("</table><p class=\"muted\">Error budget left across the range:</p>");
        out.push_str(&burn_down(&s.service, down, r.from, r.to));
    }
    out.push_str("<p class=\"muted\">Timeline: predictions above the bar, actions below (filled: executed).</p>");
    out.push_str(&timeline(s, r.from, r.to));
    if !s.incidents.is_empty() {
        out.push_str("<table><tr><th>Start</th><th>Duration</th><th>Cause</th><th>Predicted ahead</th><th>Time to detect</th><th>Recovered</th></tr>");
        for i in &s.incidents {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                when(i.start),
                i.time_to_recover_s
                    .map_or("ongoing".to_string(), human_duration),
                esc(&i.cause),
                i.lead_time_s.map_or("no".to_string(), |l| format!(
                    "{} before",
                    human_duration(l)
                )),
                dur(i.time_to_detect_s),
                match i.recovered_automatically {
                    Some(true) => format!("automatically: {}", esc(&i.recovery_actions.join("; "))),
                    Some(false) => "other".into(),
                    None => "–".into(),
                }
            );
        }
        out.push_str("</table>");
    }
    if !s.prevented.is_empty() {
        out.push_str(
            "<p><b>Outages prevented</b> (no failure within the window, after an action):</p><ul>",
        );
        for p in &s.prevented {
            let acts: Vec<String> = p
                .actions
                .iter()
                .map(|a| {
                    format!(
                        "{} at {}: {}, {}",
                        wire(&a.action),
                        when(a.ts),
                        wire(&a.status),
                        match a.verified {
                            Some(true) => "verified: the issue cleared",
                            Some(false) => "verified: the issue stayed",
                            None => "not verified",
                        }
                    )
                })
                .collect();
            let _ = write!(
                out,
                "<li><code>{}</code> {} (p={:.2}), opened {}, window to {}: {}</li>",
                esc(&p.issue_id),
                wire(&p.kind),
                p.probability,
                when(p.opened_at),
                when(p.window_end),
                esc(&acts.join("; "))
            );
        }
        out.push_str("</ul>");
    }
    if !s.actions.is_empty() {
        out.push_str("<details><summary>Actions</summary><table><tr><th>When</th><th>Action</th><th>Mode</th><th>Result</th><th>Verified</th><th>Detail</th></tr>");
        for a in &s.actions {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                when(a.ts),
                wire(&a.action),
                wire(&a.mode),
                wire(&a.status),
                a.verified.map_or("–", |v| if v { "yes" } else { "no" }),
                esc(&a.detail)
            );
        }
        out.push_str("</table></details>");
    }
}

/// The report as one self-contained HTML page.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Forewarn reliability report</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(
        out,
        "<h1>Reliability report</h1><p class=\"muted\">{} to {} UTC ({}), {} services; {} events read ({} duplicates dropped).</p>",
        when(r.from),
        when(r.to),
        human_duration((r.to - r.from).num_milliseconds() as f64 / 1000.0),
        r.services.len(),
        r.intake.folded,
        r.intake.duplicates
    );
    out.push_str("<h2>Fleet</h2><table>");
    for (k, v) in rows(&r.fleet) {
        let _ = write!(out, "<tr><th>{k}</th><td>{}</td></tr>", esc(&v));
    }
    out.push_str("</table><h3>Recovery time</h3>");
    out.push_str(&histogram(&r.fleet.recovery_histogram));
    out.push_str("<h2>Services</h2><table><tr><th>Service</th><th>Uptime</th><th>Incidents</th><th>Predicted ahead</th><th>MTTR</th><th>Prevented</th><th>False alarms</th><th>Budget left</th></tr>");
    for s in &r.services {
        let f = &s.figures;
        let _ = write!(
            out,
            "<tr><td><a href=\"#svc-{0}\">{0}</a></td><td>{1}</td><td>{2}</td><td>{3}</td><td>{4}</td><td>{5}</td><td>{6}</td><td>{7}</td></tr>",
            esc(&s.service),
            pct(f.uptime),
            f.incidents,
            f.predicted_ahead,
            dur(f.time_to_recover_s.mean),
            f.outages_prevented,
            f.false_alarms,
            s.slos
                .first()
                .map_or("–".into(), |s| pct(Some(s.budget_left_ratio)))
        );
    }
    out.push_str("</table><p class=\"legend\"><span><i class=\"sw\" style=\"background:#3a3\"></i>up</span><span><i class=\"sw\" style=\"background:#d33\"></i>down</span><span><i class=\"sw\" style=\"background:#ddd\"></i>not observed</span><span><i class=\"sw\" style=\"background:#06c\"></i>predicted ahead / action executed</span><span><i class=\"sw\" style=\"background:#0a6\"></i>outage prevented</span><span><i class=\"sw\" style=\"background:#e80\"></i>false alarm</span><span><i class=\"sw\" style=\"background:#888\"></i>other prediction</span></p>");
    out.push_str("<h2>SLOs</h2><table><tr><th>Service</th><th>SLO</th><th>Objective</th><th>SLI</th><th>Budget left</th><th>Fastest burn</th><th>Alerts firing</th></tr>");
    for s in &r.services {
        for slo in &s.slos {
            let class = if slo.alerts.is_empty() { "ok" } else { "bad" };
            let _ = write!(
                out,
                "<tr><td><a href=\"#svc-{0}\">{0}</a></td><td>{1}</td><td>{2}</td><td>{3}</td><td>{4}</td><td>{5}</td><td class=\"{class}\">{6}</td></tr>",
                esc(&s.service),
                esc(&slo.label()),
                pct(Some(slo.objective)),
                pct(slo.sli),
                pct(Some(slo.budget_left_ratio)),
                slo.fastest_burn_rate
                    .map_or("–".into(), |b| format!("{b:.2}")),
                if slo.alerts.is_empty() {
                    "–".to_string()
                } else {
                    esc(&slo.alerts.join("; "))
                }
            );
        }
    }
    out.push_str("</table>");
    for s in &r.services {
        service_html(&mut out, r, s);
    }
    out.push_str("</body></html>\n");
    out
}
