//! End to end through the binary: the shipped pipeline validates, a broken
//! one lists every problem with its path and fails, and `forewarn schema`
//! prints a schema for each documented contract.

use forewarn_e2e::forewarn;

#[test]
fn default_pipeline_validates() {
    let out = forewarn(&["validate", "pipelines/default.yaml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid"));
}

#[test]
fn broken_pipeline_fails_with_every_problem() {
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.yaml");
    std::fs::write(
        &file,
        "version: 1\nsources:\n  metrics: { topic: m, typo: 1 }\nfeatures:\n  windows: [{ name: w, length: 1m, panes: 7 }]\nservices:\n  api: { depends_on: [nope], limits: { memory_bytes: -1 } }\n",
    )
    .unwrap();
    let out = forewarn(&["validate", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The typed checks run in the same round, on what did read.
    for want in [
        "sources.metrics.typo: unknown key",
        "features.windows[0].panes:",
        "services.api.depends_on[0]: unknown service \"nope\"",
        "services.api.limits.memory_bytes: must be a positive number",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in {stdout}");
    }
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace(", typo: 1", ""),
    )
    .unwrap();
    let out = forewarn(&["validate", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    for want in [
        "features.windows[0].panes:",
        "services.api.depends_on[0]: unknown service \"nope\"",
        "services.api.limits.memory_bytes: must be a positive number",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in {stdout}");
    }
    let out = forewarn(&["validate", "/nonexistent/pipeline.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("(file): cannot read"));
}

#[test]
fn a_policy_is_validated_with_every_problem_at_its_key() {
    let out = forewarn(&["validate", "--policy", "pipelines/remediation.yaml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("policy.yaml");
    std::fs::write(
        &file,
        "version: 1\ncooldown: -5m\nactions:\n  restart: { command: [\"true\"] }\nservices:\n  api:\n    chains:\n      memory_exhaustion: [restrat]\n",
    )
    .unwrap();
    let out = forewarn(&["validate", "--policy", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for want in [
        "cooldown: ",
        "services.api.chains.memory_exhaustion[0]: unknown action",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in {stdout}");
    }
    let out = forewarn(&["validate"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to check"));
}

#[test]
fn schema_prints_every_contract() {
    let out = forewarn(&["schema"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for name in [
        "metric-sample",
        "log-record",
        "predicted-issue",
        "optimization-event",
        "remediation-outcome",
        "service-event",
        "control-message",
    ] {
        assert_eq!(v[name]["type"], "object", "{name}");
    }
    let one = forewarn(&["schema", "predicted-issue"]);
    let v: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert!(v["properties"]["root_cause_service"].is_object());
    let bad = forewarn(&["schema", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown contract"));
}
