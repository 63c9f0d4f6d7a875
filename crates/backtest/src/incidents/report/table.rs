//! The shared vocabulary of the report files: the summary table's rows
//! and how spans, rates and kinds are written.

use super::super::Summary;

pub(super) fn opt_s(v: Option<f64>) -> String {
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
pub(super) fn summary_rows(s: &[Summary]) -> Vec<(&'static str, Vec<String>)> {
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

/// The JSON name of an enum value (`memory_exhaustion`), empty if it has none.
pub(super) fn kind_str<T: serde::Serialize>(k: &T) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_stay_short() {
        assert_eq!(human_secs(5400.0), "1h30m");
        assert_eq!(human_secs(-90.0), "-1m30s");
    }
}
