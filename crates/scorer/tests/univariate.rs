//! The online univariate detector, for the metrics a pipeline lists under
//! `models.anomaly.univariate`: a sudden level shift of one series opens a
//! metric-anomaly incident naming that metric; the same series without the
//! shift, and any metric not listed, stay quiet.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{IssueKind, IssueStatus, MetricSample};
use forewarn_models::artifact::Model;
use forewarn_scorer::{Events, Scorer, ScorerOptions};

fn scorer(univariate: &[&str]) -> Scorer {
    let mut pipeline =
        forewarn_config::load_str(include_str!("../../../pipelines/default.yaml")).unwrap();
    pipeline.models.anomaly.univariate = univariate.iter().map(|m| m.to_string()).collect();
    let model = Model::default();
    Scorer::new(pipeline, model, ScorerOptions::default()).unwrap()
}

/// Requests per second of `cache-0` every minute for two days: a daily
/// cycle with noise, and from `shift_at` minutes on, a level three times
/// higher.
fn run(sc: &mut Scorer, shift_at: Option<i64>) -> Events {
    let start = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
    let mut out = Events::default();
    let mut x: u64 = 99;
    for i in 0..2 * 1440 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let u = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        let day = (i % 1440) as f64 / 1440.0 * std::f64::consts::TAU;
        let mut v = 200.0 + 50.0 * day.sin() + 10.0 * u;
        if shift_at.is_some_and(|s| i >= s) {
            v *= 3.0;
        }
        let s = MetricSample {
            schema_version: 1,
            ts: start + TimeDelta::minutes(i),
            service: "cache".into(),
            instance: "cache-0".into(),
            metric: "requests_per_second".into(),
            value: v,
            labels: BTreeMap::new(),
        };
        sc.on_metric(&s, &mut out).unwrap();
    }
    out
}

#[test]
fn a_level_shift_opens_one_incident_naming_the_metric() {
    let out = run(&mut scorer(&["requests_per_second"]), Some(2000));
    let opened: Vec<_> = out
        .issues
        .iter()
        .filter(|e| e.status == IssueStatus::Open)
        .collect();
    assert!(!opened.is_empty(), "the shift went unnoticed");
    let e = opened[0];
    assert_eq!(e.kind, IssueKind::MetricAnomaly);
    assert!(e.model.name.ends_with("/univariate"), "{:?}", e.model);
    assert_eq!(e.evidence[0].feature, "requests_per_second.value");
    let shift = DateTime::<Utc>::from_timestamp(1_800_000_000 + 2000 * 60, 0).unwrap();
    assert!(
        e.detected_at >= shift && e.detected_at <= shift + TimeDelta::minutes(10),
        "opened at {}",
        e.detected_at
    );
}

#[test]
fn no_shift_or_not_listed_stays_quiet() {
    let quiet = run(&mut scorer(&["requests_per_second"]), None);
    assert!(
        quiet.issues.iter().all(|e| e.status != IssueStatus::Open),
        "{:#?}",
        quiet.issues
    );
    let unlisted = run(&mut scorer(&[]), Some(2000));
    assert!(unlisted.issues.is_empty(), "{:#?}", unlisted.issues);
}
