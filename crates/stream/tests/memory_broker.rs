//! The streaming scorer on the in-memory broker, no broker process: the
//! real runtime loop ([`forewarn_stream::run_on`]) and the real scorer with
//! the repository's default model, on a simulated fleet. Partitions handed
//! over in a rebalance keep their state (the opened incidents are exactly
//! those of an uninterrupted run, none twice); a member that dies without
//! a graceful stop is replaced by one that resumes warm from the checkpoint
//! topic (the same incident ids); bad records become dead letters with
//! their bytes, source and reason, counted; a failed delivery keeps offsets
//! from being committed; a broker that answers a fetch inside a batch from
//! the next batch (tansu 0.6) is repaired by seeking back.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use forewarn_config::PipelineConfig;
use forewarn_core::contracts::{IssueStatus, PredictedIssue};
use forewarn_kafka::{MemoryBroker, MemorySink, MemorySource, Record};
use forewarn_models::artifact::{Artifact, Model};
use forewarn_sim::{Fleet, SimConfig};
use forewarn_stream::metrics::HowLabel;
use forewarn_stream::{Edge, Error, ScoreOptions, Stats, Summary, Topics, run_on};

/// Far longer than a test: checkpoints happen only on revocation and stop.
const NEVER: Duration = Duration::from_secs(3600);

struct Fixture {
    pipeline: PipelineConfig,
    model: Model,
    topics: Topics,
    /// (service, JSON sample), in event time.
    records: Vec<(String, Vec<u8>)>,
}

fn fixture() -> &'static Fixture {
    static FX: OnceLock<Fixture> = OnceLock::new();
    FX.get_or_init(|| {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let pipeline = forewarn_config::load(&root.join("datasets/sample/pipeline.yaml")).unwrap();
        let model = Artifact::load_for(&root.join("models/default"), &pipeline.features.hash())
            .unwrap()
            .model;
        let cfg = SimConfig {
            services: 7,
            duration: "12h".parse().unwrap(),
            interval: "60s".parse().unwrap(),
            seed: 9,
            ..SimConfig::default()
        };
        let records = Fleet::new(&cfg)
            .unwrap()
            .flat_map(|b| b.metrics)
            .map(|m| (m.service.clone(), serde_json::to_vec(&m).unwrap()))
            .collect();
        Fixture {
            topics: Topics::of(&pipeline),
            pipeline,
            model,
            records,
        }
    })
}

/// A broker with the pipeline's topics, 3 partitions each (checkpoints 1).
fn broker(fx: &Fixture) -> MemoryBroker {
    let b = MemoryBroker::new();
    let t = &fx.topics;
    for name in [&t.metrics, &t.predictions, &t.optimizations, &t.dead_letter] {
        b.create_topic(name, 3);
    }
    if let Some(l) = &t.logs {
        b.create_topic(l, 3);
    }
    b.create_topic(&t.checkpoints, 1);
    b
}

fn produce(b: &MemoryBroker, fx: &Fixture, records: &[(String, Vec<u8>)]) {
    for (k, v) in records {
        b.produce(&fx.topics.metrics, k.as_bytes(), v, Vec::new());
    }
}

/// One scorer process on `b`, on a thread of its own.
struct Member {
    id: u64,
    stop: Arc<AtomicBool>,
    stats: Arc<Stats>,
    handle: JoinHandle<Result<Summary, Error>>,
}

impl Member {
    fn start(b: &MemoryBroker, fx: &'static Fixture, group: &str, every: Duration) -> Self {
        Self::start_with(b, fx, group, every, |_| {})
    }

    /// As [`Member::start`], with `tweak` applied to the options.
    fn start_with(
        b: &MemoryBroker,
        fx: &'static Fixture,
        group: &str,
        every: Duration,
        tweak: impl FnOnce(&mut ScoreOptions),
    ) -> Self {
        let source = MemorySource::new(b, group);
        let id = source.id();
        let edge = Edge {
            source: Box::new(source),
            sink: Arc::new(MemorySink::new(b)),
            checkpoints: Box::new(b.clone()),
        };
        let mut opts = ScoreOptions::new("memory");
        opts.group = group.to_string();
        opts.checkpoint_every = every;
        tweak(&mut opts);
        let stats = Arc::new(Stats::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let (stats, stop) = (Arc::clone(&stats), Arc::clone(&stop));
            let (pipeline, model) = (fx.pipeline.clone(), fx.model.clone());
            std::thread::spawn(move || run_on(edge, pipeline, model, opts, stats, stop))
        };
        Self {
            id,
            stop,
            stats,
            handle,
        }
    }

