//! Shared by the Loghub tests: where the Loghub-2k samples are.

use std::path::PathBuf;

/// `../shared/datasets/loghub-2k` beside the workspace (or under
/// `$FOREWARN_SHARED`). Missing data skips the test (`None`, with a
/// notice), except under `CI=true`, where it fails.
pub(crate) fn loghub_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("FOREWARN_SHARED") {
        Some(shared) => PathBuf::from(shared).join("datasets/loghub-2k"),
        None => PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"))
            .join("../../../shared/datasets/loghub-2k"),
    };
    if dir.join("settings.json").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "Loghub-2k data not found at {} (set FOREWARN_SHARED to the shared directory)",
            dir.display()
        );
    }
    eprintln!("Skipping: Loghub-2k data not found at {}.", dir.display());
    None
}
