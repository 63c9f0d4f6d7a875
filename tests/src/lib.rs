//! Helpers for Forewarn's end-to-end tests (in `tests/tests/`): find the
//! `forewarn` binary that `cargo test --workspace` built, run it, and find
//! the shared datasets.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of the `forewarn` binary built alongside these tests.
///
/// `cargo test --workspace` builds it for `forewarn-cli`'s own integration
/// tests; it lands in the same profile directory as this test executable.
pub fn forewarn_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current test executable");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executable lives in <target>/<profile>/deps");
    let bin = profile_dir.join(format!("forewarn{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not found: run the tests with `cargo test --workspace` so the binary is built",
        bin.display()
    );
    bin
}

/// Run `forewarn` with `args` from the workspace root.
pub fn forewarn(args: &[&str]) -> Output {
    Command::new(forewarn_bin())
        .args(args)
        .current_dir(workspace_root())
        .output()
        .expect("run forewarn")
}

/// Run `forewarn` with `args`, assert it succeeded (showing its stderr if
/// not) and return its stdout.
pub fn forewarn_ok(args: &[&str]) -> String {
    let out = forewarn(args);
    assert!(
        out.status.success(),
        "forewarn {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The workspace root (the checkout).
pub fn workspace_root() -> PathBuf {
    // Read at run time, not compile time: a test binary reused from a
    // build in another checkout (shared target directory) must not point
    // back at that checkout.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo");
    Path::new(&manifest)
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

/// `../shared/datasets/<name>` beside the checkout (or under `$FOREWARN_SHARED`).
/// Returns `None` with a printed notice when it is missing, and panics
/// instead when `CI=true`: CI must never skip real-data tests silently.
pub fn shared_dataset(name: &str) -> Option<PathBuf> {
    let shared = std::env::var_os("FOREWARN_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared"));
    let dir = shared.join("datasets").join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "dataset {} is missing and CI=true: real-data tests must not be skipped",
            dir.display()
        );
    }
    eprintln!("notice: skipping, dataset {} not found", dir.display());
    None
}
