//! Leave-systems-out evaluation of the miner's system-independent defaults
//! on Loghub-2k (see `forewarn_logs::accuracy::cross_validate`): prints a
//! table, then the JSON report.
//!
//! Run: `cargo run --release -p forewarn-logs --example loghub_cv -- <loghub-2k dir>`.

use std::path::PathBuf;

use forewarn_logs::accuracy::{cross_validate, default_grid};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/datasets/loghub-2k"
            ))
        });
    let r = cross_validate(&dir, &dir.join("settings.json"), &default_grid()).expect("cv");
    eprintln!(
        "{:<10} {:>9} {:>9} {:>8} {:>8} {:>6}",
        "system", "held-out", "worst", "shipped", "own", "Drain"
    );
    for (name, s) in &r.systems {
        eprintln!(
            "{name:<10} {:>9.4} {:>9.4} {:>8.4} {:>8.4} {:>6}",
            s.held_out,
            s.held_out_min,
            s.shipped,
            s.own_settings,
            s.drain.map_or("-".into(), |d| format!("{d:.4}"))
        );
    }
    eprintln!(
        "{:<10} {:>9.4} {:>9} {:>8.4} {:>8.4}",
        "mean", r.held_out_mean, "", r.shipped_mean, r.own_settings_mean
    );
    eprintln!("chosen on all: {}", r.chosen_on_all);
    for (c, n) in &r.chosen_counts {
        eprintln!("  {n:3} folds chose {c}");
    }
    if std::env::args().any(|a| a == "--json") {
        println!("{}", serde_json::to_string_pretty(&r).expect("json"));
    }
}
