//! Faults injected under real `forewarn score` and `forewarn remediate`
//! processes:
//! - the broker goes away mid-stream and comes back (librdkafka's mock
//!   cluster, in this process, reached over TCP like any broker: taken
//!   down for 8 s while records keep being produced): the scorer and the
//!   remediator reconnect on their own, the scorer opens exactly the
//!   incidents of an uninterrupted run (same ids, nothing lost), and the
//!   remediator handles each of them exactly once; both say in their logs
//!   that the broker was unreachable;
//! - the newest checkpoint of every partition is corrupt (a newer epoch
//!   whose chunk has a flipped byte, as a damaged disk or a bad copy would
//!   leave it): the restarted scorer says so, resumes from the checkpoint
//!   before it, and opens exactly the incidents of an uninterrupted run;
//! - the audit log's disk is full (the log is `/dev/full`, which answers
//!   every write with ENOSPC, as a full disk does): the remediator refuses
//!   to act rather than act unaudited, says so and exits 2; started again
//!   with room, it reads the same event again and acts once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use forewarn_core::contracts::{IssueStatus, PredictedIssue};
use forewarn_e2e::workspace_root;
use forewarn_kafka::{EmbeddedBroker, ProducerBuilder, TopicReader};
use forewarn_remediate::audit::{Entry, Phase};
use forewarn_sim::{Fleet, SimConfig};

mod common;
use common::{Killed, ScorerProcess, remediate_args, spawn_logged, start_tansu, wait_for};

