//! `forewarn simulate --kafka`: every metric sample and log line of the
//! fleet reaches its topic, keyed by service, acknowledged by the broker,
//! with the ground truth written to `--out`. The broker is forewarn-kafka's
//! embedded one (an in-process mock cluster), reached over TCP on 127.0.0.1 by the
//! `forewarn` process.

use std::collections::BTreeMap;

use forewarn_e2e::forewarn;
use forewarn_kafka::EmbeddedBroker;

mod common;
use common::consume_all;

#[test]
fn kafka_mode_delivers_every_sample_and_line_keyed_by_service() {
    let cluster =
        EmbeddedBroker::start(&[("sim.metrics", 3), ("sim.logs", 3)]).expect("embedded broker");
    let brokers = cluster.bootstrap();
    let out = std::env::temp_dir().join(format!("forewarn-e2e-simkafka-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = forewarn(&[
        "simulate",
        "--services",
        "2",
        "--duration",
        "1h",
        "--interval",
        "60s",
        "--seed",
        "3",
        "--brokers",
        &brokers,
        "--metrics-topic",
        "sim.metrics",
        "--logs-topic",
        "sim.logs",
        "--no-progress",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&o.stderr)
    );
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    // 60 steps × 2 instances × 13 metrics.
    assert_eq!(last["metrics"], 60 * 2 * 13, "{last}");
    let logs = last["logs"].as_u64().unwrap();
    assert!(logs > 0, "{last}");
    assert_eq!(last["acked"].as_u64().unwrap(), 60 * 2 * 13 + logs);
    assert_eq!(last["failed"], 0);
    assert!(out.join("labels.json").is_file() && out.join("pipeline.yaml").is_file());
    assert!(
        !out.join("metrics.parquet").exists(),
        "kafka mode writes no metric files"
    );

    let metrics = consume_all(&brokers, "sim.metrics", 3, 1560);
    assert_eq!(metrics.len(), 1560);
    let mut per_metric: BTreeMap<String, usize> = BTreeMap::new();
    for (key, m) in &metrics {
        assert_eq!(
            m["service"].as_str(),
            Some(key.as_str()),
            "keyed by service"
        );
        assert!(m["value"].is_number() && m["ts"].is_string(), "{m}");
        *per_metric
            .entry(m["metric"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(per_metric.len(), 13);
    assert!(per_metric.values().all(|n| *n == 120), "{per_metric:?}");
    let lines = consume_all(&brokers, "sim.logs", 3, logs);
    assert_eq!(lines.len() as u64, logs);
    assert!(
        lines
            .iter()
            .all(|(k, l)| l["service"].as_str() == Some(k.as_str()) && l["message"].is_string())
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_broker_that_is_not_there_fails_the_run() {
    let out =
        std::env::temp_dir().join(format!("forewarn-e2e-simkafka-down-{}", std::process::id()));
    let o = forewarn(&[
        "simulate",
        "--services",
        "1",
        "--duration",
        "10m",
        "--interval",
        "60s",
        "--brokers",
        "127.0.0.1:1",
        "--kafka-option",
        "message.timeout.ms=2000",
        "--startup-timeout",
        "3s",
        "--no-progress",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        !o.status.success(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let _ = std::fs::remove_dir_all(&out);
}
