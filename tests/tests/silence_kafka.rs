//! Silence through a real broker: `forewarn score` on tansu, a lone
//! service on its own partition that stops sending. Nothing else arrives,
//! so only the stream worker's idle clock (event time moved on with the
//! wall clock once the partition is idle) can find it silent: a
//! `service_silent` incident opens within the stated intervals, and
//! resolves when the service's samples return.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{IssueKind, IssueStatus, MetricSample, PredictedIssue};

mod common;
use common::{
    ScorerProcess, default_pipeline, kcat_binary, kcat_consume, kcat_produce, start_tansu, wait_for,
};

/// `lone`'s samples at 1 s cadence over `[from, to)` seconds of event time.
fn samples(t0: DateTime<Utc>, from: i64, to: i64) -> Vec<String> {
    (from..to)
        .map(|i| {
            let s = MetricSample {
                schema_version: 1,
                ts: t0 + TimeDelta::seconds(i),
                service: "lone".into(),
                instance: "lone-0".into(),
                metric: "cpu_utilization".into(),
                value: 0.3,
                labels: Default::default(),
            };
            format!("lone\t{}", serde_json::to_string(&s).unwrap())
        })
        .collect()
}

fn silent_events(brokers: &str, kcat: &std::path::Path) -> Vec<PredictedIssue> {
    kcat_consume(kcat, brokers, "sil.predictions")
        .iter()
        .filter_map(|r| serde_json::from_str::<PredictedIssue>(r["payload"].as_str()?).ok())
        .filter(|i| i.kind == IssueKind::ServiceSilent)
        .collect()
}

#[test]
fn a_lone_service_that_stops_is_found_silent_and_resolves_when_it_returns() {
    let (Some(broker), Some(kcat)) = (start_tansu(), kcat_binary()) else {
        return;
    };
    let b = broker.addr.as_str();
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-silence-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pipeline = default_pipeline(&dir, "sil");
    let yaml = std::fs::read_to_string(&pipeline).unwrap().replace(
        "thresholds:\n",
        "thresholds:\n  silence: { missed_intervals: 5, min_silence: 1s }\n",
    );
    std::fs::write(&pipeline, yaml).unwrap();
    let sc = ScorerProcess::start_with(
        b,
        &pipeline,
        "g-sil",
        dir.join("score.log"),
        &["--create-topics", "1"],
    );
    wait_for("the scorer to be ready", Duration::from_secs(60), || {
        sc.get("/health").is_some_and(|(code, _)| code == 200)
    });
    let t0 = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
    kcat_produce(&kcat, &dir, b, "sil.metrics", &samples(t0, 0, 30));
    // Last sample at t0 + 29 s, due 5 × 1 s later; the partition counts as
    // idle after 5 s of wall time, then its clock moves with the wall.
    wait_for("service_silent to open", Duration::from_secs(60), || {
        !silent_events(b, &kcat).is_empty()
    });
    let opened = silent_events(b, &kcat);
    assert_eq!(opened.len(), 1, "{opened:#?}");
    let o = &opened[0];
    assert_eq!((o.status, o.service.as_str()), (IssueStatus::Open, "lone"));
    assert_eq!(o.evidence[0].baseline, Some(1.0), "the learned interval");
    let after = (o.detected_at - (t0 + TimeDelta::seconds(29))).num_seconds();
    assert!(
        (5..=20).contains(&after),
        "opened {after} s of event time after the last sample"
    );
    kcat_produce(&kcat, &dir, b, "sil.metrics", &samples(t0, 120, 125));
    wait_for("service_silent to resolve", Duration::from_secs(60), || {
        silent_events(b, &kcat).len() == 2
    });
    let both = silent_events(b, &kcat);
    assert_eq!(both[1].status, IssueStatus::Resolved);
    assert_eq!(both[1].id, o.id);
    assert_eq!(both[1].detected_at, t0 + TimeDelta::seconds(120));
}
