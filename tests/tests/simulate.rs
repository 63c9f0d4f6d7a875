//! `forewarn simulate` reproduces the committed sample, `pipeline.yaml`
//! included, from the command documented in `datasets/README.md`, and its
//! pipeline validates.

use forewarn_e2e::{forewarn, workspace_root};

#[test]
fn the_documented_command_reproduces_the_committed_sample() {
    let out = std::env::temp_dir().join(format!("forewarn-e2e-sim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = forewarn(&[
        "simulate",
        "--services",
        "7",
        "--duration",
        "2d",
        "--interval",
        "60s",
        "--seed",
        "42",
        "--format",
        "parquet",
        "--compression",
        "zstd",
        "--no-progress",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value = serde_json::from_slice(
        o.stdout
            .trim_ascii_end()
            .rsplit(|b| *b == b'\n')
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(summary["incidents"], 10);
    let committed = workspace_root().join("datasets/sample");
    for name in [
        "metrics.parquet",
        "logs.jsonl",
        "labels.json",
        "pipeline.yaml",
    ] {
        let a = std::fs::read(out.join(name)).unwrap();
        let b = std::fs::read(committed.join(name)).unwrap();
        assert!(
            a == b,
            "datasets/sample/{name} differs from what the command writes"
        );
    }
    let v = forewarn(&["validate", out.join("pipeline.yaml").to_str().unwrap()]);
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    let _ = std::fs::remove_dir_all(&out);
}
