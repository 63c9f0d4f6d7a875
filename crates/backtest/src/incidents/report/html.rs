//! `report.html`: the Markdown's tables as HTML and one SVG plot per
//! labelled incident and trap (the series behind it, the labelled window,
//! every detector's alerts, Forewarn's predicted failure times and the
//! probability of its events), drawn with plotters.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::PredictedIssue;
use forewarn_sim::Labels;
use forewarn_train::History;
use plotters::prelude::*;

use super::super::{Alert, Evaluation};
use super::table::{opt_s, summary_rows};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const COLORS: [RGBColor; 3] = [
    RGBColor(200, 30, 30),
    RGBColor(230, 140, 0),
    RGBColor(110, 110, 110),
];

/// The HTML report: tables and one plot per incident and trap.
pub fn html(
    eval: &Evaluation,
    labels: &Labels,
    history: &History,
    events: &[PredictedIssue],
    title: &str,
) -> String {
    let names: Vec<&str> = eval.summaries.iter().map(|s| s.detector).collect();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Backtest: {t}</title><style>\
         body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}\
         td:first-child,th:first-child{{text-align:left}}.early{{background:#e3f5e1}}.late{{background:#fff3cd}}.missed{{background:#f8d7da}}\
         figure{{margin:1em 0}}figcaption{{font-size:90%;color:#555}}</style></head><body><h1>Backtest: {t}</h1>",
        t = esc(title)
    );
    let _ = write!(
        h,
        "<p>{:.1} service-days; {} labelled incidents, {} traps. Legend: ",
        eval.service_days,
        labels.incidents.len(),
        labels.traps.len()
    );
    for (i, n) in names.iter().enumerate() {
        let c = COLORS[i % COLORS.len()];
        let _ = write!(
            h,
            "<span style=\"color:rgb({},{},{})\">▲ {n}</span> ",
            c.0, c.1, c.2
        );
    }
    let _ = write!(
        h,
        "alerts; ✕ Forewarn's predicted failure time; shaded: labelled onset → failure.</p>"
    );
    let _ = write!(h, "<h2>Summary</h2><table><tr><th></th>");
    for n in &names {
        let _ = write!(h, "<th>{n}</th>");
    }
    h.push_str("</tr>");
    for (label, vals) in summary_rows(&eval.summaries) {
        let _ = write!(h, "<tr><td>{label}</td>");
        for v in vals {
            let _ = write!(h, "<td>{}</td>", esc(&v));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table><h2>Incidents</h2>");
    for inc in &labels.incidents {
        let rows: Vec<_> = eval
            .incidents
            .iter()
            .filter(|r| r.incident_id == inc.id)
            .collect();
        let _ = write!(
            h,
            "<h3>{} · {} · {}</h3><p>{}</p><table><tr><th>detector</th><th>outcome</th><th>first alert</th><th>lead</th><th>predicted failure</th><th>root cause named</th></tr>",
            esc(&inc.id),
            esc(&inc.service),
            esc(&format!("{:?}", inc.kind)),
            esc(&inc.description)
        );
        for r in &rows {
            let a = r.alert.as_ref();
            let _ = write!(
                h,
                "<tr class=\"{o}\"><td>{}</td><td>{o}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.detector,
                a.map_or("–".into(), |a| a
                    .detected_at
                    .format("%m-%d %H:%M")
                    .to_string()),
                opt_s(r.lead_s),
                a.and_then(|a| a.predicted_failure_at)
                    .map_or("–".into(), |p| format!(
                        "{} (Δ {})",
                        p.format("%m-%d %H:%M"),
                        opt_s(r.failure_time_error_s)
                    )),
                a.and_then(|a| a.root_cause_service.clone())
                    .map_or("–".into(), |s| esc(&s)),
                o = r.outcome.as_str(),
            );
        }
        h.push_str("</table>");
        let (service, instance, metric) = (
            inc.service.as_str(),
            inc.instance.as_deref(),
            inc.signal.metric.to_string(),
        );
        let span = Span {
            from: inc.onset - chrono::TimeDelta::hours(2),
            to: inc.recovery + chrono::TimeDelta::minutes(30),
            shade: Some((inc.onset, inc.failure)),
            mark: Some(inc.failure),
            threshold: Some(inc.signal.threshold),
        };
        h.push_str(&figure(
            eval, &names, history, events, service, instance, &metric, &span,
        ));
    }
    if !labels.traps.is_empty() {
        h.push_str("<h2>Traps (no failure: every alert here is a false alarm)</h2>");
    }
    for trap in &labels.traps {
        let _ = write!(
            h,
            "<h3>{} · {} · {:?}</h3><p>{}</p>",
            esc(&trap.id),
            esc(&trap.service),
            trap.kind,
            esc(&trap.description)
        );
        let span = Span {
            from: trap.start - chrono::TimeDelta::hours(2),
            to: trap.end + chrono::TimeDelta::hours(1),
            shade: Some((trap.start, trap.end)),
            mark: None,
            threshold: None,
        };
        h.push_str(&figure(
            eval,
            &names,
            history,
            events,
            &trap.service,
            trap.instance.as_deref(),
            // Traps are the simulator's (load spikes, batch jobs): its CPU.
            forewarn_sim::Metric::CpuUtilization.name(),
            &span,
        ));
    }
    h.push_str("</body></html>\n");
    h
}

struct Span {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    shade: Option<(DateTime<Utc>, DateTime<Utc>)>,
    mark: Option<DateTime<Utc>>,
    threshold: Option<f64>,
}

#[allow(clippy::too_many_arguments)]
fn figure(
    eval: &Evaluation,
    names: &[&str],
    history: &History,
    events: &[PredictedIssue],
    service: &str,
    instance: Option<&str>,
    metric: &str,
    span: &Span,
) -> String {
    let series = history.series.iter().find(|s| {
        s.key.service == service
            && s.key.metric == metric
            && instance.is_none_or(|i| s.key.instance == i)
    });
    let Some(series) = series else {
        return format!("<p><em>no series {service}/{metric} in the data</em></p>");
    };
    let alerts: Vec<&Alert> = eval
        .alerts
        .iter()
        .map(|r| &r.alert)
        .filter(|a| a.service == service && a.detected_at >= span.from && a.detected_at <= span.to)
        .collect();
    let probs: Vec<(f64, f64)> = events
        .iter()
        .filter(|e| e.service == service && e.detected_at >= span.from && e.detected_at <= span.to)
        .map(|e| (hours(span, e.detected_at), e.probability))
        .collect();
    match plot(series, names, &alerts, &probs, span, events, service) {
        Ok(svg) => format!(
            "<figure>{svg}<figcaption>{}/{} {metric}; hours relative to the start of the shaded window</figcaption></figure>",
            esc(service),
            esc(&series.key.instance)
        ),
        Err(e) => format!("<p><em>plot failed: {}</em></p>", esc(&e.to_string())),
    }
}

fn hours(span: &Span, t: DateTime<Utc>) -> f64 {
    let zero = span.shade.map_or(span.from, |s| s.0);
    (t - zero).num_milliseconds() as f64 / 3_600_000.0
}

fn plot(
    series: &forewarn_train::Series,
    names: &[&str],
    alerts: &[&Alert],
    probs: &[(f64, f64)],
    span: &Span,
    events: &[PredictedIssue],
    service: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    let (from_ms, to_ms) = (span.from.timestamp_millis(), span.to.timestamp_millis());
    let pts: Vec<(f64, f64)> = series
        .points()
        .filter(|(t, v)| *t >= from_ms && *t <= to_ms && v.is_finite())
        .map(|(t, v)| {
            (
                hours(span, DateTime::from_timestamp_millis(t).unwrap_or_default()),
                v,
            )
        })
        .collect();
    let (x0, x1) = (hours(span, span.from), hours(span, span.to));
    let mut lo = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let mut hi = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    if let Some(t) = span.threshold {
        lo = lo.min(t);
        hi = hi.max(t);
    }
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 1e-6).max(1e-9);
    let (y0, y1) = (lo - pad, hi + pad);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 330)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, bottom) = root.split_vertically(240);
        let mut c = ChartBuilder::on(&top)
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        c.configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .y_labels(5)
            .x_labels(10)
            .y_label_formatter(&|v| short_number(*v))
            .x_label_formatter(&|v| format!("{v:+.1} h"))
            .draw()?;
        if let Some((a, b)) = span.shade {
            c.draw_series(std::iter::once(Rectangle::new(
                [(hours(span, a), y0), (hours(span, b), y1)],
                RGBColor(250, 215, 215).mix(0.6).filled(),
            )))?;
        }
        if let Some(t) = span.threshold {
            c.draw_series(LineSeries::new(
                vec![(x0, t), (x1, t)],
                RGBColor(150, 0, 0).stroke_width(1),
            ))?;
        }
        c.draw_series(LineSeries::new(pts, RGBColor(30, 90, 180).stroke_width(1)))?;
        if let Some(m) = span.mark {
            let x = hours(span, m);
            c.draw_series(LineSeries::new(
                vec![(x, y0), (x, y1)],
                RGBColor(150, 0, 0).stroke_width(2),
            ))?;
        }
        for a in alerts {
            let i = names.iter().position(|n| *n == a.detector).unwrap_or(0);
            let color = COLORS[i % COLORS.len()];
            let y = y1 - (y1 - y0) * (0.04 + 0.06 * i as f64);
            c.draw_series(std::iter::once(TriangleMarker::new(
                (hours(span, a.detected_at), y),
                6,
                color.filled(),
            )))?;
        }
        let predicted: Vec<(f64, f64)> = events
            .iter()
            .filter(|e| e.service == service)
            .filter_map(|e| e.predicted_failure_at.map(|p| (e.detected_at, p)))
            .filter(|(d, p)| *d >= span.from && *d <= span.to && *p <= span.to)
            .map(|(_, p)| {
                (
                    hours(span, p),
                    span.threshold.unwrap_or(y1 - (y1 - y0) * 0.3),
                )
            })
            .collect();
        c.draw_series(
            predicted
                .into_iter()
                .map(|p| Cross::new(p, 5, COLORS[0].stroke_width(2))),
        )?;
        let mut p = ChartBuilder::on(&bottom)
            .margin(6)
            .x_label_area_size(20)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0.0..1.05)?;
        p.configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .y_labels(3)
            .x_labels(10)
            .x_label_formatter(&|v| format!("{v:+.1} h"))
            .y_desc("P(event)")
            .draw()?;
        p.draw_series(
            probs
                .iter()
                .map(|&xy| Circle::new(xy, 3, COLORS[0].filled())),
        )?;
        root.present()?;
    }
    Ok(svg)
}

/// `12_884_901_888.0` → `12.9G`, `0.0123` → `0.0123`.
fn short_number(v: f64) -> String {
    let a = v.abs();
    let (x, unit) = if a >= 1e12 {
        (v / 1e12, "T")
    } else if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    if unit.is_empty() {
        format!("{:.4}", x)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        format!("{x:.1}{unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_numbers_stay_short() {
        assert_eq!(short_number(12_884_901_888.0), "12.9G");
        assert_eq!(short_number(-2_500_000.0), "-2.5M");
        assert_eq!(short_number(45_000.0), "45.0k");
        assert_eq!(short_number(100.0), "100");
        assert_eq!(short_number(0.0123), "0.0123");
        assert_eq!(short_number(0.0), "0");
    }
}
