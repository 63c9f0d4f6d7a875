//! Incident evaluation on the committed sample's labels: hand-placed alerts
//! land in the outcomes the rules say, and the Parquet rows read back.

use std::path::PathBuf;

use chrono::TimeDelta;
use forewarn_backtest::incidents::report::write_parquet;
use forewarn_backtest::incidents::{Alert, Matching, Outcome, evaluate};
use forewarn_core::contracts::IssueKind;
use forewarn_sim::Labels;
use polars::prelude::{ParquetReader, SerReader};

fn labels() -> Labels {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    Labels::read(&dir.join("../../datasets/sample/labels.json")).expect("committed sample labels")
}

fn alert(service: &str, at: chrono::DateTime<chrono::Utc>, predicted: Option<i64>) -> Alert {
    Alert {
        detector: "test",
        id: format!("{service}@{at}"),
        kind: IssueKind::MemoryExhaustion,
        service: service.into(),
        instance: format!("{service}-0"),
        detected_at: at,
        predicted_failure_at: predicted.map(|s| at + TimeDelta::seconds(s)),
        root_cause_service: Some(service.into()),
        probability: 0.95,
        signal: "memory_rss_bytes.trend_per_s".into(),
    }
}

#[test]
fn alerts_are_matched_to_incidents_and_traps_by_the_rules() {
    let labels = labels();
    let leak = labels
        .incidents
        .iter()
        .find(|i| i.id == "inc-0003")
        .unwrap();
    let trap = &labels.traps[0];
    let alerts = vec![
        // 10 minutes before the OOM, predicting it 2 minutes late.
        alert(
            &leak.service,
            leak.failure - TimeDelta::minutes(10),
            Some(720),
        ),
        // A second alert on the same incident, after the failure.
        alert(&leak.service, leak.failure + TimeDelta::minutes(1), None),
        // Inside a trap.
        alert(&trap.service, trap.start + TimeDelta::minutes(5), None),
        // Nowhere near anything: a service with no label that day.
        alert("nobody", labels.start + TimeDelta::hours(1), None),
    ];
    let eval = evaluate(&labels, &[("test", &alerts)], &Matching::default());
    let s = &eval.summaries[0];
    assert_eq!((s.incidents, s.predicted, s.late), (10, 1, 0));
    assert_eq!(s.missed, 9);
    assert_eq!(
        (s.alerts, s.true_alerts, s.false_alarms, s.trap_false_alarms),
        (4, 2, 2, 1)
    );
    assert!((s.precision - 0.5).abs() < 1e-12 && (s.recall - 0.1).abs() < 1e-12);
    assert!((s.f1 - 2.0 * 0.5 * 0.1 / 0.6).abs() < 1e-12);
    assert_eq!(s.lead_time_median_s, Some(600.0));
    assert_eq!(s.failure_time_error_median_s, Some(120.0));
    assert_eq!(s.root_cause_hit_rate, Some(1.0));
    let days = (labels.end - labels.start).num_seconds() as f64 / 86_400.0;
    let per_day = 2.0 / (labels.services.len() as f64 * days);
    assert!((s.false_alarms_per_service_day - per_day).abs() < 1e-12);
    let row = eval
        .incidents
        .iter()
        .find(|r| r.incident_id == "inc-0003")
        .unwrap();
    assert_eq!(row.outcome, Outcome::Early);
    assert_eq!(row.failure_time_error_s, Some(120.0));

    // Only the late alert: the incident is late, not predicted.
    let late = vec![alerts[1].clone()];
    let eval = evaluate(&labels, &[("test", &late)], &Matching::default());
    assert_eq!(
        (eval.summaries[0].predicted, eval.summaries[0].late),
        (0, 1)
    );

    // An alert 40 minutes before onset is outside the default 30-minute tolerance.
    let early = vec![alert(
        &leak.service,
        leak.onset - TimeDelta::minutes(40),
        None,
    )];
    let eval = evaluate(&labels, &[("test", &early)], &Matching::default());
    assert_eq!(eval.summaries[0].predicted, 0);
    let wide = Matching {
        early_tolerance_s: 3600.0,
    };
    assert_eq!(
        evaluate(&labels, &[("test", &early)], &wide).summaries[0].predicted,
        1
    );
}

#[test]
fn parquet_rows_read_back() {
    let labels = labels();
    let leak = &labels.incidents[2];
    let alerts = vec![alert(
        &leak.service,
        leak.failure - TimeDelta::minutes(10),
        Some(60),
    )];
    let eval = evaluate(&labels, &[("a", &alerts), ("b", &[])], &Matching::default());
    let path =
        std::env::temp_dir().join(format!("forewarn-results-{}.parquet", std::process::id()));
    write_parquet(&path, &eval).unwrap();
    let df = ParquetReader::new(std::fs::File::open(&path).unwrap())
        .finish()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    // 10 incidents × 2 detectors + 1 alert.
    assert_eq!(df.height(), 21);
    for col in [
        "detector",
        "row",
        "outcome",
        "onset",
        "failure",
        "detected_at",
        "lead_s",
        "failure_time_error_s",
    ] {
        assert!(df.column(col).is_ok(), "missing column {col}");
    }
    let lead: Vec<f64> = df
        .column("lead_s")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(lead, vec![600.0]);
}