    fn consumed(&self, fx: &Fixture) -> u64 {
        self.stats.consumed_of(&fx.topics.metrics)
    }

    fn partitions(&self) -> i64 {
        self.stats.partitions.get()
    }

    fn restored(&self, how: &str) -> u64 {
        self.stats
            .restored
            .get_or_create(&HowLabel { how: how.into() })
            .get()
    }

    /// Graceful stop: checkpoint, commit, leave the group.
    fn stop(self) -> Result<Summary, Error> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Ids of the incidents opened, in order, duplicates kept.
fn opened(b: &MemoryBroker, fx: &Fixture) -> Vec<String> {
    let mut ids: Vec<String> = b
        .records(&fx.topics.predictions)
        .iter()
        .map(|r| serde_json::from_slice::<PredictedIssue>(&r.payload).unwrap())
        .filter(|e| e.status == IssueStatus::Open)
        .map(|e| e.id)
        .collect();
    ids.sort();
    ids
}

/// The opened incident ids of one member reading everything.
fn reference() -> &'static Vec<String> {
    static REF: OnceLock<Vec<String>> = OnceLock::new();
    REF.get_or_init(|| {
        let fx = fixture();
        let b = broker(fx);
        produce(&b, fx, &fx.records);
        let m = Member::start(&b, fx, "ref", NEVER);
        let n = fx.records.len() as u64;
        wait_for("the reference run", || m.consumed(fx) == n);
        m.stop().unwrap();
        let ids = opened(&b, fx);
        assert!(
            ids.len() >= 3,
            "the reference run should open incidents: {ids:?}"
        );
        ids
    })
}

#[test]
fn partitions_handed_over_in_a_rebalance_keep_their_state() {
    let fx = fixture();
    let reference = reference();
    let b = broker(fx);
    let (n, half) = (fx.records.len(), fx.records.len() / 2);
    produce(&b, fx, &fx.records[..half]);
    let a = Member::start(&b, fx, "g", NEVER);
    wait_for("the first half", || a.consumed(fx) == half as u64);
    // A second member joins: every partition is revoked from the first
    // (checkpointed, committed) and the group splits them.
    let c = Member::start(&b, fx, "g", NEVER);
    wait_for("the split", || a.partitions() > 0 && c.partitions() > 0);
    assert_eq!(b.members("g"), 2);
    produce(&b, fx, &fx.records[half..]);
    wait_for("the second half", || {
        a.consumed(fx) + c.consumed(fx) >= n as u64
    });
    let moved = c.stats.published_to(&fx.topics.predictions);
    let (ra, rc) = (a.stop().unwrap(), c.stop().unwrap());
    assert_eq!(
        ra.consumed + rc.consumed,
        n as u64,
        "every record scored once"
    );
    assert!(
        moved > 0,
        "the member that took partitions over published nothing"
    );
    assert_eq!(
        &opened(&b, fx),
        reference,
        "after a hand-over, exactly the incidents of an uninterrupted run are opened, none twice"
    );
}

#[test]
fn a_member_that_dies_is_replaced_warm_from_its_checkpoints() {
    let fx = fixture();
    let reference = reference();
    let b = broker(fx);
    let n = fx.records.len();
    let every = Duration::from_millis(100);
    produce(&b, fx, &fx.records[..n / 2]);
    let a = Member::start(&b, fx, "k", every);
    wait_for("the first checkpoint", || {
        b.caught_up("k", &fx.topics.metrics)
    });
    produce(&b, fx, &fx.records[n / 2..n * 3 / 4]);
    wait_for("some more", || a.consumed(fx) > (n * 5 / 8) as u64);
    // Dies: no checkpoint, no commit, no revocation.
    b.kill("k", a.id);
    assert!(a.stop().is_err(), "a killed member's run ends in an error");
    let c = Member::start(&b, fx, "k", every);
    produce(&b, fx, &fx.records[n * 3 / 4..]);
    wait_for("the rest", || b.caught_up("k", &fx.topics.metrics));
    let with_data = b
        .end_offsets(&fx.topics.metrics)
        .iter()
        .filter(|e| **e > 0)
        .count() as u64;
    assert_eq!(
        c.restored("warm"),
        with_data,
        "every partition with data resumes warm"
    );
    c.stop().unwrap();
    let got: BTreeSet<String> = opened(&b, fx).into_iter().collect();
    let want: BTreeSet<String> = reference.iter().cloned().collect();
    assert_eq!(
        got, want,
        "after a crash and restore, the same incident ids"
    );
}

