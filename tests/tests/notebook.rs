//! The backtest notebook runs end to end: `forewarn backtest run` on the
//! committed sample, then `jupyter nbconvert --execute` on
//! `notebooks/backtest.ipynb` with `FOREWARN_BACKTEST_DIR` naming the
//! results. The executed notebook must hold its plots and no error.
//!
//! Needs `jupyter` (with nbconvert, polars and matplotlib for its `python3`
//! kernel) on `PATH`: `.ci/test` installs `notebooks/requirements.txt` into
//! `$HOME/.cache/forewarn/venv` and puts its `bin` first. Without `jupyter`
//! the test is skipped with a notice, except under `CI=true`, where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use forewarn_e2e::{forewarn, workspace_root};

/// A directory under the system temp dir, removed when dropped (also when
/// the test panics).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("forewarn-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether `jupyter nbconvert` can be run; panics when it cannot and CI=true.
fn nbconvert_available() -> bool {
    let found = Command::new("jupyter")
        .args(["nbconvert", "--version"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        let why = "`jupyter nbconvert` is not on PATH: install notebooks/requirements.txt \
                   (bash .ci/test does, into $HOME/.cache/forewarn/venv) and put its bin on PATH";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{why} (CI=true: the notebook test must not be skipped)");
        }
        eprintln!("notice: skipping the notebook test: {why}");
    }
    found
}

#[test]
fn backtest_notebook_executes_and_plots() {
    if !nbconvert_available() {
        return;
    }
    let backtest = TempDir::new("notebook-backtest");
    let out = forewarn(&[
        "backtest",
        "run",
        "--pipeline",
        "datasets/sample/pipeline.yaml",
        "--model",
        "models/default",
        "--data",
        "datasets/sample",
        "--out",
        backtest.path().to_str().expect("utf-8 temp path"),
        "--no-progress",
    ]);
    assert!(
        out.status.success(),
        "forewarn backtest run failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(backtest.path().join("results.parquet").is_file());

    let executed = TempDir::new("notebook-executed");
    let out = Command::new("jupyter")
        .args(["nbconvert", "--to", "notebook", "--execute"])
        .arg("notebooks/backtest.ipynb")
        .arg("--output-dir")
        .arg(executed.path())
        // A cold matplotlib font cache can take a while on first import.
        .arg("--ExecutePreprocessor.timeout=600")
        .env("FOREWARN_BACKTEST_DIR", backtest.path())
        .env("JUPYTER_PLATFORM_DIRS", "1")
        .current_dir(workspace_root())
        .output()
        .expect("run jupyter nbconvert");
    assert!(
        out.status.success(),
        "jupyter nbconvert --execute notebooks/backtest.ipynb failed (is polars installed \
         for jupyter's python3 kernel? see notebooks/README.md):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let text = std::fs::read_to_string(executed.path().join("backtest.ipynb"))
        .expect("the executed notebook is written");
    let notebook: serde_json::Value = serde_json::from_str(&text).expect("notebook JSON");
    let outputs: Vec<&serde_json::Value> = notebook["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .filter_map(|cell| cell["outputs"].as_array())
        .flatten()
        .collect();
    let errors: Vec<String> = outputs
        .iter()
        .filter(|o| o["output_type"] == "error")
        .map(|o| format!("{}: {}", o["ename"], o["evalue"]))
        .collect();
    assert!(errors.is_empty(), "error outputs: {errors:?}");
    // nbformat stores a multi-line value as a string or as a list of lines.
    let joined = |v: &serde_json::Value| match v {
        serde_json::Value::Array(lines) => lines.iter().filter_map(|l| l.as_str()).collect(),
        other => other.as_str().unwrap_or_default().to_string(),
    };
    let images = outputs
        .iter()
        .filter(|o| !joined(&o["data"]["image/png"]).is_empty())
        .count();
    // (a) lead times, (b) the alert timeline, (c) the failure-time error.
    assert!(
        images >= 3,
        "expected 3 plots, found {images} image/png outputs"
    );
    // The summary recomputed from the rows was checked against summary.json
    // (that cell raises on a mismatch).
    let printed: String = outputs
        .iter()
        .filter(|o| o["output_type"] == "stream")
        .map(|o| joined(&o["text"]))
        .collect();
    assert!(
        printed.contains("summary.json agrees with the rows"),
        "the summary cross-check did not run; printed:\n{printed}"
    );
}
