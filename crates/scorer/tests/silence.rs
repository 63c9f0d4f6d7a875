//! Silence is a signal: a service that was reporting and stops gets an
//! observed `service_silent` incident after the stated number of its own
//! intervals, its other incidents stay open while it is silent (silence is
//! not recovery), evicting its series for memory loses no silence, and the
//! incident resolves when its data returns. A failing health
//! reading (`roles.health`) opens an observed `service_down`.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{IssueKind, IssueStatus, MetricSample, PredictedIssue};
use forewarn_models::artifact::Model;
use forewarn_scorer::{Events, Input, Scorer, ScorerOptions};

fn at(s: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_800_000_000 + s, 0).unwrap()
}

fn sample(s: i64, service: &str, metric: &str, value: f64) -> MetricSample {
    MetricSample {
        schema_version: 1,
        ts: at(s),
        service: service.into(),
        instance: format!("{service}-0"),
        metric: metric.into(),
        value,
        labels: BTreeMap::new(),
    }
}

fn scorer(idle_after: Duration) -> Scorer {
    let pipeline =
        forewarn_config::load_str(include_str!("../../../pipelines/default.yaml")).unwrap();
    let opts = ScorerOptions {
        idle_after,
        ..ScorerOptions::default()
    };
    Scorer::new(pipeline, Model::default(), opts).unwrap()
}

/// Both services report `cpu_utilization` every `step` seconds over
/// `[from, to)`, except `api` when `api_up` is false.
fn tick(
    sc: &mut Scorer,
    out: &mut Events,
    from: i64,
    to: i64,
    step: i64,
    api_up: impl Fn(i64) -> bool,
) {
    for t in (from..to).step_by(step as usize) {
        for svc in ["api", "db"] {
            if svc == "api" && !api_up(t) {
                continue;
            }
            sc.on_metric(&sample(t, svc, "cpu_utilization", 0.3), out)
                .unwrap();
        }
    }
}

fn of_kind(events: &[PredictedIssue], kind: IssueKind) -> Vec<&PredictedIssue> {
    events.iter().filter(|e| e.kind == kind).collect()
}

#[test]
fn a_service_that_stops_reporting_is_silent_after_five_intervals_until_it_returns() {
    let mut sc = scorer(Duration::from_secs(6 * 3600));
    let mut out = Events::default();
    // 10 s cadence; api's last sample is at 590 s, it is back at 1200 s.
    tick(&mut sc, &mut out, 0, 1500, 10, |t| {
        !(600..1200).contains(&t)
    });
    let silent = of_kind(&out.issues, IssueKind::ServiceSilent);
    assert_eq!(silent.len(), 2, "{silent:#?}");
    let (open, resolved) = (silent[0], silent[1]);
    assert_eq!(open.status, IssueStatus::Open);
    assert_eq!(open.service, "api");
    // Due at 590 + 5 × 10 = 640 s; checked every 10 s of event time.
    let detected = (open.detected_at - at(0)).num_seconds();
    assert!((641..=650).contains(&detected), "detected at {detected} s");
    assert_eq!(open.evidence[0].feature, "silence.seconds");
    assert_eq!(open.evidence[0].baseline, Some(10.0));
    assert_eq!(resolved.status, IssueStatus::Resolved);
    assert_eq!(resolved.id, open.id);
    assert_eq!(resolved.detected_at, at(1200));
    assert!(
        out.issues.iter().all(|e| e.service != "db"),
        "db never stopped"
    );
}

#[test]
fn a_silent_service_keeps_its_open_incidents_and_the_silence_survives_a_restart() {
    let mut sc = scorer(Duration::from_secs(600));
    let mut out = Events::default();
    tick(&mut sc, &mut out, 0, 300, 10, |_| true);
    // api's health check fails, then api goes quiet for an hour.
    sc.on_metric(&sample(300, "api", "health_up", 0.0), &mut out)
        .unwrap();
    tick(&mut sc, &mut out, 310, 2100, 10, |t| t < 400);
    let down = of_kind(&out.issues, IssueKind::ServiceDown);
    assert_eq!(down.len(), 1, "{down:#?}");
    assert_eq!(
        (down[0].status, down[0].instance.as_str()),
        (IssueStatus::Open, "api-0")
    );
    assert_eq!(down[0].detected_at, at(300), "observed: opens at once");
    assert!(
        out.issues.iter().all(|e| e.status != IssueStatus::Resolved),
        "nothing of a silent service resolves by idleness: {:#?}",
        out.issues
    );
    assert_eq!(of_kind(&out.issues, IssueKind::ServiceSilent).len(), 1);
    // A restart from a checkpoint keeps the silence and the incidents.
    let pipeline =
        forewarn_config::load_str(include_str!("../../../pipelines/default.yaml")).unwrap();
    let opts = ScorerOptions {
        idle_after: Duration::from_secs(600),
        ..ScorerOptions::default()
    };
    let (mut sc, _) = Scorer::restore(pipeline, Model::default(), opts, sc.snapshot()).unwrap();
    let mut back = Events::default();
    tick(&mut sc, &mut back, 2100, 2400, 10, |_| true);
    sc.on_metric(&sample(2400, "api", "health_up", 1.0), &mut back)
        .unwrap();
    let resolved: Vec<_> = back
        .issues
        .iter()
        .filter(|e| e.service == "api")
        .map(|e| (e.kind, e.status))
        .collect();
    assert_eq!(
        resolved,
        vec![
            (IssueKind::ServiceSilent, IssueStatus::Resolved),
            (IssueKind::ServiceDown, IssueStatus::Resolved)
        ]
    );
}

