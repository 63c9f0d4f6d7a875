//! Against a real Kafka-protocol broker process: `tansu` on 127.0.0.1 (the
//! binary `.ci/test` installs into `$HOME/.cache/forewarn/tansu`, or
//! `$FOREWARN_TANSU`), `forewarn simulate --kafka --create-topics` creates
//! its topics and every sample arrives, readable by another client.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use forewarn_e2e::forewarn;

mod common;
use common::consume_all;

/// The broker process, killed when dropped.
struct Broker {
    child: Child,
    addr: String,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tansu_binary() -> Option<PathBuf> {
    let path = std::env::var_os("FOREWARN_TANSU")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/forewarn/tansu/bin/tansu"))
        })?;
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "tansu not found at {} and CI=true: .ci/test installs it; real-broker tests must not be skipped",
            path.display()
        );
    }
    eprintln!(
        "notice: tansu not found at {}; real-broker test skipped",
        path.display()
    );
    None
}

fn start_broker() -> Option<Broker> {
    let bin = tansu_binary()?;
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let url = format!("tcp://{addr}");
    let child = Command::new(bin)
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
            "--storage-engine",
            "memory://tansu/",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tansu");
    let broker = Broker { child, addr };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(&broker.addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "tansu did not listen on {}",
            broker.addr
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(broker)
}

#[test]
fn simulate_produces_to_a_real_broker_and_another_client_reads_it() {
    let Some(broker) = start_broker() else { return };
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
        "--kafka",
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
