//! Grouping accuracy on the real Loghub-2k data: every system must reach at
//! least the published Drain figure listed in the dataset's README, and the
//! mean over the systems must reach 0.93.
//!
//! Data: `$FOREWARN_SHARED/datasets/loghub-2k`, by default the `shared`
//! directory beside the workspace. Missing data skips the test, except
//! under `CI=true`, where it fails.

mod common;

use common::loghub_dir;
use std::collections::BTreeMap;

use forewarn_logs::accuracy::evaluate;

/// The "Drain GA (logparser)" column of the README's table of published
/// Drain results, by system.
fn published_drain(readme: &str) -> BTreeMap<String, f64> {
    let section = readme
        .split("## Published Drain results")
        .nth(1)
        .expect("README has the published Drain results section");
    section
        .lines()
        .take_while(|l| !l.starts_with("Mean"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let ga: f64 = cells.get(2)?.parse().ok()?;
            Some((cells[1].to_owned(), ga))
        })
        .collect()
}

#[test]
fn loghub_grouping_accuracy_beats_drain() {
    let Some(dir) = loghub_dir() else { return };
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("dataset README");
    let floors = published_drain(&readme);
    assert_eq!(
        floors.len(),
        8,
        "expected 8 published figures, got {floors:?}"
    );

    let report = evaluate(&dir, &dir.join("settings.json")).expect("evaluation runs");
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());
    assert_eq!(
        report.systems.keys().collect::<Vec<_>>(),
        floors.keys().collect::<Vec<_>>(),
        "every system with a published figure is evaluated"
    );
    for (system, &floor) in &floors {
        let got = report.systems[system];
        assert!(
            got >= floor,
            "{system}: grouping accuracy {got:.4} is below Drain's {floor:.4}"
        );
    }
    assert!(
        report.average >= 0.93,
        "average grouping accuracy {:.4} is below 0.93",
        report.average
    );
}
