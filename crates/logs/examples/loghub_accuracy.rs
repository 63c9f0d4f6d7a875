//! Print the Loghub-2k grouping accuracy as JSON.
//!
//! Run: `cargo run -p forewarn-logs --example loghub_accuracy -- <loghub-2k dir>`.

use std::path::PathBuf;

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
    let settings = dir.join("settings.json");
    for (name, s) in forewarn_logs::accuracy::load_settings(&settings).expect("settings") {
        let r = forewarn_logs::accuracy::evaluate_system(&dir, &name, &s).expect("evaluate");
        eprintln!(
            "{name:10} {:.4}  templates {:4} events {:4} unparsed {}",
            r.accuracy, r.templates, r.events, r.unparsed
        );
    }
    let report = forewarn_logs::accuracy::evaluate(&dir, &settings).expect("evaluate");
    println!("{}", serde_json::to_string_pretty(&report).expect("json"));
}
