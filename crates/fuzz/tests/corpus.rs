//! Every file of every target's seed corpus (`corpus/<target>/`) and every
//! input that once failed (`regressions/<target>/`) through its harness:
//! a panic fails the test, naming the file. As under afl++, a panic that
//! the code under test catches counts too (a panic hook sees every one). The smoke of the fuzz targets
//! that `cargo test` always runs (`.ci/run` also runs afl++ on each target
//! for a few seconds when afl++ is there).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Once;

use forewarn_fuzz::Harness;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

thread_local! {
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Count every panic of this thread, caught or not (once per process;
/// the previous hook still prints it).
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|p| p.set(p.get() + 1));
            prev(info);
        }));
    });
}

/// Whether `harness` panicked on `data`, caught or not.
fn panics(harness: Harness, data: &[u8]) -> bool {
    count_panics();
    let before = PANICS.with(Cell::get);
    let unwound = std::panic::catch_unwind(|| harness(data)).is_err();
    unwound || PANICS.with(Cell::get) != before
}

/// Run every file of `root/<target>/` through its harness: the number of
/// files, or the files a harness panicked on.
fn replay(root: &Path, targets: &[(&str, Harness)]) -> Result<usize, Vec<String>> {
    let mut failed = Vec::new();
    let mut n = 0;
    for (name, harness) in targets {
        for f in files(&root.join(name)) {
            let data = std::fs::read(&f).unwrap();
            n += 1;
            if panics(*harness, &data) {
                failed.push(f.display().to_string());
            }
        }
    }
    if failed.is_empty() {
        Ok(n)
    } else {
        Err(failed)
    }
}

fn dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(kind)
}

#[test]
fn every_target_has_a_seed_corpus_and_none_panics() {
    for (name, _) in forewarn_fuzz::TARGETS {
        assert!(
            !files(&dir("corpus").join(name)).is_empty(),
            "corpus/{name}/ has no seeds"
        );
    }
    let n = replay(&dir("corpus"), forewarn_fuzz::TARGETS)
        .unwrap_or_else(|f| panic!("harnesses panicked on:\n{}", f.join("\n")));
    assert!(n >= forewarn_fuzz::TARGETS.len());
}

#[test]
fn no_saved_regression_panics() {
    if let Err(f) = replay(&dir("regressions"), forewarn_fuzz::TARGETS) {
        panic!("harnesses panicked on:\n{}", f.join("\n"));
    }
}

#[test]
fn the_replay_names_the_input_a_harness_panics_on() {
    let root = std::env::temp_dir().join(format!("forewarn-fuzz-replay-{}", std::process::id()));
    std::fs::create_dir_all(root.join("boom")).unwrap();
    std::fs::write(root.join("boom/fine"), b"ok").unwrap();
    std::fs::write(root.join("boom/bad"), b"panic").unwrap();
    fn boom(data: &[u8]) {
        assert_ne!(data, b"panic");
    }
    fn caught(data: &[u8]) {
        if data == b"panic" {
            let _ = std::panic::catch_unwind(|| panic!("caught inside"));
        }
    }
    let r = replay(&root, &[("boom", boom)]);
    let c = replay(&root, &[("boom", caught)]);
    let _ = std::fs::remove_dir_all(&root);
    let failed = r.unwrap_err();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].ends_with("boom/bad"), "{failed:?}");
    assert_eq!(c.unwrap_err().len(), 1, "a caught panic counts");
    assert!(forewarn_fuzz::run("metric_json", b"{}"));
    assert!(!forewarn_fuzz::run("no_such_target", b""));
}
