//! What `forewarn backtest run --out DIR` writes:
//!
//! - `report.md`: the summary table (Forewarn beside the baselines) and
//!   one line per incident;
//! - `report.html`: the same, with a plot per labelled incident and trap:
//!   the series behind it, the labelled window (onset → failure, shaded),
//!   the failure time, every detector's alerts, Forewarn's predicted
//!   failure times and, below, the probability of Forewarn's events;
//! - `results.parquet`: one row per (detector, incident) and per alert,
//!   for notebooks (`notebooks/backtest.ipynb` reads it);
//! - `events.jsonl`: every predicted-issue event the scorer published;
//! - `optimizations.jsonl`: every optimization event it published;
//! - `summary.json`: the summaries.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{OptimizationEvent, PredictedIssue};
use forewarn_sim::Labels;
use forewarn_train::History;
use plotters::prelude::*;
use polars::prelude::{
    DataFrame, DataType, IntoColumn, NamedFrom, ParquetWriter, Series, TimeUnit, TimeZone,
};

use super::{Alert, Evaluation, Outcome, Summary};

/// Write every report file into `dir` (created if missing).
pub fn write_all(
    dir: &Path,
    eval: &Evaluation,
    labels: &Labels,
    history: &History,
    events: &[PredictedIssue],
    optimizations: &[OptimizationEvent],
    title: &str,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut opt = BufWriter::new(File::create(dir.join("optimizations.jsonl"))?);
    for e in optimizations {
        serde_json::to_writer(&mut opt, e).map_err(std::io::Error::other)?;
        opt.write_all(b"\n")?;
    }
    opt.flush()?;
    std::fs::write(dir.join("report.md"), markdown(eval, title))?;
    std::fs::write(
        dir.join("report.html"),
        html(eval, labels, history, events, title),
    )?;
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&eval.summaries).map_err(std::io::Error::other)?,
    )?;
    let mut out = BufWriter::new(File::create(dir.join("events.jsonl"))?);
    for e in events {
        serde_json::to_writer(&mut out, e).map_err(std::io::Error::other)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    write_parquet(&dir.join("results.parquet"), eval).map_err(std::io::Error::other)
}

fn opt_s(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), human_secs)
}

/// `5400` → `1h30m`, `-90` → `-1m30s`.
pub fn human_secs(s: f64) -> String {
    let sign = if s < 0.0 { "-" } else { "" };
    let t = s.abs().round() as i64;
    let (h, m, sec) = (t / 3600, (t % 3600) / 60, t % 60);
    match (h, m) {
        (0, 0) => format!("{sign}{sec}s"),
        (0, _) => format!("{sign}{m}m{sec:02}s"),
        _ => format!("{sign}{h}h{m:02}m"),
    }
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |x| format!("{:.0}%", 100.0 * x))
}

/// Rows of the summary table: (label, value per detector).
fn summary_rows(s: &[Summary]) -> Vec<(&'static str, Vec<String>)> {
    let col = |f: &dyn Fn(&Summary) -> String| s.iter().map(f).collect::<Vec<_>>();
    vec![
        ("incidents", col(&|x| x.incidents.to_string())),
        (
            "predicted (before failure)",
            col(&|x| x.predicted.to_string()),
        ),
        ("late (after failure)", col(&|x| x.late.to_string())),
        ("missed", col(&|x| x.missed.to_string())),
        ("precision", col(&|x| format!("{:.3}", x.precision))),
        ("recall", col(&|x| format!("{:.3}", x.recall))),
        ("F1", col(&|x| format!("{:.3}", x.f1))),
        ("lead time, median", col(&|x| opt_s(x.lead_time_median_s))),
        ("lead time, mean", col(&|x| opt_s(x.lead_time_mean_s))),
        (
            "failure-time error, median abs",
            col(&|x| opt_s(x.failure_time_error_median_s)),
        ),
        ("alerts", col(&|x| x.alerts.to_string())),
        (
            "false alarms (of which in traps)",
            col(&|x| format!("{} ({})", x.false_alarms, x.trap_false_alarms)),
        ),
        (
            "false alarms per service-day",
            col(&|x| format!("{:.2}", x.false_alarms_per_service_day)),
        ),
        ("root-cause hit rate", col(&|x| rate(x.root_cause_hit_rate))),
    ]
}

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
            "cpu_utilization",
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

fn ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

