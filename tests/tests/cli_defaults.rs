//! The command line as a new user meets it: help texts point to documents
//! (README sections, pipeline files), never to Rust paths; one flag name
//! for one thing across commands (`--brokers`, with `simulate --kafka`
//! kept as a hidden alias; `--json` always prints the full report before
//! the summary line); `score` run from outside the checkout falls back to
//! the built-in default pipeline and says how to find a model; `train`
//! on data that yields no anomaly model fails, saying why, and writes
//! nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use forewarn_e2e::{forewarn, forewarn_bin, forewarn_ok, shared_dataset, workspace_root};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("forewarn-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run `forewarn` from `dir` (not the checkout).
fn forewarn_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(forewarn_bin())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run forewarn")
}

/// The subcommands a `--help` text lists.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

#[test]
fn help_texts_point_to_documents_not_rust_paths() {
    let mut queue: Vec<Vec<String>> = vec![Vec::new()];
    let mut seen = 0;
    while let Some(path) = queue.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = forewarn_ok(&args);
        seen += 1;
        for word in help.split_whitespace() {
            assert!(
                !(word.contains("forewarn_") && word.contains("::")),
                "`forewarn {}` points to a Rust path: {word}",
                path.join(" ")
            );
        }
        for sub in subcommands(&help) {
            let mut next = path.clone();
            next.push(sub);
            queue.push(next);
        }
    }
    assert!(seen > 12, "only {seen} help texts found");
}

#[test]
fn simulate_takes_brokers_and_keeps_kafka_as_a_hidden_alias() {
    let help = forewarn_ok(&["simulate", "--help"]);
    assert!(help.contains("--brokers <BROKERS>"), "{help}");
    assert!(!help.contains("--kafka <"), "--kafka is hidden: {help}");
    let out = scratch("brokers");
    for flag in ["--brokers", "--kafka"] {
        let o = forewarn(&[
            "simulate",
            flag,
            "127.0.0.1:1",
            "--startup-timeout",
            "1s",
            "--services",
            "1",
            "--duration",
            "10m",
            "--out",
            out.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{flag}: {stderr}");
        assert!(
            stderr.contains("127.0.0.1:1") && !stderr.contains("unexpected argument"),
            "{flag} is accepted and the broker is tried: {stderr}"
        );
    }
}

#[test]
fn score_outside_the_checkout_uses_the_built_in_pipeline() {
    let dir = scratch("elsewhere");
    let model = workspace_root().join("models/default");
    let o = forewarn_in(
        &dir,
        &[
            "score",
            "--brokers",
            "127.0.0.1:1",
            "--startup-timeout",
            "1s",
            "--listen",
            "127.0.0.1:0",
            "--model",
            model.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        stderr.contains("built-in default pipeline") && stderr.contains("127.0.0.1:1"),
        "the built-in pipeline is used and the broker tried: {stderr}"
    );
    // Without a model there, the error says where models come from.
    let o = forewarn_in(&dir, &["score", "--brokers", "127.0.0.1:1"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        stderr.contains("pass --model") && stderr.contains("repository root"),
        "{stderr}"
    );
}

#[test]
fn train_on_data_that_yields_no_model_fails_and_writes_nothing() {
    let dir = scratch("nomodel");
    let data = dir.join("data");
    forewarn_ok(&[
        "simulate",
        "--services",
        "2",
        "--duration",
        "20m",
        "--interval",
        "60s",
        "--no-logs",
        "--format",
        "csv",
        "--out",
        data.to_str().unwrap(),
    ]);
    let models = dir.join("models");
    let o = forewarn(&[
        "train",
        "--pipeline",
        "pipelines/default.yaml",
        "--data",
        data.to_str().unwrap(),
        "--out",
        models.join("tiny").to_str().unwrap(),
        "--no-progress",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "exit 0 without a model: {stderr}");
    assert!(
        stderr.contains("no anomaly model") && !stderr.contains("served by the fallback"),
        "{stderr}"
    );
    assert!(!models.join("tiny").exists(), "nothing is saved");
}

/// `--json` means one thing everywhere: the full report as JSON on
/// stdout, before the summary line; the table on stderr either way.
#[test]
fn json_means_the_full_report_before_the_summary() {
    let Some(dir) = shared_dataset("loghub-2k") else {
        return;
    };
    let settings = dir.join("settings.json");
    let args = [
        "logs",
        "accuracy",
        "--loghub",
        dir.to_str().unwrap(),
        "--settings",
        settings.to_str().unwrap(),
    ];
    let plain = forewarn(&args);
    let mut with = args.to_vec();
    with.push("--json");
    let json = forewarn(&with);
    for o in [&plain, &json] {
        assert!(o.status.success());
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("average"),
            "the table is on stderr with and without --json"
        );
    }
    let lines = |o: &Output| String::from_utf8_lossy(&o.stdout).lines().count();
    assert_eq!(lines(&plain), 1, "the summary line alone");
    assert_eq!(lines(&json), 2, "the full report, then the summary line");
}
