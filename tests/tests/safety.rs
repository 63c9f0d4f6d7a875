//! The kill switch at start, through the real binaries: every process that
//! acts (`forewarn remediate`, `forewarn watch`) parses
//! `RELIABILITY_ENGINE_ENABLED` the same way. A misspelt value refuses the
//! start (exit 2) with a message naming the variable, the value and the
//! accepted spellings, before any broker is touched; every accepted
//! spelling of "off" keeps `watch` from restarting; an accepted "on" lets
//! it restart. The audit key is checked the same way: too short a
//! `FOREWARN_AUDIT_KEY` refuses the start.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use forewarn_e2e::{forewarn_bin, workspace_root};

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("forewarn-safety-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(forewarn_bin());
    c.args(args)
        .current_dir(workspace_root())
        .env_remove("RELIABILITY_ENGINE_ENABLED")
        .env_remove("FOREWARN_AUDIT_KEY")
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run forewarn")
}

fn remediate(dir: &Path, env: &[(&str, &str)]) -> Output {
    let policy = dir.join("policy.yaml");
    std::fs::write(&policy, "version: 1\n").unwrap();
    // A port nobody listens on: a start that got as far as Kafka would
    // hang or fail differently.
    run(
        &[
            "remediate",
            "--brokers",
            "127.0.0.1:9",
            "--policy",
            policy.to_str().unwrap(),
            "--audit",
            dir.join("audit.jsonl").to_str().unwrap(),
        ],
        env,
    )
}

fn watch(dir: &Path, env: &[(&str, &str)]) -> (Output, Vec<serde_json::Value>) {
    let out = dir.join("out.jsonl");
    let _ = std::fs::remove_file(&out);
    let o = run(
        &[
            "watch",
            "--service",
            "svc",
            "--out",
            out.to_str().unwrap(),
            "--backoff-initial",
            "50ms",
            "--start-limit-burst",
            "2",
            "--",
            "sh",
            "-c",
            "exit 3",
        ],
        env,
    );
    let events = std::fs::read_to_string(&out)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["topic"] == "forewarn.service-events")
        .map(|v| v["value"].clone())
        .collect();
    (o, events)
}

fn refused(o: &Output, value: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("RELIABILITY_ENGINE_ENABLED={value:?}")),
        "names the variable and the value: {err}"
    );
    assert!(
        err.contains("true, false, 1, 0, yes, no, on, off"),
        "names the accepted values: {err}"
    );
}

#[test]
fn a_misspelt_kill_switch_refuses_to_start_remediate_and_watch() {
    let dir = tempdir("misspelt");
    for value in ["flase", "disabled", "2"] {
        let env = [("RELIABILITY_ENGINE_ENABLED", value)];
        refused(&remediate(&dir, &env), value);
        let (o, events) = watch(&dir, &env);
        refused(&o, value);
        assert!(events.is_empty(), "the child never started: {events:?}");
    }
}

#[test]
fn every_spelling_of_off_stops_restarts_and_on_allows_them() {
    let dir = tempdir("spellings");
    for value in ["false", "OFF", "No", "0"] {
        let (o, events) = watch(&dir, &[("RELIABILITY_ENGINE_ENABLED", value)]);
        assert_eq!(o.status.code(), Some(3), "{value}");
        let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["started", "crashed", "gave_up"], "{value}");
        let reason = events[2]["reason"].as_str().unwrap();
        assert!(
            reason.contains("RELIABILITY_ENGINE_ENABLED=false"),
            "{reason}"
        );
    }
    for value in ["TRUE", "on", "1"] {
        let (_, events) = watch(&dir, &[("RELIABILITY_ENGINE_ENABLED", value)]);
        assert!(
            events.iter().any(|e| e["kind"] == "restarted"),
            "{value}: {events:?}"
        );
    }
}

#[test]
fn too_short_an_audit_key_refuses_to_start() {
    let dir = tempdir("short-key");
    let o = remediate(&dir, &[("FOREWARN_AUDIT_KEY", "short")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("FOREWARN_AUDIT_KEY is 5 bytes long"), "{err}");
}
