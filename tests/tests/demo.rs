//! `forewarn demo`, the README's main command: an in-process broker, a
//! simulated fleet and the streaming scorer, then a summary whose last
//! line is JSON. Its predictions are checked against the simulator's
//! labels: the demo must actually predict incidents ahead of their failure.

use forewarn_e2e::forewarn;

#[test]
fn demo_streams_a_fleet_and_ends_with_a_summary() {
    let out = std::env::temp_dir().join(format!("forewarn-e2e-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = forewarn(&[
        "demo",
        "--duration",
        "6h",
        "--quiet",
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
    for key in [
        "incidents",
        "predicted",
        "lead_time_median_s",
        "false_alarms",
    ] {
        assert!(last.get(key).is_some(), "{key} missing from {last}");
    }
    let incidents = last["incidents"].as_u64().unwrap();
    let predicted = last["predicted"].as_u64().unwrap();
    assert!(incidents >= 5, "{last}");
    assert!(predicted >= 2 && predicted <= incidents, "{last}");
    assert!(last["lead_time_median_s"].as_f64().unwrap() > 0.0, "{last}");
    // Every sample of 7 services × 13 metrics × 360 steps was scored, and
    // the predictions written are the ones counted.
    assert_eq!(last["samples"], 7 * 13 * 360, "{last}");
    let lines = std::fs::read_to_string(out.join("predictions.jsonl")).unwrap();
    assert!(lines.lines().count() >= predicted as usize);
    let _ = std::fs::remove_dir_all(&out);
}
