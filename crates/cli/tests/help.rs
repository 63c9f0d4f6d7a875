//! Every subcommand explains itself: `forewarn --help` and each
//! `forewarn <cmd> --help` exit 0 and describe what the command does.
//! (Building this test also builds the binary the end-to-end package drives.)

use std::process::Command;

fn forewarn(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_forewarn"))
        .args(args)
        .output()
        .expect("run forewarn");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn every_subcommand_has_help() {
    let (code, top) = forewarn(&["--help"]);
    assert_eq!(code, 0);
    assert!(top.contains("predicts infrastructure failures"), "{top}");
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A long description wraps onto lines indented deeper.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 2, "{top}");
    for c in commands {
        let (code, help) = forewarn(&[&c, "--help"]);
        assert_eq!(code, 0, "{c} --help");
        assert!(help.contains("Usage: forewarn"), "{c}: {help}");
        assert!(
            help.lines().next().is_some_and(|l| l.len() > 20),
            "{c} lacks a description: {help}"
        );
    }
}
