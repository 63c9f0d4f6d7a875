//! Fleet correlation on a real broker (tansu): a simulated fleet with a
//! cascade (db → orders → gateway) goes into a 4-partition metrics topic
//! scored by two `forewarn score` instances in one group, then
//! `forewarn correlate` reads their predictions and publishes one
//! `cascading_failure` issue per episode. The episodes (ids and root
//! causes) are exactly those of `forewarn backtest run` on the same fleet;
//! the cascade's root and its callers are scored on different partitions,
//! and the correlator still names the root; and a correlator stopped and
//! restarted from its checkpoint publishes no episode twice.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use forewarn_core::contracts::{
    IssueKind, IssueStatus, PredictedIssue, ServiceEvent, ServiceEventKind,
};
use forewarn_e2e::{forewarn, forewarn_ok};
use forewarn_sim::{Fleet, Labels, SimConfig};

mod common;
use common::{ScorerProcess, kcat_binary, kcat_consume, kcat_produce, start_tansu};

const SERVICES: usize = 7;
/// A fleet whose plan holds a cascade: db at 03:26, orders, gateway.
const SEED: u64 = 9;

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-correlate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// (episode id, root cause, member ids) of the batch run's cascades.
type Cascades = BTreeMap<String, (String, BTreeSet<String>)>;

