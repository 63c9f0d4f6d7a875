//! `forewarn score` (and `simulate --kafka`) meeting a broker the way a
//! new user does: a broker address where nothing listens is named once
//! and the run fails by its start-up deadline; topics the broker does not
//! have (tansu creates none on first use) fail the start in seconds,
//! named, with the fix; and a scorer that owns no partition says so on
//! `/health` (503) and in `forewarn_partitions_assigned`, until it does.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use forewarn_e2e::{forewarn_bin, workspace_root};

mod common;
use common::{ScorerProcess, default_pipeline, start_tansu, wait_for};

/// Run `forewarn args`, killing it after `limit`; returns its output and
/// whether it ended by itself.
fn run_for(args: &[&str], limit: Duration) -> (Output, bool) {
    let mut child = Command::new(forewarn_bin())
        .args(args)
        .current_dir(workspace_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    let mut ended = true;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            ended = false;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (child.wait_with_output().unwrap(), ended)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn an_unreachable_broker_is_named_once_and_the_start_fails_by_its_deadline() {
    let (o, ended) = run_for(
        &[
            "score",
            "--brokers",
            "127.0.0.1:1",
            "--listen",
            "127.0.0.1:0",
            "--startup-timeout",
            "3s",
        ],
        Duration::from_secs(15),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(ended, "still running after 15 s:\n{stderr}");
    assert!(!o.status.success(), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(
        stderr.lines().count() <= 8,
        "{} lines:\n{stderr}",
        stderr.lines().count()
    );

    let out = temp_dir("sim-down");
    let (o, ended) = run_for(
        &[
            "simulate",
            "--services",
            "1",
            "--duration",
            "10m",
            "--brokers",
            "127.0.0.1:1",
            "--startup-timeout",
            "3s",
            "--no-progress",
            "--out",
            out.to_str().unwrap(),
        ],
        Duration::from_secs(15),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(ended, "simulate still running after 15 s:\n{stderr}");
    assert!(!o.status.success(), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn topics_the_broker_does_not_have_fail_the_start_naming_them_and_the_fix() {
    let Some(broker) = start_tansu() else { return };
    let dir = temp_dir("missing-topics");
    let pipeline = default_pipeline(&dir, "mt");
    let started = Instant::now();
    let (o, ended) = run_for(
        &[
            "score",
            "--brokers",
            &broker.addr,
            "--pipeline",
            pipeline.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
        Duration::from_secs(20),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(ended, "still running after 20 s:\n{stderr}");
    assert!(started.elapsed() < Duration::from_secs(15), "{stderr}");
    assert!(!o.status.success(), "{stderr}");
    for topic in ["mt.metrics", "mt.logs", "mt.predictions", "mt.checkpoints"] {
        assert!(stderr.contains(topic), "{topic} not named:\n{stderr}");
    }
    assert!(stderr.contains("--create-topics"), "{stderr}");
    assert!(stderr.lines().count() <= 8, "{stderr}");

    // With --create-topics the same start works, and says how its
    // checkpoint topic is kept (or that the broker would not tell).
    let sc = ScorerProcess::start(&broker.addr, &pipeline, "g-mt", dir.join("mt.log"));
    sc.wait_partitions(3.0, Duration::from_secs(60));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn health_is_503_until_a_partition_is_owned() {
    let Some(broker) = start_tansu() else { return };
    let dir = temp_dir("health");
    let pipeline = default_pipeline(&dir, "h");
    let wait = Duration::from_secs(90);
    // One partition per topic: of two members, one owns nothing.
    let a = ScorerProcess::start_with(
        &broker.addr,
        &pipeline,
        "g-h",
        dir.join("a.log"),
        &["--create-topics", "1"],
    );
    a.wait_partitions(1.0, wait);
    wait_for("a healthy", wait, || {
        a.get("/health").map(|r| r.0) == Some(200)
    });
    let b = ScorerProcess::start_with(&broker.addr, &pipeline, "g-h", dir.join("b.log"), &[]);
    let mut members = [a, b];
    let owned = |m: &ScorerProcess| m.metric("forewarn_partitions_assigned");
    let assigned = |m: &ScorerProcess| {
        std::fs::read_to_string(&m.log).is_ok_and(|l| l.contains("partitions assigned"))
    };
    // Both have been handed their share: one the partition, one nothing.
    wait_for("the group to settle", wait, || {
        owned(&members[0]) + owned(&members[1]) == 1.0 && members.iter().all(assigned)
    });
    std::thread::sleep(Duration::from_secs(2));
    let idle = members
        .iter()
        .position(|m| owned(m) == 0.0)
        .expect("one member owns nothing");
    let owner = 1 - idle;
    assert_eq!(
        members[idle].get("/health").map(|r| r.0),
        Some(503),
        "a member that owns no partition is not ready; log:\n{}",
        std::fs::read_to_string(&members[idle].log).unwrap_or_default()
    );
    assert_eq!(members[owner].get("/health").map(|r| r.0), Some(200));
    // The owner leaves the group; the other takes the partition over and
    // is ready.
    assert!(members[owner].terminate(), "graceful stop failed");
    members[idle].wait_partitions(1.0, wait);
    wait_for("the other member healthy", wait, || {
        members[idle].get("/health").map(|r| r.0) == Some(200)
    });
    let _ = std::fs::remove_dir_all(&dir);
}
