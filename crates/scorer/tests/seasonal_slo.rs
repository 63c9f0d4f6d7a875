//! Latency that follows business hours: it climbs from 150 ms at night to a
//! 420 ms plateau between 08:00 and 10:00, under api's 500 ms SLO. On the
//! first morning, with no daily cycle known yet, the steep ramp projected
//! linearly predicts an SLO breach (a false alarm). Once two days have
//! shown the same cycle, the ramp is projected as the cycle it is and the
//! third morning stays quiet; a real creep on top of the cycle is still
//! predicted.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{IssueKind, IssueStatus, MetricSample};
use forewarn_models::artifact::Model;
use forewarn_scorer::{Events, Scorer, ScorerOptions};

fn scorer() -> Scorer {
    let pipeline =
        forewarn_config::load_str(include_str!("../../../pipelines/default.yaml")).unwrap();
    let model = Model::default();
    Scorer::new(pipeline, model, ScorerOptions::default()).unwrap()
}

/// Business-hours latency at `minute` of the day, plus a little noise.
fn latency(minute: i64, noise: f64) -> f64 {
    let h = minute as f64 / 60.0;
    let level = if h < 8.0 {
        150.0
    } else if h < 10.0 {
        150.0 + 135.0 * (h - 8.0)
    } else if h < 18.0 {
        420.0
    } else if h < 20.0 {
        420.0 - 135.0 * (h - 18.0)
    } else {
        150.0
    };
    level + 5.0 * noise
}

fn run(days: i64, creep_on_day3: bool) -> Events {
    let mut sc = scorer();
    let mut out = Events::default();
    let start = DateTime::<Utc>::from_timestamp(1_800_000_000 - 1_800_000_000 % 86_400, 0).unwrap();
    let mut x: u64 = 5;
    for m in 0..days * 1440 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let noise = (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        let mut v = latency(m % 1440, noise);
        if creep_on_day3 && m / 1440 == 2 && m % 1440 >= 10 * 60 {
            // From 10:00 on day 3, +60 ms an hour on top of the plateau.
            v += (m % 1440 - 600) as f64;
        }
        let s = MetricSample {
            schema_version: 1,
            ts: start + TimeDelta::minutes(m),
            service: "api".into(),
            instance: "api-0".into(),
            metric: "latency_p99_ms".into(),
            value: v,
            labels: BTreeMap::new(),
        };
        sc.on_metric(&s, &mut out).unwrap();
    }
    out
}

fn opened_on(out: &Events, day: i64) -> Vec<DateTime<Utc>> {
    out.issues
        .iter()
        .filter(|e| e.status == IssueStatus::Open && e.kind == IssueKind::LatencyDegradation)
        .map(|e| e.detected_at)
        .filter(|t| (t.timestamp() - 1_800_000_000 + 1_800_000_000 % 86_400) / 86_400 == day)
        .collect()
}

#[test]
fn a_known_daily_ramp_is_not_an_slo_breach() {
    let out = run(3, false);
    assert!(
        !opened_on(&out, 0).is_empty(),
        "the first morning's ramp, projected linearly, should have looked like a breach"
    );
    assert_eq!(
        opened_on(&out, 2),
        Vec::<DateTime<Utc>>::new(),
        "third morning: the cycle is known"
    );
}

#[test]
fn a_creep_on_top_of_the_cycle_is_still_predicted() {
    let out = run(3, true);
    let day3 = opened_on(&out, 2);
    assert!(!day3.is_empty(), "the creep went unnoticed");
    // The creep reaches 500 ms at about 11:20; it must be announced before.
    let first = day3[0];
    let minute = (first.timestamp() % 86_400) / 60;
    assert!(minute < 11 * 60 + 20, "announced at minute {minute}");
}
