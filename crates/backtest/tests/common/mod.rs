//! Shared by the NAB tests: where the NAB corpus is.

use std::path::PathBuf;

use forewarn_backtest::nab;

/// The NAB directory (`$FOREWARN_SHARED/datasets/nab`, else
/// `../shared/datasets/nab` beside the checkout, found at run time), or
/// `None` after a notice when it is absent. Under `CI=true` a missing
/// corpus fails the test instead of skipping it.
pub(crate) fn nab_dir() -> Option<PathBuf> {
    let shared = std::env::var_os("FOREWARN_SHARED").map_or_else(
        || {
            PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"))
                .join("../../../shared")
        },
        PathBuf::from,
    );
    let dir = shared.join("datasets").join("nab");
    if dir.join(nab::WINDOWS_FILE).is_file() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "NAB data not found at {} (set FOREWARN_SHARED to the shared directory)",
            dir.display()
        );
    }
    eprintln!(
        "NOTICE: NAB data not found at {}; skipping. Set FOREWARN_SHARED to the shared directory.",
        dir.display()
    );
    None
}
