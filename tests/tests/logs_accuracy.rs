//! `forewarn logs accuracy` in its documented form prints per-system
//! grouping accuracy, its last line a JSON object with `systems` and
//! `average`, on the real Loghub samples; `forewarn logs cv` prints the
//! leave-systems-out table, and with `--json` its full JSON report before
//! the summary line.

use forewarn_e2e::{forewarn, forewarn_ok, shared_dataset};

#[test]
fn loghub_accuracy_command_prints_json_summary() {
    let Some(dir) = shared_dataset("loghub-2k") else {
        return;
    };
    let settings = dir.join("settings.json");
    let stdout = forewarn_ok(&[
        "logs",
        "accuracy",
        "--loghub",
        dir.to_str().unwrap(),
        "--settings",
        settings.to_str().unwrap(),
        "--json",
    ]);
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

#[test]
fn loghub_cv_command_prints_held_out_table_and_json() {
    let Some(dir) = shared_dataset("loghub-2k") else {
        return;
    };
    let settings = dir.join("settings.json");
    let out = forewarn(&[
        "logs",
        "cv",
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
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("held-out") && stderr.contains("Drain"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // With --json, the full report (with every fold), then the summary.
    let lines: Vec<&str> = stdout.lines().collect();
    let [.., full, last] = lines.as_slice() else {
        panic!("two JSON lines expected: {stdout}")
    };
    let full: serde_json::Value = serde_json::from_str(full).unwrap();
    assert_eq!(full["folds"].as_array().unwrap().len(), 70);
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    assert!(v.get("folds").is_none(), "the summary leaves the folds out");
    let systems = v["systems"].as_object().unwrap();
    assert_eq!(systems.len(), 8, "{last}");
    assert!(v["held_out_mean"].as_f64().unwrap() >= 0.93, "{last}");
    for (name, s) in systems {
        let held_out = s["held_out"].as_f64().unwrap();
        let drain = s["drain"].as_f64().unwrap();
        assert!(
            held_out + 1e-9 >= drain,
            "{name}: {held_out} < Drain {drain}"
        );
    }
}