#[test]
fn a_lone_service_is_found_silent_when_the_clock_is_advanced_without_input() {
    let mut sc = scorer(Duration::from_secs(6 * 3600));
    let mut out = Events::default();
    for t in (0..600).step_by(60) {
        sc.on_metric(&sample(t, "api", "cpu_utilization", 0.3), &mut out)
            .unwrap();
    }
    sc.advance_to(Input::Metrics, at(540 + 300).timestamp_millis(), &mut out);
    assert!(out.issues.is_empty(), "due at 840 s, not past it");
    sc.advance_to(Input::Metrics, at(850).timestamp_millis(), &mut out);
    assert!(
        out.issues.is_empty(),
        "the boundary at 850 s not yet passed"
    );
    sc.advance_to(Input::Metrics, at(851).timestamp_millis(), &mut out);
    let silent = of_kind(&out.issues, IssueKind::ServiceSilent);
    assert_eq!(silent.len(), 1);
    assert_eq!(
        silent[0].detected_at,
        at(850),
        "the first boundary past due"
    );
    assert_eq!(silent[0].evidence[0].baseline, Some(60.0));
}

#[test]
fn evicting_a_silent_service_s_series_for_memory_loses_no_silence() {
    let mut sc = scorer(Duration::from_secs(120));
    let mut out = Events::default();
    // 60 s cadence: api's last sample is at 540 s, it is silent after 840 s.
    tick(&mut sc, &mut out, 0, 780, 60, |t| t < 600);
    assert!(of_kind(&out.issues, IssueKind::ServiceSilent).is_empty());
    assert_eq!(sc.evict_idle(at(660).timestamp_millis()), 1, "api's series");
    tick(&mut sc, &mut out, 780, 1200, 60, |_| false);
    let silent = of_kind(&out.issues, IssueKind::ServiceSilent);
    assert_eq!(silent.len(), 1);
    // Judged at the first 10-s boundary past due (850 s), once the
    // sample at 900 s moved the clock beyond it.
    assert_eq!(silent[0].detected_at, at(850));
    assert_eq!(silent[0].evidence[0].baseline, Some(60.0));
}

#[test]
fn silence_is_not_looked_for_when_turned_off() {
    let yaml = include_str!("../../../pipelines/default.yaml").replace(
        "thresholds:\n",
        "thresholds:\n  silence: { missed_intervals: 0 }\n",
    );
    let pipeline = forewarn_config::load_str(&yaml).unwrap();
    let mut sc = Scorer::new(pipeline, Model::default(), ScorerOptions::default()).unwrap();
    let mut out = Events::default();
    tick(&mut sc, &mut out, 0, 3600, 10, |t| t < 600);
    assert!(of_kind(&out.issues, IssueKind::ServiceSilent).is_empty());
}

#[test]
fn logs_read_hours_ahead_of_the_metrics_resolve_no_incident_by_idleness() {
    // One partition's two inputs: its metrics at minute 5, its logs read
    // far ahead (a consumer may fetch one topic long before the other).
    let mut sc = scorer(Duration::from_secs(600));
    sc.expect_inputs();
    let mut out = Events::default();
    tick(&mut sc, &mut out, 0, 300, 10, |_| true);
    sc.on_metric(&sample(300, "api", "health_up", 0.0), &mut out)
        .unwrap();
    let down = of_kind(&out.issues, IssueKind::ServiceDown);
    assert_eq!(down.len(), 1, "{:#?}", out.issues);
    let log = |s: i64| forewarn_core::contracts::LogRecord {
        schema_version: 1,
        ts: at(s),
        service: "db".into(),
        instance: "db-0".into(),
        level: forewarn_core::contracts::LogLevel::Info,
        message: "handled GET /health status=200".into(),
        fields: BTreeMap::new(),
    };
    for s in (0..=7200).step_by(60) {
        sc.on_log(&log(s), &mut out);
    }
    // The metrics go on: api's check still fails.
    for t in (310..600).step_by(10) {
        sc.on_metric(&sample(t, "api", "health_up", 0.0), &mut out)
            .unwrap();
        sc.on_metric(&sample(t, "db", "cpu_utilization", 0.3), &mut out)
            .unwrap();
    }
    assert!(
        out.issues.iter().all(|e| e.status != IssueStatus::Resolved),
        "on the logs' clock the incident looked idle for over an hour: {:#?}",
        out.issues
    );
}
