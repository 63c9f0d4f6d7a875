//! `forewarn backtest run` on the committed sample: the replay through the
//! production scorer writes every report, its last line carries the scores,
//! Forewarn beats the z-score baseline, and a bad model is a clear error.

use forewarn_e2e::forewarn;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn replays_the_sample_and_reports() {
    let out = scratch("backtest-run");
    let o = forewarn(&[
        "backtest",
        "run",
        "--pipeline",
        "datasets/sample/pipeline.yaml",
        "--model",
        "models/default",
        "--data",
        "datasets/sample",
        "--labels",
        "datasets/sample/labels.json",
        "--out",
        out.to_str().unwrap(),
        "--json",
        "--no-progress",
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&o.stderr)
    );
    let last: serde_json::Value =
        serde_json::from_str(stdout.lines().last().expect("a summary line")).unwrap();
    for key in [
        "precision",
        "recall",
        "f1",
        "lead_time_median_s",
        "false_alarms_per_service_day",
    ] {
        assert!(last.get(key).is_some(), "{key} missing: {last}");
    }
    assert_eq!(last["incidents"], 10);
    let f1 = last["f1"].as_f64().unwrap();
    let z = last["baselines"]["zscore"]["f1"].as_f64().unwrap();
    assert!(
        f1 > z,
        "forewarn F1 {f1} should beat the z-score baseline's {z}"
    );
    assert!(last["recall"].as_f64().unwrap() >= 0.6, "{last}");
    assert!(last["lead_time_median_s"].as_f64().unwrap() > 0.0);
    // Fleet correlation: the sample's cascade (db → orders → gateway) is
    // one page naming the db, so grouping cuts the pages and names the
    // labelled root cause at least as often.
    let c = &last["correlation"];
    assert!(c["cascades"].as_u64().unwrap() >= 1, "{c}");
    assert!(
        c["pages_after"].as_u64().unwrap() < c["pages_before"].as_u64().unwrap(),
        "{c}"
    );
    assert_eq!(c["pages_before"], last["alerts"], "{c}");
    assert!(
        c["root_cause_hit_rate_after"].as_f64().unwrap()
            >= c["root_cause_hit_rate_before"].as_f64().unwrap(),
        "{c}"
    );
    let episodes = std::fs::read_to_string(out.join("episodes.jsonl")).unwrap();
    assert_eq!(
        episodes.lines().count() as u64,
        c["episodes"].as_u64().unwrap()
    );
    assert!(
        episodes.lines().any(|l| {
            let e: serde_json::Value = serde_json::from_str(l).unwrap();
            e["root_cause_service"] == "db" && e["members"].as_array().unwrap().len() >= 3
        }),
        "{episodes}"
    );
    // The full evaluation precedes the summary line.
    let full: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(full["summaries"].as_array().unwrap().len(), 3);
    for f in [
        "report.md",
        "report.html",
        "results.parquet",
        "events.jsonl",
        "summary.json",
    ] {
        assert!(out.join(f).is_file(), "{f} not written");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.matches("<svg").count() >= 10, "a plot per incident");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| recall |") && md.contains("inc-0003"), "{md}");
    let events = std::fs::read_to_string(out.join("events.jsonl")).unwrap();
    assert_eq!(
        events.lines().count() as u64,
        last["events"].as_u64().unwrap()
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn a_missing_model_is_a_clear_error() {
    let out = scratch("backtest-bad-model");
    let o = forewarn(&[
        "backtest",
        "run",
        "--pipeline",
        "datasets/sample/pipeline.yaml",
        "--model",
        "models/does-not-exist",
        "--data",
        "datasets/sample",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("models/does-not-exist"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
