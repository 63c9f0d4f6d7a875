//! Against a real Kafka-protocol broker process: `tansu` on 127.0.0.1 (the
//! binary `.ci/test` installs into `$HOME/.cache/forewarn/tansu`, or
//! `$FOREWARN_TANSU`), `forewarn simulate --kafka --create-topics` creates
//! its topics and every sample arrives, readable by another client.

use forewarn_e2e::forewarn;

mod common;
use common::{consume_all, start_tansu};

#[test]
fn simulate_produces_to_a_real_broker_and_another_client_reads_it() {
    let Some(broker) = start_tansu() else { return };
    let out = std::env::temp_dir().join(format!("forewarn-e2e-tansu-{}", std::process::id()));
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
        "4",
        "--brokers",
        &broker.addr,
        "--create-topics",
        "3",
        "--metrics-topic",
        "t.metrics",
        "--logs-topic",
        "t.logs",
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
    assert_eq!(last["metrics"], 1560, "{last}");
    assert_eq!(last["failed"], 0, "{last}");

    let samples = consume_all(&broker.addr, "t.metrics", 3, 1560);
    assert_eq!(samples.len(), 1560, "samples read back from tansu");
    assert!(
        samples
            .iter()
            .all(|(key, v)| v["service"].as_str() == Some(key.as_str()))
    );
    let _ = std::fs::remove_dir_all(&out);
}