fn batch_cascades(out: &Path) -> Cascades {
    std::fs::read_to_string(out.join("episodes.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| {
            let services: BTreeSet<&str> = e["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["service"].as_str().unwrap())
                .collect();
            services.len() >= 2
        })
        .map(|e| {
            let members = e["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_string())
                .collect();
            (
                e["id"].as_str().unwrap().to_string(),
                (
                    e["root_cause_service"].as_str().unwrap().to_string(),
                    members,
                ),
            )
        })
        .collect()
}

/// Run `forewarn correlate` until every input partition is idle; its
/// summary line.
fn correlate(b: &str, pipeline: &Path, state: &Path, lateness: &str) -> serde_json::Value {
    let out = forewarn_ok(&[
        "--log",
        "forewarn=info",
        "correlate",
        "--brokers",
        b,
        "--pipeline",
        pipeline.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--create-topics",
        "4",
        "--idle",
        "3s",
        "--checkpoint-every",
        "1s",
        "--exit-when-idle",
        "--lateness",
        lateness,
    ]);
    serde_json::from_str(out.lines().last().unwrap()).unwrap()
}

#[test]
fn streaming_correlation_gives_the_batch_episodes_across_partitions() {
    let Some(broker) = start_tansu() else { return };
    let Some(kcat) = kcat_binary() else { return };
    let b = broker.addr.as_str();
    let dir = scratch();
    let sim = dir.join("sim");
    forewarn_ok(&[
        "simulate",
        "--services",
        &SERVICES.to_string(),
        "--duration",
        "12h",
        "--interval",
        "60s",
        "--seed",
        &SEED.to_string(),
        "--no-logs",
        "--format",
        "csv",
        "--no-progress",
        "--out",
        sim.to_str().unwrap(),
    ]);
    let labels = Labels::read(&sim.join("labels.json")).unwrap();
    let cascade: Vec<_> = labels
        .incidents
        .iter()
        .filter(|i| i.cascade_id.is_some())
        .collect();
    assert!(cascade.len() >= 2, "the fleet must hold a cascade");
    let root = cascade[0].root_cause_service.clone();

    // 1. Batch: the backtest's episodes.
    let bt = dir.join("bt");
    let o = forewarn(&[
        "backtest",
        "run",
        "--pipeline",
        sim.join("pipeline.yaml").to_str().unwrap(),
        "--model",
        "models/default",
        "--data",
        sim.to_str().unwrap(),
        "--out",
        bt.to_str().unwrap(),
        "--no-progress",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&o.stdout).lines().last().unwrap()).unwrap();
    let c = &summary["correlation"];
    assert!(
        c["pages_after"].as_u64().unwrap() < c["pages_before"].as_u64().unwrap(),
        "{c}"
    );
    let batch = batch_cascades(&bt);
    assert!(
        batch.values().any(|(r, _)| *r == root),
        "the batch run names the labelled root {root}: {batch:?}"
    );

    // 2. Streaming: 4 partitions, 2 scorers, then the correlator.
    let text = std::fs::read_to_string(sim.join("pipeline.yaml")).unwrap();
    let pipeline = dir.join("p.yaml");
    std::fs::write(&pipeline, text.replace("forewarn.", "c.")).unwrap();
    let extra = ["--create-topics", "4"];
    let a = ScorerProcess::start_with(b, &pipeline, "g-c", dir.join("a.log"), &extra);
    let s = ScorerProcess::start_with(b, &pipeline, "g-c", dir.join("s.log"), &extra);
    let wait = Duration::from_secs(180);
    common::wait_for("two scorers splitting 4 partitions", wait, || {
        let (pa, ps) = (
            a.metric("forewarn_partitions_assigned"),
            s.metric("forewarn_partitions_assigned"),
        );
        pa > 0.0 && ps > 0.0 && pa + ps == 4.0
    });
    let (pa, ps) = (
        a.metric("forewarn_partitions_assigned"),
        s.metric("forewarn_partitions_assigned"),
    );
    let cfg = SimConfig {
        services: SERVICES,
        duration: "12h".parse().unwrap(),
        interval: "60s".parse().unwrap(),
        seed: SEED,
        ..SimConfig::default()
    };
    let lines: Vec<String> = Fleet::new(&cfg)
        .unwrap()
        .flat_map(|b| b.metrics)
        .map(|m| format!("{}\t{}", m.service, serde_json::to_string(&m).unwrap()))
        .collect();
    kcat_produce(&kcat, &dir, b, "c.metrics", &lines);
    a.wait_caught_up("c.metrics", pa, wait);
    s.wait_caught_up("c.metrics", ps, wait);
    drop(a);
    drop(s);

    // Which partition each service's predictions are on.
    let records = kcat_consume(&kcat, b, "c.predictions");
    let partition_of: BTreeMap<String, i64> = records
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["partition"].as_i64().unwrap(),
            )
        })
        .collect();
    let scored: Vec<PredictedIssue> = records
        .iter()
        .map(|r| serde_json::from_str(r["payload"].as_str().unwrap()).unwrap())
        .collect();
    let cascade_parts: BTreeSet<i64> = cascade
        .iter()
        .filter_map(|i| partition_of.get(&i.service).copied())
        .collect();
    assert!(
        cascade_parts.len() >= 2,
        "root and callers should be scored on different partitions: {partition_of:?}"
    );

    // 3. The correlator, in two runs: the first, allowing 3 h of lateness,
    //    stops with the episodes of the last hours still open; the second
    //    resumes from its checkpoint after an event far later moved event
    //    time on.
    let state = dir.join("correlate-state.json");
    let first = correlate(b, &pipeline, &state, "3h");
    assert!(first["incidents"].as_u64().unwrap() > 0, "{first}");
    assert!(first["pending"].as_u64().unwrap() > 0, "{first}");
    assert_eq!(first["late"], 0, "{first}");
    let end = labels.end + chrono::TimeDelta::hours(4);
    let tick = ServiceEvent::new("tick", "", ServiceEventKind::Started, end, 0);
    kcat_produce(
        &kcat,
        &dir,
        b,
        "c.service-events",
        &[format!("tick\t{}", serde_json::to_string(&tick).unwrap())],
    );
    // (The lateness is the checkpoint's: 3 h.)
    let second = correlate(b, &pipeline, &state, "10m");
    assert_eq!(
        second["incidents"], first["incidents"],
        "nothing read twice: {second}"
    );
    assert!(second["skipped"].as_u64().unwrap() > 0, "{second}");
    assert_eq!(second["pending"], 0, "{second}");
    assert!(
        second["episodes"].as_u64().unwrap() > first["episodes"].as_u64().unwrap(),
        "the second run decides what the first left open: {first} {second}"
    );

    // 4. Compare: the same episodes, ids and root causes; none twice.
    let (published, resolved): (Vec<PredictedIssue>, Vec<PredictedIssue>) =
        kcat_consume(&kcat, b, "c.predictions")
            .iter()
            .map(|r| serde_json::from_str(r["payload"].as_str().unwrap()).unwrap())
            .filter(|e: &PredictedIssue| e.kind == IssueKind::CascadingFailure)
            .partition(|e| e.status == IssueStatus::Open);
    let streamed: Cascades = published
        .iter()
        .map(|e| {
            let ep = e.episode.as_ref().expect("a cascade carries its episode");
            assert_eq!(e.root_cause_service.as_ref(), Some(&ep.root_cause_service));
            (
                ep.id.clone(),
                (
                    ep.root_cause_service.clone(),
                    ep.members.iter().map(|m| m.id.clone()).collect(),
                ),
            )
        })
        .collect();
    eprintln!(
        "batch: {} cascades; streaming: {} published ({} + {}), {} resolved; first run {first}, second {second}",
        batch.len(),
        published.len(),
        first["published"],
        second["published"],
        resolved.len()
    );
    assert_eq!(
        published.len(),
        streamed.len(),
        "an episode published twice"
    );
    // Cascades close once their members have: each resolution follows
    // its opening, under the same id, once.
    let resolved_ids: BTreeSet<&str> = resolved.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        resolved_ids.len(),
        resolved.len(),
        "a cascade resolved twice"
    );
    assert!(!resolved.is_empty(), "the fleet's cascades recover");
    for r in &resolved {
        assert_eq!(r.revision, 1);
        let open = published
            .iter()
            .find(|o| o.id == r.id)
            .expect("opened first");
        assert!(r.detected_at >= open.opened_at);
    }
    assert_eq!(
        first["resolved"].as_u64().unwrap() + second["resolved"].as_u64().unwrap(),
        resolved.len() as u64
    );
    assert_eq!(
        first["published"].as_u64().unwrap() + second["published"].as_u64().unwrap(),
        published.len() as u64
    );
    // The scorers' incidents are the batch run's, whatever the partitions.
    let opened = |events: &[PredictedIssue]| -> BTreeSet<String> {
        events
            .iter()
            .filter(|e| e.revision == 0 && e.kind != IssueKind::CascadingFailure)
            .map(|e| e.id.clone())
            .collect()
    };
    let batch_events: Vec<PredictedIssue> = std::fs::read_to_string(bt.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(opened(&scored), opened(&batch_events));
    assert_eq!(streamed, batch, "streaming and batch episodes differ");
    // The labelled cascade is named by its root, though no scorer saw the
    // root and all its callers together.
    let labelled: BTreeSet<&str> = cascade.iter().map(|i| i.service.as_str()).collect();
    let named = published.iter().find(|e| {
        let services: BTreeSet<&str> = e
            .episode
            .as_ref()
            .unwrap()
            .members
            .iter()
            .map(|m| m.service.as_str())
            .collect();
        labelled.iter().filter(|s| services.contains(*s)).count() >= 2
    });
    let named = named.expect("the labelled cascade is one episode");
    assert_eq!(named.service, root);
    assert_eq!(named.root_cause_service.as_deref(), Some(root.as_str()));
    let _ = std::fs::remove_dir_all(&dir);
}