fn spawn<S: AsRef<std::ffi::OsStr>>(args: &[S], log: &Path) -> Killed {
    spawn_logged(args, log, None)
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("forewarn-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn audit(path: &Path) -> Vec<Entry> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The sample pipeline with its topics renamed `PREFIX.*`.
fn pipeline(dir: &Path, prefix: &str) -> PathBuf {
    let text = std::fs::read_to_string(workspace_root().join("datasets/sample/pipeline.yaml"))
        .unwrap()
        .replace("forewarn.", &format!("{prefix}."));
    let path = dir.join(format!("{prefix}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn topics(prefix: &str) -> Vec<(String, i32)> {
    let three = [
        "metrics",
        "logs",
        "predictions",
        "optimizations",
        "dead-letter",
    ];
    let one = ["remediation-outcomes", "checkpoints", "control"];
    three
        .iter()
        .map(|t| (format!("{prefix}.{t}"), 3))
        .chain(one.iter().map(|t| (format!("{prefix}.{t}"), 1)))
        .collect()
}

/// What one run left: the prediction events and the remediator's audit.
struct Run {
    events: Vec<PredictedIssue>,
    audit: Vec<Entry>,
    scorer_log: String,
    remediator_log: String,
}

/// Score the fleet on `PREFIX.*` with a scorer and a (shadow) remediator;
/// with `outage`, the broker is down for that long after half the input,
/// while a quarter more is produced.
fn run(
    broker: &EmbeddedBroker,
    dir: &Path,
    prefix: &str,
    records: &[(String, Vec<u8>)],
    outage: Option<Duration>,
) -> Run {
    let b = broker.bootstrap();
    let p = pipeline(dir, prefix);
    let policy = dir.join("policy.yaml");
    std::fs::write(&policy, "version: 1\nservices:\n  \"*\":\n    chains: {}\n").unwrap();
    let audit_path = dir.join(format!("{prefix}-audit.jsonl"));
    let (slog, rlog) = (
        dir.join(format!("{prefix}-score.log")),
        dir.join(format!("{prefix}-remediate.log")),
    );
    // A session shorter than the outage: the broker evicts the scorer from
    // its group while it is away, so every run meets what a long outage
    // brings (commits refused with UnknownMemberId, then a rejoin).
    let scorer = ScorerProcess::start_with(
        &b,
        &p,
        &format!("{prefix}-score"),
        slog.clone(),
        &["--kafka-option", "session.timeout.ms=6000"],
    );
    let _remediator = spawn(
        &[
            "remediate",
            "--brokers",
            &b,
            "--pipeline",
            p.to_str().unwrap(),
            "--policy",
            policy.to_str().unwrap(),
            "--audit",
            audit_path.to_str().unwrap(),
            "--group",
            &format!("{prefix}-rem"),
        ],
        &rlog,
    );
    let wait = Duration::from_secs(180);
    scorer.wait_partitions(3.0, wait);
    let topic = format!("{prefix}.metrics");
    let producer = ProducerBuilder::new(&b).build().unwrap();
    let send = |part: &[(String, Vec<u8>)]| {
        for (k, v) in part {
            producer.send(&topic, k.as_bytes(), v).unwrap();
        }
    };
    let n = records.len();
    send(&records[..n / 2]);
    producer.flush(wait).unwrap();
    scorer.wait_consumed(&topic, n / 2, wait);
    scorer.wait_caught_up(&topic, 3.0, wait);
    if let Some(outage) = outage {
        broker.down().unwrap();
        let t = Instant::now();
        send(&records[n / 2..3 * n / 4]);
        std::thread::sleep(outage.saturating_sub(t.elapsed()));
        broker.up().unwrap();
        eprintln!("{prefix}: broker down for {:?}", t.elapsed());
    } else {
        send(&records[n / 2..3 * n / 4]);
    }
    send(&records[3 * n / 4..]);
    let d = producer.flush(wait).unwrap();
    assert_eq!(d.acked as usize, n, "every record produced: {d:?}");
    scorer.wait_consumed(&topic, n, wait);
    scorer.wait_caught_up(&topic, 3.0, wait);
    let events = settled_predictions(&b, &format!("{prefix}.predictions"), wait);
    // The remediator has seen every prediction: one line per open issue.
    let open: BTreeSet<&str> = events
        .iter()
        .filter(|e| e.status != IssueStatus::Resolved)
        .map(|e| e.id.as_str())
        .collect();
    wait_for("the remediator to catch up", wait, || {
        let seen: BTreeSet<String> = audit(&audit_path)
            .into_iter()
            .map(|e| e.outcome.issue_id)
            .collect();
        open.iter().all(|id| seen.contains(*id))
    });
    std::thread::sleep(Duration::from_secs(1));
    drop(scorer);
    Run {
        audit: audit(&audit_path),
        events,
        scorer_log: std::fs::read_to_string(&slog).unwrap_or_default(),
        remediator_log: std::fs::read_to_string(&rlog).unwrap_or_default(),
    }
}

/// Every event on `topic`, read until two reads a second apart agree: the
/// last events may still be on their way to the broker when the scorer has
/// caught up.
fn settled_predictions(brokers: &str, topic: &str, wait: Duration) -> Vec<PredictedIssue> {
    let read = || -> Vec<PredictedIssue> {
        TopicReader::new(brokers, &[], topic)
            .unwrap()
            .read_to_end(wait)
            .unwrap()
            .iter()
            .map(|r| serde_json::from_slice(&r.payload).unwrap())
            .collect()
    };
    let mut events = read();
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let again = read();
        if again.len() == events.len() {
            return events;
        }
        events = again;
    }
}

/// (id, revision, status) of every event, with how many times each came.
fn counted(events: &[PredictedIssue]) -> BTreeMap<(String, u32, String), usize> {
    let mut out = BTreeMap::new();
    for e in events {
        let status = serde_json::to_value(e.status).unwrap().to_string();
        *out.entry((e.id.clone(), e.revision, status)).or_insert(0) += 1;
    }
    out
}

/// The fleet's metric records (7 services, 12 h at 60 s), keyed by service.
fn fleet() -> Vec<(String, Vec<u8>)> {
    let cfg = SimConfig {
        services: 7,
        duration: "12h".parse().unwrap(),
        interval: "60s".parse().unwrap(),
        seed: 9,
        ..SimConfig::default()
    };
    Fleet::new(&cfg)
        .unwrap()
        .flat_map(|b| b.metrics)
        .map(|m| (m.service.clone(), serde_json::to_vec(&m).unwrap()))
        .collect()
}

/// A record's key and value.
type KeyValue = (Vec<u8>, Vec<u8>);

/// An embedded broker with the topics of each of `prefixes`.
fn broker_for(prefixes: &[&str]) -> EmbeddedBroker {
    let all: Vec<(String, i32)> = prefixes.iter().flat_map(|p| topics(p)).collect();
    let specs: Vec<(&str, i32)> = all.iter().map(|(t, n)| (t.as_str(), *n)).collect();
    EmbeddedBroker::start(&specs).unwrap()
}

// Was ignored (session 8: "the scorer stopped answering after the broker
// came back"): the scorer had exited on `commit: UnknownMemberId`, a
// commit refused because the broker evicted it from its group during the
// outage (seen with gdb-less diagnostics: a zombie, and that error last in
// its log). Such a refusal is now a warning (`Error::is_group_moved_on`).
#[test]
fn the_broker_going_away_mid_stream_loses_and_duplicates_nothing() {
    let records = fleet();
    let broker = broker_for(&["ref", "out"]);
    let dir = tempdir("outage");
    let reference = run(&broker, &dir, "ref", &records, None);
    let outage = run(&broker, &dir, "out", &records, Some(Duration::from_secs(8)));

    let (r, o) = (counted(&reference.events), counted(&outage.events));
    assert!(!r.is_empty(), "the fleet has incidents");
    let r_keys: BTreeSet<_> = r.keys().collect();
    let o_keys: BTreeSet<_> = o.keys().collect();
    assert_eq!(
        o_keys, r_keys,
        "the same events (id, revision, status): none lost, none new"
    );
    let repeated: usize = o.values().map(|n| n - 1).sum();
    eprintln!(
        "{} distinct events in both runs; {} repeated (same id) after the outage",
        r.len(),
        repeated
    );
    // The remediator handled each issue once, whatever came twice.
    let mut handled: BTreeMap<&str, usize> = BTreeMap::new();
    for e in outage.audit.iter().filter(|e| e.phase == Phase::Skipped) {
        *handled.entry(e.outcome.issue_id.as_str()).or_insert(0) += 1;
    }
    assert!(handled.values().all(|n| *n == 1), "{handled:?}");
    let open: BTreeSet<&str> = outage
        .events
        .iter()
        .filter(|e| e.status != IssueStatus::Resolved)
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(handled.keys().copied().collect::<BTreeSet<_>>(), open);
    // Both say what happened, in a few lines.
    let said = |log: &str, what: &str| log.lines().filter(|l| l.contains(what)).count();
    let s = &outage.scorer_log;
    // librdkafka's first complaint varies (AllBrokersDown or
    // BrokerTransportFailure); the scorer logs it, throttled.
    assert!(said(s, "Message consumption error") >= 1, "{s}");
    // The outage outlasts the 6 s group session: the partitions come back
    // through a rebalance and are restored from their checkpoints.
    eprintln!(
        "scorer: {} assignment(s), {} commit(s) refused by a group that moved on",
        said(s, "partitions assigned"),
        said(s, "the group moved on")
    );
    assert!(said(s, "partitions assigned") > 1, "{s}");
    assert!(said(s, "resumed warm from checkpoint") >= 1, "{s}");
    let r = &outage.remediator_log;
    assert_eq!(said(r, "The broker cannot be reached"), 1, "{r}");
    assert_eq!(said(r, "The broker is reachable again"), 1, "{r}");
    let warnings = r.lines().filter(|l| l.contains(" WARN ")).count();
    eprintln!("remediator: {warnings} warning line(s) for the outage");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_corrupt_checkpoint_is_reported_and_the_one_before_it_used() {
    let records = fleet();
    let broker = broker_for(&["cref", "cc"]);
    let b = broker.bootstrap();
    let dir = tempdir("corrupt");
    let reference = run(&broker, &dir, "cref", &records, None);
    let p = pipeline(&dir, "cc");
    let wait = Duration::from_secs(180);
    let topic = "cc.metrics";
    let producer = ProducerBuilder::new(&b).build().unwrap();
    let n = records.len();
    let (first, rest) = records.split_at(n / 2);
    let mut a = ScorerProcess::start_with(&b, &p, "cc-score", dir.join("cc-a.log"), &[]);
    a.wait_partitions(3.0, wait);
    for (k, v) in first {
        producer.send(topic, k.as_bytes(), v).unwrap();
    }
    producer.flush(wait).unwrap();
    a.wait_caught_up(topic, 3.0, wait);
    std::thread::sleep(Duration::from_secs(2)); // a checkpoint or two more
    assert!(a.terminate(), "graceful stop (a last checkpoint)");
    // Each partition's newest checkpoint, copied as a newer epoch with one
    // byte of its chunk flipped: what a reader meets first is corrupt.
    let reader = TopicReader::new(&b, &[], "cc.checkpoints").unwrap();
    let cps = reader.read_to_end(wait).unwrap();
    let mut newest: BTreeMap<String, (u64, Vec<KeyValue>)> = BTreeMap::new();
    for r in &cps {
        let key = String::from_utf8(r.key.clone()).unwrap();
        let (prefix, _) = key.rsplit_once('|').unwrap();
        let epoch = u64::from_be_bytes(r.payload[5..13].try_into().unwrap());
        let e = newest.entry(prefix.to_string()).or_default();
        if epoch > e.0 {
            *e = (epoch, Vec::new());
        }
        if epoch == e.0 {
            e.1.push((r.key.clone(), r.payload.clone()));
        }
    }
    assert_eq!(newest.len(), 3, "a checkpoint per partition");
    let mut corrupt = Vec::new();
    for (epoch, recs) in newest.values() {
        for (i, (k, v)) in recs.iter().enumerate() {
            let mut v = v.clone();
            v[5..13].copy_from_slice(&(epoch + 1).to_be_bytes());
            if i == 0 {
                let last = v.len() - 1;
                v[last] ^= 0x40;
            }
            corrupt.push((k.clone(), v));
        }
    }
    for (k, v) in &corrupt {
        producer.send("cc.checkpoints", k, v).unwrap();
    }
    producer.flush(wait).unwrap();
    let log = dir.join("cc-c.log");
    let c = ScorerProcess::start_with(&b, &p, "cc-score", log.clone(), &[]);
    c.wait_partitions(3.0, wait);
    for (k, v) in rest {
        producer.send(topic, k.as_bytes(), v).unwrap();
    }
    producer.flush(wait).unwrap();
    c.wait_caught_up(topic, 3.0, wait);
    drop(c);
    let text = std::fs::read_to_string(&log).unwrap();
    let said = |what: &str| text.lines().filter(|l| l.contains(what)).count();
    assert_eq!(
        said("corrupt checkpoint (a chunk missing, or its length or hash not the manifest's)"),
        3,
        "{text}"
    );
    assert_eq!(said("resuming from an older checkpoint"), 3, "{text}");
    assert_eq!(said("resumed warm from checkpoint"), 3, "{text}");
    let events = settled_predictions(&b, "cc.predictions", wait);
    let (r, o) = (counted(&reference.events), counted(&events));
    let (r_keys, o_keys): (BTreeSet<_>, BTreeSet<_>) = (r.keys().collect(), o.keys().collect());
    assert_eq!(o_keys, r_keys, "the same events as an uninterrupted run");
    let repeated: usize = o.values().map(|n| n - 1).sum();
    eprintln!(
        "corrupt checkpoints: {} distinct events as the reference; {repeated} repeated (same id)",
        r.len()
    );
    drop(a);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_full_disk_for_the_audit_log_stops_the_remediator_before_it_acts() {
    let Some(broker) = start_tansu() else {
        return;
    };
    let b = broker.addr.as_str();
    let dir = tempdir("full");
    let p = common::default_pipeline(&dir, "fd");
    let marker = dir.join("acted");
    let policy = dir.join("policy.yaml");
    std::fs::write(
        &policy,
        format!(
            "version: 1\nmode: live\nactions:\n  restart: {{ command: [\"touch\", \"{}\"], timeout: 10s }}\nservices:\n  api:\n    enabled: true\n    chains:\n      memory_exhaustion: [restart]\n",
            marker.display()
        ),
    )
    .unwrap();
    let audit_path = dir.join("audit.jsonl");
    std::os::unix::fs::symlink("/dev/full", &audit_path).unwrap();
    let log = dir.join("remediate.log");
    let args = remediate_args(b, &p, &policy, &audit_path, "fd-rem");
    let mut first = spawn(&args, &log);
    wait_for("the partition", Duration::from_secs(60), || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("Partition assigned"))
    });
    let at = chrono::Utc::now() - chrono::TimeDelta::seconds(5);
    let issue = serde_json::json!({
        "schema_version": 1, "id": "disk-1", "revision": 0, "status": "open",
        "kind": "memory_exhaustion", "service": "api", "instance": "api-0",
        "severity": "critical", "probability": 0.97, "detected_at": at, "opened_at": at,
        "horizon_s": 600.0, "evidence": [], "model": {"name": "t", "version": "1"},
        "recommended_action": "restart"
    });
    let _: PredictedIssue = serde_json::from_value(issue.clone()).unwrap();
    let producer = ProducerBuilder::new(b).build().unwrap();
    let payload = serde_json::to_vec(&issue).unwrap();
    producer.send("fd.predictions", b"api", &payload).unwrap();
    producer.flush(Duration::from_secs(30)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = first.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the remediator went on with a full disk"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(2), "{text}");
    assert!(text.contains("No space left on device"), "{text}");
    assert!(
        text.contains("no action is taken without its audit line"),
        "says why it stopped: {text}"
    );
    assert!(!marker.exists(), "nothing was done unaudited");
    // Room again: the same event is read again and acted on, once.
    std::fs::remove_file(&audit_path).unwrap();
    let _second = spawn(&args, &log);
    wait_for("the action", Duration::from_secs(60), || marker.exists());
    wait_for("its finished line", Duration::from_secs(30), || {
        audit(&audit_path)
            .iter()
            .any(|e| e.outcome.issue_id == "disk-1" && e.phase == Phase::Finished)
    });
    let started = audit(&audit_path)
        .iter()
        .filter(|e| e.outcome.issue_id == "disk-1" && e.phase == Phase::Started)
        .count();
    assert_eq!(started, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The long run (ignored: about six minutes; run it with
/// `cargo test -p forewarn-e2e --test faults -- --ignored --nocapture`):
/// one stream, the scorer SIGKILLed at 20 random points of it (seeded)
/// and started again each time, then every event compared with an
/// uninterrupted run's. Prints the figures.
#[test]
#[ignore = "long run: 20 SIGKILLs of the scorer; run with --ignored"]
fn twenty_sigkills_of_the_scorer_change_no_incident() {
    let records = fleet();
    let broker = broker_for(&["kref", "k20"]);
    let b = broker.bootstrap();
    let dir = tempdir("twenty");
    let reference = run(&broker, &dir, "kref", &records, None);
    let p = pipeline(&dir, "k20");
    let wait = Duration::from_secs(300);
    let topic = "k20.metrics";
    let producer = ProducerBuilder::new(&b).build().unwrap();
    let n = records.len();
    // 20 cut points in the stream and a pause after each (0-1.5 s of
    // scoring before the kill), from a fixed seed.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut cuts: Vec<usize> = (0..20).map(|_| (next() % n as u64) as usize).collect();
    cuts.sort_unstable();
    let started = Instant::now();
    let mut scorer = ScorerProcess::start_with(&b, &p, "k20-score", dir.join("k20.log"), &[]);
    scorer.wait_partitions(3.0, wait);
    let mut from = 0;
    let mut recoveries = Vec::new();
    for cut in cuts {
        for (k, v) in &records[from..cut] {
            producer.send(topic, k.as_bytes(), v).unwrap();
        }
        producer.flush(wait).unwrap();
        from = cut;
        std::thread::sleep(Duration::from_millis(next() % 1500));
        scorer.kill();
        let t = Instant::now();
        scorer = ScorerProcess::start_with(&b, &p, "k20-score", dir.join("k20.log"), &[]);
        scorer.wait_partitions(3.0, wait);
        recoveries.push(t.elapsed());
    }
    for (k, v) in &records[from..] {
        producer.send(topic, k.as_bytes(), v).unwrap();
    }
    producer.flush(wait).unwrap();
    scorer.wait_caught_up(topic, 3.0, wait);
    let total = started.elapsed();
    drop(scorer);
    let events = settled_predictions(&b, "k20.predictions", wait);
    let opened = |e: &[PredictedIssue]| -> BTreeSet<String> {
        e.iter()
            .filter(|e| e.status == IssueStatus::Open)
            .map(|e| e.id.clone())
            .collect()
    };
    let (r, o) = (counted(&reference.events), counted(&events));
    let (r_keys, o_keys): (BTreeSet<_>, BTreeSet<_>) = (r.keys().collect(), o.keys().collect());
    let repeated: usize = o.values().map(|n| n - 1).sum();
    recoveries.sort_unstable();
    eprintln!(
        "20 SIGKILLs in {:.1} s: {} incidents opened (reference {}), {} distinct events (reference {}), {} missing, {} new, {} repeated (same id); restart to 3 partitions owned: median {:.1} s, max {:.1} s",
        total.as_secs_f64(),
        opened(&events).len(),
        opened(&reference.events).len(),
        o.len(),
        r.len(),
        r_keys.difference(&o_keys).count(),
        o_keys.difference(&r_keys).count(),
        repeated,
        recoveries[recoveries.len() / 2].as_secs_f64(),
        recoveries.last().unwrap().as_secs_f64()
    );
    assert_eq!(
        opened(&events),
        opened(&reference.events),
        "the same incidents"
    );
    assert_eq!(o_keys, r_keys, "the same events (id, revision, status)");
    let _ = std::fs::remove_dir_all(&dir);
}
