//! Optimization events from the scorer, on the default pipeline: a day of
//! idle CPU is over-provisioning, a p99 above the callers' timeout is a
//! mis-set timeout, a queue rising toward its limit calls for scaling up
//! before it gets there. Each is said once per cooldown, not per sample.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{MetricSample, OptimizationKind};
use forewarn_models::artifact::Model;
use forewarn_scorer::{Events, Scorer, ScorerOptions};

fn scorer() -> Scorer {
    let pipeline =
        forewarn_config::load_str(include_str!("../../../pipelines/default.yaml")).unwrap();
    let model = Model::default();
    Scorer::new(pipeline, model, ScorerOptions::default()).unwrap()
}

fn sample(t: DateTime<Utc>, service: &str, metric: &str, value: f64) -> MetricSample {
    MetricSample {
        schema_version: 1,
        ts: t,
        service: service.into(),
        instance: format!("{service}-0"),
        metric: metric.into(),
        value,
        labels: BTreeMap::new(),
    }
}

fn start() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap()
}

/// Deterministic noise in [-0.5, 0.5).
fn noise(i: i64) -> f64 {
    let x = (i as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

#[test]
fn a_quiet_day_of_cpu_is_over_provisioning_said_once() {
    let mut sc = scorer();
    let mut out = Events::default();
    // api: 4 cores, p95 CPU around 10 % for 30 hours at 60 s.
    for i in 0..30 * 60 {
        let t = start() + TimeDelta::minutes(i);
        let v = 0.10 + 0.04 * noise(i);
        sc.on_metric(&sample(t, "api", "cpu_utilization", v), &mut out)
            .unwrap();
    }
    let over: Vec<_> = out
        .optimizations
        .iter()
        .filter(|o| o.kind == OptimizationKind::OverProvisioned)
        .collect();
    assert_eq!(over.len(), 1, "{:#?}", out.optimizations);
    let o = over[0];
    assert_eq!(o.service, "api");
    let after = (o.ts - start()).num_hours();
    assert!((24..=26).contains(&after), "advised after {after} h");
    assert!(o.expected_effect.contains("cores"), "{}", o.expected_effect);
    assert!(out.issues.is_empty());
}

#[test]
fn a_busy_hour_breaks_the_over_provisioning_rule() {
    let mut sc = scorer();
    let mut out = Events::default();
    for i in 0..30 * 60 {
        let t = start() + TimeDelta::minutes(i);
        // Hour 12 runs hot.
        let v = if i / 60 == 12 { 0.8 } else { 0.10 };
        sc.on_metric(&sample(t, "api", "cpu_utilization", v), &mut out)
            .unwrap();
    }
    assert!(
        out.optimizations
            .iter()
            .all(|o| o.kind != OptimizationKind::OverProvisioned),
        "{:#?}",
        out.optimizations
    );
}

#[test]
fn p99_above_the_callers_timeout_is_said_once_a_day() {
    let mut sc = scorer();
    let mut out = Events::default();
    // api's callers time out after 3 s; its p99 sits around 4 s, under its
    // own SLO check's reach (no trend), for 5 hours.
    for i in 0..5 * 60 {
        let t = start() + TimeDelta::minutes(i);
        let v = 4000.0 + 200.0 * noise(i);
        sc.on_metric(&sample(t, "api", "latency_p99_ms", v), &mut out)
            .unwrap();
    }
    let timeouts: Vec<_> = out
        .optimizations
        .iter()
        .filter(|o| o.kind == OptimizationKind::TimeoutBelowP99)
        .collect();
    assert_eq!(timeouts.len(), 1, "{:#?}", out.optimizations);
    assert!(
        timeouts[0].rationale.contains("3000 ms"),
        "{}",
        timeouts[0].rationale
    );
}

#[test]
fn a_rising_queue_asks_for_capacity_before_it_fills() {
    let mut sc = scorer();
    let mut out = Events::default();
    // queue's limit is 100,000 messages: flat at 20,000 for an hour, then
    // rising to reach the limit 3 hours later.
    let mut full_at = None;
    for i in 0..5 * 60 {
        let t = start() + TimeDelta::minutes(i);
        let rise = if i > 60 {
            (i - 60) as f64 / 180.0 * 80_000.0
        } else {
            0.0
        };
        let v = (20_000.0 + rise + 500.0 * noise(i)).min(100_000.0);
        if v >= 100_000.0 && full_at.is_none() {
            full_at = Some(t);
        }
        sc.on_metric(&sample(t, "queue", "queue_depth", v), &mut out)
            .unwrap();
    }
    let scale: Vec<_> = out
        .optimizations
        .iter()
        .filter(|o| o.kind == OptimizationKind::ScaleUpAhead)
        .collect();
    assert!(!scale.is_empty(), "{:#?}", out.optimizations);
    let first = scale[0];
    let full_at = full_at.unwrap();
    assert!(
        first.ts + TimeDelta::minutes(30) <= full_at,
        "advised at {}, full at {full_at}",
        first.ts
    );
    // At most one per suppression period (30 min) while the trend lasts.
    for w in scale.windows(2) {
        assert!(w[1].ts - w[0].ts >= TimeDelta::minutes(30));
    }
}