fn kind_str<T: serde::Serialize>(k: &T) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// `results.parquet`: one row per (detector, incident) (`row = "incident"`)
/// and per alert (`row = "alert"`). Times are `Datetime(ms, UTC)`, spans
/// in seconds; a column that does not apply to a row is null.
pub fn write_parquet(path: &Path, eval: &Evaluation) -> polars::prelude::PolarsResult<()> {
    let mut detector = Vec::new();
    let mut row = Vec::new();
    let mut id = Vec::new();
    let mut service = Vec::new();
    let mut instance: Vec<Option<String>> = Vec::new();
    let mut kind = Vec::new();
    let mut outcome = Vec::new();
    let (mut onset, mut failure, mut recovery, mut detected, mut predicted) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut lead, mut err, mut prob) = (Vec::new(), Vec::new(), Vec::new());
    let mut rc_exp: Vec<Option<String>> = Vec::new();
    let mut rc_pred: Vec<Option<String>> = Vec::new();
    let mut signal: Vec<Option<String>> = Vec::new();
    let mut matched: Vec<Option<String>> = Vec::new();
    for r in &eval.incidents {
        let a = r.alert.as_ref();
        detector.push(r.detector.to_string());
        row.push("incident".to_string());
        id.push(r.incident_id.clone());
        service.push(r.service.clone());
        instance.push(r.instance.clone());
        kind.push(kind_str(&r.issue_kind));
        outcome.push(r.outcome.as_str().to_string());
        onset.push(Some(r.onset.timestamp_millis()));
        failure.push(Some(r.failure.timestamp_millis()));
        recovery.push(Some(r.recovery.timestamp_millis()));
        detected.push(ms(a.map(|a| a.detected_at)));
        predicted.push(ms(a.and_then(|a| a.predicted_failure_at)));
        lead.push(r.lead_s);
        err.push(r.failure_time_error_s);
        prob.push(a.map(|a| a.probability));
        rc_exp.push(Some(r.root_cause_expected.clone()));
        rc_pred.push(a.and_then(|a| a.root_cause_service.clone()));
        signal.push(a.map(|a| a.signal.clone()));
        matched.push(a.map(|a| a.id.clone()));
    }
    for r in &eval.alerts {
        let a = &r.alert;
        detector.push(a.detector.to_string());
        row.push("alert".to_string());
        id.push(a.id.clone());
        service.push(a.service.clone());
        instance.push(Some(a.instance.clone()).filter(|s| !s.is_empty()));
        kind.push(kind_str(&a.kind));
        outcome.push(r.outcome.as_str().to_string());
        onset.push(None);
        failure.push(None);
        recovery.push(None);
        detected.push(Some(a.detected_at.timestamp_millis()));
        predicted.push(ms(a.predicted_failure_at));
        lead.push(None);
        err.push(None);
        prob.push(Some(a.probability));
        rc_exp.push(None);
        rc_pred.push(a.root_cause_service.clone());
        signal.push(Some(a.signal.clone()));
        matched.push(r.matched_id.clone());
    }
    let time = |name: &str, v: Vec<Option<i64>>| {
        Series::new(name.into(), v)
            .cast(&DataType::Datetime(
                TimeUnit::Milliseconds,
                Some(TimeZone::UTC),
            ))
            .map(IntoColumn::into_column)
    };
    let mut df = DataFrame::new_infer_height(vec![
        Series::new("detector".into(), detector).into_column(),
        Series::new("row".into(), row).into_column(),
        Series::new("id".into(), id).into_column(),
        Series::new("service".into(), service).into_column(),
        Series::new("instance".into(), instance).into_column(),
        Series::new("kind".into(), kind).into_column(),
        Series::new("outcome".into(), outcome).into_column(),
        time("onset", onset)?,
        time("failure", failure)?,
        time("recovery", recovery)?,
        time("detected_at", detected)?,
        time("predicted_failure_at", predicted)?,
        Series::new("lead_s".into(), lead).into_column(),
        Series::new("failure_time_error_s".into(), err).into_column(),
        Series::new("probability".into(), prob).into_column(),
        Series::new("root_cause_expected".into(), rc_exp).into_column(),
        Series::new("root_cause_predicted".into(), rc_pred).into_column(),
        Series::new("signal".into(), signal).into_column(),
        Series::new("matched_id".into(), matched).into_column(),
    ])?;
    let file = File::create(path).map_err(polars::prelude::PolarsError::from)?;
    ParquetWriter::new(file).finish(&mut df)?;
    Ok(())
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
        assert_eq!(human_secs(5400.0), "1h30m");
        assert_eq!(human_secs(-90.0), "-1m30s");
    }
}
