//! The report's plots as inline SVG, built by hand (no script, no CDN):
//! a service's timeline (observed up/down, predictions and actions), the
//! recovery-time histogram and the error-budget burn-down.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::{Bucket, BurnDown, ServiceReport};
use crate::snapshot::human_duration;
use crate::state::records::{ActionStatus, PredictionClass};

const W: f64 = 760.0;
const PAD: f64 = 50.0;

/// A value's wire name (its serde name), e.g. `memory_exhaustion`.
pub(crate) fn wire<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unknown".into(),
    }
}

/// Text escaped for HTML and SVG.
pub(crate) fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn x_of(t: DateTime<Utc>, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    let span = (to - from).num_milliseconds().max(1) as f64;
    let off = (t - from).num_milliseconds() as f64;
    PAD + (off / span).clamp(0.0, 1.0) * (W - 2.0 * PAD)
}

fn axis(out: &mut String, from: DateTime<Utc>, to: DateTime<Utc>, y: f64) {
    for i in 0..=4 {
        let t = from + (to - from) * i / 4;
        let x = x_of(t, from, to);
        let _ = write!(
            out,
            r##"<line x1="{x:.1}" y1="{y:.1}" x2="{x:.1}" y2="{:.1}" stroke="#999"/><text x="{x:.1}" y="{:.1}" font-size="10" text-anchor="middle">{}</text>"##,
            y + 4.0,
            y + 15.0,
            t.format("%m-%d %H:%M")
        );
    }
}

/// A service's timeline over `[from, to)`: a bar green where up, red
/// where down, grey before it was observed; predictions above it
/// (triangles, coloured by class), actions below it (diamonds, filled
/// when executed).
pub(crate) fn timeline(s: &ServiceReport, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} 90" width="{W}" height="90" role="img" aria-label="timeline of {}">"#,
        esc(&s.service)
    );
    let (x0, x1) = (x_of(from, from, to), x_of(to, from, to));
    let _ = write!(
        out,
        r##"<rect x="{x0:.1}" y="30" width="{:.1}" height="18" fill="#ddd"><title>not observed</title></rect>"##,
        x1 - x0
    );
    if let Some(obs) = s.observed_from {
        let xs = x_of(obs, from, to);
        let _ = write!(
            out,
            r##"<rect x="{xs:.1}" y="30" width="{:.1}" height="18" fill="#3a3"><title>up</title></rect>"##,
            (x1 - xs).max(0.0)
        );
    }
    for d in &s.down {
        let (a, b) = (x_of(d.from, from, to), x_of(d.to, from, to));
        let _ = write!(
            out,
            r##"<rect x="{a:.1}" y="30" width="{:.1}" height="18" fill="#d33"><title>down {} to {} ({})</title></rect>"##,
            (b - a).max(1.0),
            d.from.format("%m-%d %H:%M:%S"),
            d.to.format("%m-%d %H:%M:%S"),
            human_duration((d.to - d.from).num_milliseconds() as f64 / 1000.0)
        );
    }
    for p in &s.predictions {
        let x = x_of(p.opened_at, from, to);
        let colour = match p.class {
            PredictionClass::PredictedAhead => "#06c",
            PredictionClass::OutagePrevented => "#0a6",
            PredictionClass::FalseAlarm => "#e80",
            PredictionClass::Observed => "#900",
            _ => "#888",
        };
        let _ = write!(
            out,
            r#"<path d="M{:.1} 14 L{:.1} 26 L{:.1} 14 Z" fill="{colour}"><title>{} {} (p={:.2}): {}</title></path>"#,
            x - 5.0,
            x,
            x + 5.0,
            p.opened_at.format("%m-%d %H:%M:%S"),
            wire(&p.kind),
            p.probability,
            p.class.as_str()
        );
    }
    for a in &s.actions {
        let x = x_of(a.ts, from, to);
        let (fill, stroke) = match (a.executed(), a.status) {
            (false, _) => ("none", "#666"),
            (true, ActionStatus::Succeeded | ActionStatus::InProgress) => ("#06c", "#06c"),
            (true, _) => ("#d33", "#d33"),
        };
        let _ = write!(
            out,
            r#"<path d="M{x:.1} 52 L{:.1} 58 L{x:.1} 64 L{:.1} 58 Z" fill="{fill}" stroke="{stroke}"><title>{} {} {}: {}</title></path>"#,
            x + 5.0,
            x - 5.0,
            a.ts.format("%m-%d %H:%M:%S"),
            wire(&a.action),
            wire(&a.status),
            esc(&a.detail)
        );
    }
    axis(&mut out, from, to, 68.0);
    out.push_str("</svg>");
    out
}

/// The recovery-time histogram.
pub(crate) fn histogram(buckets: &[Bucket]) -> String {
    let h = 160.0;
    let max = buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let n = buckets.len().max(1) as f64;
    let bw = (W - 2.0 * PAD) / n;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {}" width="{W}" height="{}" role="img" aria-label="recovery-time distribution">"#,
        h + 40.0,
        h + 40.0
    );
    for (i, b) in buckets.iter().enumerate() {
        let bh = b.count as f64 / max * h;
        let x = PAD + i as f64 * bw;
        let label = b
            .le_s
            .map_or("longer".to_string(), |s| format!("≤ {}", human_duration(s)));
        let _ = write!(
            out,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="#06c"><title>{label}: {}</title></rect><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{label}</text>"##,
            x + 4.0,
            10.0 + h - bh,
            bw - 8.0,
            b.count,
            x + bw / 2.0,
            (6.0 + h - bh).max(10.0),
            b.count,
            x + bw / 2.0,
            h + 28.0
        );
    }
    out.push_str("</svg>");
    out
}

/// The error budget left across the range (1 untouched, 0 spent): a
/// line, with the zero line dashed.
pub(crate) fn burn_down(
    service: &str,
    b: &BurnDown,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> String {
    let h = 120.0;
    let lo = b
        .points
        .iter()
        .map(|p| p.left)
        .fold(0.0_f64, f64::min)
        .max(-10.0);
    let y_of = |v: f64| 10.0 + (1.0 - (v.clamp(lo, 1.0) - lo) / (1.0 - lo)) * h;
    let mut out = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {}" width="{W}" height="{}" role="img" aria-label="{} error budget burn-down of {}">"#,
        h + 40.0,
        h + 40.0,
        esc(&b.slo),
        esc(service)
    );
    let (z, one) = (y_of(0.0), y_of(1.0));
    let _ = write!(
        out,
        r##"<line x1="{PAD}" y1="{z:.1}" x2="{:.1}" y2="{z:.1}" stroke="#d33" stroke-dasharray="4 3"/><text x="4" y="{:.1}" font-size="10">0 %</text><text x="4" y="{:.1}" font-size="10">100 %</text>"##,
        W - PAD,
        z + 3.0,
        one + 3.0
    );
    if lo < 0.0 {
        let _ = write!(
            out,
            r#"<text x="4" y="{:.1}" font-size="10">{:.0} %</text>"#,
            y_of(lo) + 3.0,
            lo * 100.0
        );
    }
    let points: Vec<String> = b
        .points
        .iter()
        .map(|p| format!("{:.1},{:.1}", x_of(p.at, from, to), y_of(p.left)))
        .collect();
    let _ = write!(
        out,
        r##"<polyline points="{}" fill="none" stroke="#06c" stroke-width="2"/>"##,
        points.join(" ")
    );
    axis(&mut out, from, to, h + 14.0);
    out.push_str("</svg>");
    out
}