#[test]
fn bad_records_become_dead_letters_with_bytes_source_and_reason() {
    let fx = fixture();
    let b = broker(fx);
    let good = &fx.records[..500];
    produce(&b, fx, good);
    let bad: [(&str, &[u8]); 3] = [
        ("bad", b"not json at all"),
        ("bad", br#"{"schema_version":1,"service":"api"}"#),
        ("bad", b""),
    ];
    let mut sources = Vec::new();
    for (k, v) in bad {
        sources.push(b.produce(&fx.topics.metrics, k.as_bytes(), v, Vec::new()));
    }
    let m = Member::start(&b, fx, "d", NEVER);
    let total = (good.len() + bad.len()) as u64;
    wait_for("every record", || m.consumed(fx) == total);
    let stats = Arc::clone(&m.stats);
    let summary = m.stop().unwrap();
    assert_eq!(summary.rejected, 3);
    let dead: Vec<Record> = b.records(&fx.topics.dead_letter);
    assert_eq!(dead.len(), 3);
    for ((_, payload), (p, o)) in bad.iter().zip(&sources) {
        let d = dead
            .iter()
            .find(|d| d.payload == *payload)
            .unwrap_or_else(|| panic!("no dead letter of {payload:?}"));
        let header = |k: &str| String::from_utf8(d.header(k).unwrap().to_vec()).unwrap();
        assert_eq!(header("forewarn.source.topic"), fx.topics.metrics);
        assert_eq!(header("forewarn.source.partition"), p.to_string());
        assert_eq!(header("forewarn.source.offset"), o.to_string());
        assert!(!header("forewarn.reason").is_empty());
    }
    let text = stats.encode();
    for line in [
        "forewarn_records_rejected_total{reason=\"malformed_metric\"} 2",
        "forewarn_records_rejected_total{reason=\"empty\"} 1",
    ] {
        assert!(text.contains(line), "{line} not in /metrics:\n{text}");
    }
}

#[test]
fn a_failed_delivery_keeps_offsets_uncommitted() {
    let fx = fixture();
    let b = broker(fx);
    produce(&b, fx, &fx.records);
    b.fail_next(&fx.topics.predictions, 1);
    let m = Member::start(&b, fx, "f", NEVER);
    let n = fx.records.len() as u64;
    wait_for("every record", || m.consumed(fx) == n);
    let r = m.stop();
    assert!(matches!(r, Err(Error::Delivery(1))), "{r:?}");
    assert!(
        b.committed("f", &fx.topics.metrics)
            .iter()
            .all(Option::is_none),
        "nothing may be committed past a lost event"
    );
}

#[test]
fn records_skipped_by_a_batch_granular_broker_are_read_again() {
    let fx = fixture();
    let reference = reference();
    let b = broker(fx);
    b.batches(64);
    let (n, half) = (fx.records.len(), fx.records.len() / 2 + 7);
    produce(&b, fx, &fx.records[..half]);
    let a = Member::start(&b, fx, "o", NEVER);
    wait_for("the first part", || a.consumed(fx) == half as u64);
    a.stop().unwrap();
    produce(&b, fx, &fx.records[half..]);
    let c = Member::start(&b, fx, "o", NEVER);
    wait_for("the rest", || c.consumed(fx) == (n - half) as u64);
    let repaired = c
        .stats
        .offset_gaps
        .get_or_create(&HowLabel {
            how: "repaired".into(),
        })
        .get();
    let replayed = c.stats.replayed.get();
    c.stop().unwrap();
    assert!(repaired > 0, "the resumed member should have met a gap");
    assert!(replayed > 0, "seeking back re-reads records before the gap");
    assert_eq!(&opened(&b, fx), reference, "every record once, in order");
}

/// A sample and a log line stamped 9999-12-31 among a fleet's records:
/// each goes to the dead-letter topic with its reason and moves no
/// partition's clock. Nothing is evicted, nothing resolved in year 9999,
/// no later sample is refused as late, and a member that resumes from the
/// checkpoint taken after it opens exactly the incidents of a clean run.
#[test]
fn a_far_future_timestamp_is_a_dead_letter_and_moves_no_clock() {
    let fx = fixture();
    let reference = reference();
    let b = broker(fx);
    let n = fx.records.len();
    let (service, sample) = &fx.records[n / 3];
    let mut poisoned: serde_json::Value = serde_json::from_slice(sample).unwrap();
    poisoned["ts"] = "9999-12-31T23:59:59Z".into();
    let poisoned = serde_json::to_vec(&poisoned).unwrap();
    let log = serde_json::json!({
        "ts": "9999-12-31T23:59:59Z",
        "service": service,
        "level": "error",
        "message": "connection refused",
    });
    let logs = fx.topics.logs.as_deref().expect("the pipeline reads logs");
    produce(&b, fx, &fx.records[..n / 2]);
    b.produce(
        &fx.topics.metrics,
        service.as_bytes(),
        &poisoned,
        Vec::new(),
    );
    b.produce(
        logs,
        service.as_bytes(),
        &serde_json::to_vec(&log).unwrap(),
        Vec::new(),
    );
    produce(&b, fx, &fx.records[n / 2..n * 3 / 4]);
    let a = Member::start(&b, fx, "t", Duration::from_millis(100));
    wait_for("the first three quarters", || {
        a.consumed(fx) == (n * 3 / 4 + 1) as u64 && a.stats.consumed_of(logs) == 1
    });
    let first = Arc::clone(&a.stats);
    a.stop().unwrap();
    // A restart from the checkpoint written after the poisoned records.
    produce(&b, fx, &fx.records[n * 3 / 4..]);
    let c = Member::start(&b, fx, "t", NEVER);
    wait_for("the rest", || c.consumed(fx) == (n - n * 3 / 4) as u64);
    let second = Arc::clone(&c.stats);
    c.stop().unwrap();
    for (name, stats) in [("first", &first), ("restarted", &second)] {
        let text = stats.encode();
        assert_eq!(stats.evicted.get(), 0, "{name}: series evicted:\n{text}");
        assert!(
            !text.contains("forewarn_samples_refused_total{reason=\"too_late\"}"),
            "{name}: later samples refused as late:\n{text}"
        );
    }
    assert!(
        first
            .encode()
            .contains("forewarn_records_rejected_total{reason=\"future_timestamp\"} 2"),
        "{}",
        first.encode()
    );
    let dead = b.records(&fx.topics.dead_letter);
    assert_eq!(dead.len(), 2, "one dead letter per far-future record");
    for d in &dead {
        let reason = String::from_utf8(d.header("forewarn.reason").unwrap().to_vec()).unwrap();
        assert!(
            reason.contains("9999-12-31") && reason.contains("ahead"),
            "the reason says what and why: {reason}"
        );
    }
    for r in b.records(&fx.topics.predictions) {
        let e: PredictedIssue = serde_json::from_slice(&r.payload).unwrap();
        assert!(
            e.detected_at.timestamp() < 4_102_444_800,
            "an event stamped past 2100: {e:?}"
        );
    }
    assert_eq!(
        &opened(&b, fx),
        reference,
        "the incidents of a run without the far-future records"
    );
}

/// A checkpoint whose delivery failed is not counted as written, and the
/// run's error counts exactly the messages that failed.
#[test]
fn a_checkpoint_is_counted_only_once_the_broker_acknowledged_it() {
    let fx = fixture();
    let b = broker(fx);
    produce(&b, fx, &fx.records[..300]);
    b.fail_next(&fx.topics.checkpoints, 2);
    let m = Member::start(&b, fx, "c", Duration::from_millis(100));
    let stats = Arc::clone(&m.stats);
    wait_for("the run to stop on the failed checkpoint", || {
        m.handle.is_finished()
    });
    let r = m.stop();
    assert!(matches!(r, Err(Error::Delivery(2))), "{r:?}");
    assert_eq!(stats.delivery_failed.get(), 2);
    assert_eq!(
        stats.checkpoints.get(),
        0,
        "a checkpoint the broker refused was counted as written"
    );
}

/// Records and labels beyond the size limits: a 2 MiB record, a label
/// value of 5,000 bytes, 40 labels on one sample, a 2,000-byte service
/// name on a sample and on a log line. Each goes to the dead-letter topic
/// with its reason naming the limit (`oversize_record`, `oversize_labels`),
/// none becomes a series, and the good records around them are scored.
#[test]
fn oversized_records_and_labels_are_dead_letters_not_series() {
    use forewarn_core::contracts::MetricSample;
    let fx = fixture();
    let b = broker(fx);
    let good = &fx.records[..400];
    let (service, sample) = &fx.records[0];
    let base: serde_json::Value = serde_json::from_slice(sample).unwrap();
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = base.clone();
        f(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    let bad_metrics = [
        with(&|v| v["labels"] = serde_json::json!({"blob": "x".repeat(2 << 20)})),
        with(&|v| v["labels"] = serde_json::json!({"path": "y".repeat(5_000)})),
        with(&|v| {
            v["labels"] = (0..40)
                .map(|i| (format!("k{i}"), serde_json::Value::from("v")))
                .collect::<serde_json::Map<_, _>>()
                .into()
        }),
        with(&|v| v["service"] = "s".repeat(2_000).into()),
    ];
    produce(&b, fx, &good[..200]);
    for v in &bad_metrics {
        b.produce(&fx.topics.metrics, service.as_bytes(), v, Vec::new());
    }
    let logs = fx.topics.logs.as_deref().expect("the pipeline reads logs");
    let log = serde_json::json!({
        "ts": base["ts"],
        "service": "s".repeat(2_000),
        "level": "error",
        "message": "connection refused",
    });
    b.produce(
        logs,
        service.as_bytes(),
        &serde_json::to_vec(&log).unwrap(),
        Vec::new(),
    );
    produce(&b, fx, &good[200..]);
    let m = Member::start(&b, fx, "z", NEVER);
    let total = (good.len() + bad_metrics.len()) as u64;
    wait_for("every record", || {
        m.consumed(fx) == total && m.stats.consumed_of(logs) == 1
    });
    let series: BTreeSet<String> = good
        .iter()
        .map(|(_, v)| {
            let s: MetricSample = serde_json::from_slice(v).unwrap();
            format!("{}/{}/{}/{:?}", s.service, s.instance, s.metric, s.labels)
        })
        .collect();
    // The gauge is refreshed by the loop's housekeeping, once a second.
    wait_for("only the good records' series to be tracked", || {
        m.stats.series.get() == series.len() as i64
    });
    let stats = Arc::clone(&m.stats);
    m.stop().unwrap();
    let text = stats.encode();
    for line in [
        "forewarn_records_rejected_total{reason=\"oversize_record\"} 1",
        "forewarn_records_rejected_total{reason=\"oversize_labels\"} 4",
    ] {
        assert!(text.contains(line), "{line} not in /metrics:\n{text}");
    }
    let dead = b.records(&fx.topics.dead_letter);
    assert_eq!(dead.len(), 5, "one dead letter per oversized record");
    for d in &dead {
        let reason = String::from_utf8(d.header("forewarn.reason").unwrap().to_vec()).unwrap();
        assert!(
            reason.contains("limit") && reason.len() < 300,
            "the reason names the limit, briefly: {reason}"
        );
    }
}

/// A process restarted with a lower `max_series` than its checkpoints
/// hold brings the whole process under the cap (each partition keeping
/// its share, idlest series evicted), and new series are then admitted
/// by displacing the idlest, not refused.
#[test]
fn a_restart_with_a_lower_series_cap_holds_it_and_refuses_no_new_series() {
    let fx = fixture();
    let b = broker(fx);
    let n = fx.records.len();
    produce(&b, fx, &fx.records[..n / 2]);
    let a = Member::start(&b, fx, "cap", NEVER);
    wait_for("the first half", || a.consumed(fx) == (n / 2) as u64);
    wait_for("every series tracked", || a.stats.series.get() > 60);
    a.stop().unwrap();
    produce(&b, fx, &fx.records[n / 2..]);
    let c = Member::start_with(&b, fx, "cap", NEVER, |o| o.scorer.max_series = 20);
    wait_for("the rest", || c.consumed(fx) == (n - n / 2) as u64);
    wait_for("the cap to hold", || {
        let s = c.stats.series.get();
        s > 0 && s <= 20
    });
    let stats = Arc::clone(&c.stats);
    c.stop().unwrap();
    let text = stats.encode();
    assert!(
        !text.contains("forewarn_samples_refused_total{reason=\"series_cap\"}"),
        "new series refused over the cap:\n{text}"
    );
    assert!(stats.evicted.get() > 0, "{text}");
}

/// Co-partitioning checked: the fleet's records are keyed by service, so
/// each service arrives on one partition; one more record of a service
/// under another key lands on another partition, and the process counts
/// that service once as split (`forewarn_services_split_total`), however
/// many more of its records arrive there.
#[test]
fn a_service_seen_on_two_partitions_is_counted_once() {
    let fx = fixture();
    let b = broker(fx);
    let good = &fx.records[..300];
    produce(&b, fx, good);
    let (service, sample) = &fx.records[0];
    // A key that lands elsewhere than the service's own (probed on a
    // scratch topic of as many partitions).
    b.create_topic("scratch", 3);
    let home = b.produce("scratch", service.as_bytes(), b"", Vec::new()).0;
    let other = (0..100)
        .map(|i| format!("other-{i}"))
        .find(|k| b.produce("scratch", k.as_bytes(), b"", Vec::new()).0 != home)
        .unwrap();
    for _ in 0..3 {
        b.produce(&fx.topics.metrics, other.as_bytes(), sample, Vec::new());
    }
    let m = Member::start(&b, fx, "split", NEVER);
    wait_for("every record", || m.consumed(fx) == good.len() as u64 + 3);
    let stats = Arc::clone(&m.stats);
    m.stop().unwrap();
    let text = stats.encode();
    assert!(
        text.contains("forewarn_services_split_total 1\n"),
        "one service split:\n{text}"
    );
}

/// A member that resumes inside the last batch of a partition (tansu
/// answers such a fetch from the next batch, and there is none) reads
/// nothing from there, and no later record comes to start the gap repair:
/// housekeeping starts it from the high watermark, so the records after
/// the checkpoint are read, each once.
#[test]
fn a_partition_resumed_inside_its_last_batch_reads_the_rest_of_it() {
    let fx = fixture();
    let b = broker(fx);
    b.batches(64);
    let half = fx.records.len() / 2 + 7;
    produce(&b, fx, &fx.records[..half]);
    let a = Member::start(&b, fx, "stall", NEVER);
    wait_for("the first part", || a.consumed(fx) == half as u64);
    a.stop().unwrap();
    let extra = &fx.records[half..half + 6];
    let placed: Vec<(i32, i64)> = extra
        .iter()
        .map(|(k, v)| b.produce(&fx.topics.metrics, k.as_bytes(), v, Vec::new()))
        .collect();
    let first = |p: i32| {
        placed
            .iter()
            .filter(|(q, _)| *q == p)
            .map(|(_, o)| *o)
            .min()
    };
    let inside = placed
        .iter()
        .filter(|(p, o)| first(*p).is_some_and(|f| f % 64 != 0 && o / 64 == f / 64))
        .count();
    assert!(
        inside > 0,
        "the case under test: a record inside the batch the member resumes in: {placed:?}"
    );
    let c = Member::start(&b, fx, "stall", NEVER);
    wait_for("the records after the checkpoint", || c.consumed(fx) == 6);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(c.consumed(fx), 6, "each once");
    let repaired = c
        .stats
        .offset_gaps
        .get_or_create(&HowLabel {
            how: "repaired".into(),
        })
        .get();
    c.stop().unwrap();
    assert!(repaired > 0, "read through the repair: {repaired}");
}
