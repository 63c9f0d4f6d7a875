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

/// machine-2-1 averaged to 5-minute rows (each 5 rows' mean; a row is
/// labelled when one of its 5 was) in the smd-dev layout under `dir`.
fn five_minute_copy(smd: &std::path::Path, dir: &std::path::Path) {
    let name = "machine-2-1.txt";
    for part in ["train", "test", "test_label"] {
        let text = std::fs::read_to_string(smd.join(part).join(name)).unwrap();
        let rows: Vec<Vec<f64>> = text
            .lines()
            .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
            .collect();
        let mut out = String::new();
        for chunk in rows.chunks(5) {
            let cols = chunk[0].len();
            let line: Vec<String> = (0..cols)
                .map(|c| {
                    let col = chunk.iter().map(|r| r[c]);
                    if part == "test_label" {
                        format!("{}", col.fold(0.0, f64::max))
                    } else {
                        format!("{}", col.sum::<f64>() / chunk.len() as f64)
                    }
                })
                .collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        std::fs::create_dir_all(dir.join(part)).unwrap();
        std::fs::write(dir.join(part).join(name), out).unwrap();
    }
}

/// Rows 5 minutes apart with the default pipeline: its 1m window would
/// hold at most one row (a pipeline the scorer refuses, which is how this
/// command failed before 2026-12-08); the default keeps the windows the
/// rows fill, says so, and scores.
#[test]
fn five_minute_rows_score_with_the_default_pipeline() {
    let Some(smd) = shared_dataset("smd-dev") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-smd5-{}", std::process::id()));
    five_minute_copy(&smd, &dir);
    let out = forewarn_e2e::forewarn(&[
        "backtest",
        "segments",
        "--data",
        dir.to_str().unwrap(),
        "--step",
        "5m",
        "--early-rows",
        "2",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("1m window(s) would hold at most one row"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = stdout.lines().rev();
    let _summary = lines.next().unwrap();
    let report: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let f = &report["machines"][0]["scores"]["forewarn"];
    assert!(f["alerts"].as_u64().unwrap() > 0, "{f}");
    assert!(f["f1"].as_f64().unwrap() > 0.0, "{f}");
    std::fs::remove_dir_all(&dir).ok();
}
