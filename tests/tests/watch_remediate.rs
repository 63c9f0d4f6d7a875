//! The whole loop with real processes on a real broker (tansu), nothing
//! simulated but the leak's rate: `forewarn watch` runs a service that
//! really leaks memory (2 MiB a second toward its 400 MiB limit) and
//! publishes its RSS; `forewarn score` predicts the OOM; `forewarn
//! remediate` (live policy, a Kafka `restart` action) publishes a restart
//! command; `watch` restarts the service before it dies. No shell command
//! anywhere, no code change in the service.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use forewarn_core::contracts::{IssueKind, IssueStatus, PredictedIssue};
use forewarn_e2e::{forewarn_bin, workspace_root};

mod common;
use common::{ScorerProcess, default_pipeline, kcat_binary, kcat_consume, start_tansu, wait_for};

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str], log: &Path) -> Killed {
    let stderr = std::fs::File::create(log).unwrap();
    Killed(
        Command::new(forewarn_bin())
            .args(args)
            .current_dir(workspace_root())
            .env_remove("RELIABILITY_ENGINE_ENABLED")
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start forewarn"),
    )
}

fn payloads(kcat: &Path, brokers: &str, topic: &str) -> Vec<serde_json::Value> {
    kcat_consume(kcat, brokers, topic)
        .iter()
        .filter_map(|r| serde_json::from_str(r["payload"].as_str()?).ok())
        .collect()
}

/// Whether `topic` exists yet (`watch` creates its topics as it starts).
fn has_topic(kcat: &Path, brokers: &str, topic: &str) -> bool {
    Command::new(kcat)
        .args(["-L", "-b", brokers, "-t", topic, "-J"])
        .output()
        .is_ok_and(|o| {
            o.status.success()
                && serde_json::from_slice::<serde_json::Value>(&o.stdout).is_ok_and(|v| {
                    v["topics"].as_array().is_some_and(|t| {
                        t.iter()
                            .any(|t| t["topic"] == topic && t["error"].is_null())
                    })
                })
        })
}

#[test]
fn a_leak_under_watch_is_predicted_and_restarted_before_its_oom() {
    let (Some(broker), Some(kcat)) = (start_tansu(), kcat_binary()) else {
        return;
    };
    let b = broker.addr.as_str();
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-loop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let limit_mb = 400u64;
    let pipeline = default_pipeline(&dir, "lp");
    // A runway of minutes, not hours: the trend may forecast after one
    // minute of history (30 by default) and open after 20 s above the
    // threshold (1 min by default).
    let yaml = std::fs::read_to_string(&pipeline)
        .unwrap()
        .replace("min_history: 30m", "min_history: 1m")
        .replace(
            "  per_kind_min_duration:\n",
            "  per_kind_min_duration:\n    memory_exhaustion: 20s\n",
        )
        .replace(
        "\nservices:\n",
        &format!(
            "\nservices:\n  leaky:\n    recovery_strategy: restart\n    limits: {{ memory_bytes: {} }}\n",
            limit_mb * 1024 * 1024
        ),
    );
    std::fs::write(&pipeline, yaml).unwrap();
    let p = pipeline.to_str().unwrap();
    let scorer = ScorerProcess::start_with(
        b,
        &pipeline,
        "lp-scorer",
        dir.join("score.log"),
        &["--create-topics", "1", "--eval-every", "5s"],
    );
    scorer.wait_partitions(1.0, Duration::from_secs(60));
    let policy = dir.join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nmode: live\nactions:\n  restart: { kafka: { topic: lp.commands }, timeout: 10s }\nservices:\n  leaky:\n    enabled: true\n",
    )
    .unwrap();
    let audit = dir.join("audit.jsonl");
    let _remediator = spawn(
        &[
            "remediate",
            "--brokers",
            b,
            "--group",
            "lp-remediator",
            "--pipeline",
            p,
            "--policy",
            policy.to_str().unwrap(),
            "--audit",
            audit.to_str().unwrap(),
        ],
        &dir.join("remediate.log"),
    );
    let status = dir.join("status.txt");
    let leaky = env!("CARGO_BIN_EXE_leaky_service");
    let started = Instant::now();
    let _watch = spawn(
        &[
            "watch",
            "--service",
            "leaky",
            "--instance",
            "leaky-0",
            "--pipeline",
            p,
            "--brokers",
            b,
            "--create-topics",
            "1",
            "--commands-topic",
            "lp.commands",
            "--sample-every",
            "1s",
            "--",
            leaky,
            "--service",
            "leaky",
            "--tick-ms",
            "500",
            "--leak-mb",
            "1",
            "--limit-mb",
            &limit_mb.to_string(),
            "--minutes",
            "100000",
            "--restart-file",
            dir.join("never").to_str().unwrap(),
            "--status",
            status.to_str().unwrap(),
        ],
        &dir.join("watch.log"),
    );
    wait_for(
        "watch to create its topics",
        Duration::from_secs(60),
        || has_topic(&kcat, b, "lp.service-events"),
    );
    let events = || payloads(&kcat, b, "lp.service-events");
    wait_for(
        "watch to restart the leaking service",
        Duration::from_secs(240),
        || events().iter().any(|e| e["kind"] == "restarted"),
    );
    let restarted_after = started.elapsed();
    let oom = std::fs::read_to_string(&status).unwrap_or_default();
    if oom.contains("oom") {
        let metrics = payloads(&kcat, b, "lp.metrics");
        let predictions = payloads(&kcat, b, "lp.predictions");
        let scorer_metrics = scorer.get("/metrics").map(|m| m.1).unwrap_or_default();
        panic!(
            "the service died first: {oom}\n{} samples, e.g. {:?}\n{} predictions: {predictions:#?}\n{scorer_metrics}",
            metrics.len(),
            metrics.iter().rev().take(3).collect::<Vec<_>>(),
            predictions.len()
        );
    }
    let events = events();
    let restart = events.iter().find(|e| e["kind"] == "restarted").unwrap();
    let predictions: Vec<PredictedIssue> = payloads(&kcat, b, "lp.predictions")
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect();
    let issue = predictions
        .iter()
        .find(|i| {
            i.kind == IssueKind::MemoryExhaustion
                && i.service == "leaky"
                && i.status == IssueStatus::Open
        })
        .unwrap_or_else(|| panic!("no memory_exhaustion opened: {predictions:#?}"));
    assert!(
        restart["reason"].as_str().unwrap_or("").contains(&issue.id),
        "the restart names the incident it acts on: {restart}"
    );
    let audit = std::fs::read_to_string(&audit).unwrap();
    assert!(audit.contains("\"restart\""), "{audit}");
    // 2 MiB a second from a few MiB: the limit is about 195 s after start.
    let lead = (limit_mb as f64 - 10.0) / 2.0 - restarted_after.as_secs_f64();
    eprintln!(
        "restarted {:.0} s after start, about {lead:.0} s before the OOM; predicted failure at {:?}",
        restarted_after.as_secs_f64(),
        issue.predicted_failure_at
    );
    assert!(lead > 0.0);
}
