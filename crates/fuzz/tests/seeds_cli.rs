//! `fuzz-seeds` takes an output directory, never an option as one (a
//! `--help` once wrote a whole corpus into a directory named `--help`).

use std::process::Command;

#[test]
fn options_print_usage_and_write_nothing() {
    let dir = std::env::temp_dir().join(format!("forewarn-fuzz-seeds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |arg: &str| {
        Command::new(env!("CARGO_BIN_EXE_fuzz-seeds"))
            .arg(arg)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let help = run("--help");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("usage: fuzz-seeds [DIR]"));
    let bad = run("--out");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown option --out"));
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(left.is_empty(), "wrote {left:?}");
}
