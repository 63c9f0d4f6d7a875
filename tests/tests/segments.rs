//! `forewarn backtest segments` on the real smd-dev machines: the z-score
//! reference reproduces the figures of the dataset's README (so the scoring
//! code is the protocol's), and Forewarn, trained on the train half only,
//! is scored by the same code and beats random alerts of the same count.

use forewarn_e2e::{forewarn_ok, shared_dataset};

#[test]
fn segments_backtest_reproduces_the_readme_reference_and_scores_forewarn() {
    let Some(smd) = shared_dataset("smd-dev") else {
        return;
    };
    let stdout = forewarn_ok(&[
        "backtest",
        "segments",
        "--data",
        smd.to_str().unwrap(),
        "--machines",
        "machine-2-1",
        "--json",
    ]);
    let mut lines = stdout.lines().rev();
    let summary: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let report: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let m = &report["machines"][0];
    assert_eq!(m["machine"], "machine-2-1");
    // README reference table: 13 segments, z-score 20 alerts, P 0.55,
    // R 0.6923, F1 0.613.
    let z = &m["scores"]["zscore"];
    assert_eq!(z["segments"], 13);
    assert_eq!(z["alerts"], 20);
    assert!((z["f1"].as_f64().unwrap() - 0.613).abs() < 5e-4, "{z}");
    let f = &m["scores"]["forewarn"];
    let r = &m["scores"]["random"];
    assert_eq!(f["alerts"], r["alerts"], "random draws as many alerts");
    assert!(f["alerts"].as_u64().unwrap() > 0);
    assert!(
        f["f1"].as_f64().unwrap() > r["f1"].as_f64().unwrap(),
        "forewarn {f} vs random {r}"
    );
    assert_eq!(summary["machines"], 1);
    assert_eq!(summary["forewarn_f1"], f["f1"]);
}
