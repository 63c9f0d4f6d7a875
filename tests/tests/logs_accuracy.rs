//! `forewarn logs accuracy` in its documented form prints per-system
//! grouping accuracy, its last line a JSON object with `systems` and
//! `average`, on the real Loghub samples.

use forewarn_e2e::{forewarn, shared_dataset};

#[test]
fn loghub_accuracy_command_prints_json_summary() {
    let Some(dir) = shared_dataset("loghub-2k") else {
        return;
    };
    let settings = dir.join("settings.json");
    let out = forewarn(&[
        "logs",
        "accuracy",
        "--loghub",
        dir.to_str().unwrap(),
        "--settings",
        settings.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    let systems = v["systems"].as_object().unwrap();
    assert_eq!(systems.len(), 8, "{last}");
    assert!(v["average"].as_f64().unwrap() >= 0.93, "{last}");
    assert!(
        systems
            .values()
            .all(|a| (0.0..=1.0).contains(&a.as_f64().unwrap()))
    );
}
