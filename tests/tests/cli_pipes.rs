//! `forewarn` in a pipeline of commands, as a shell runs it: a reader that
//! goes away (`forewarn … | head -3`) ends the output quietly, never with
//! a panic (exit 101), and logs written to something other than a
//! terminal carry no colour codes.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use forewarn_e2e::{forewarn_bin, workspace_root};

/// A pipe whose reader is already gone: every write to it fails with EPIPE.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

fn forewarn_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(forewarn_bin());
    c.args(args).current_dir(workspace_root());
    c
}

#[test]
fn a_reader_that_goes_away_is_a_quiet_exit_not_a_panic() {
    let out = std::env::temp_dir().join(format!("forewarn-e2e-pipes-{}", std::process::id()));
    let sim = [
        "simulate",
        "--services",
        "1",
        "--duration",
        "10m",
        "--out",
        out.to_str().unwrap(),
    ];
    // `forewarn simulate … 2>&1 | head -0`: both streams closed.
    let w = closed_pipe();
    let status = forewarn_cmd(&sim)
        .stdout(w.try_clone().unwrap())
        .stderr(w)
        .status()
        .unwrap();
    assert_ne!(status.code(), Some(101), "a panic: {status:?}");
    // `forewarn schema | head -0` and `forewarn simulate … | head -0`:
    // stdout closed, stderr still read.
    for args in [&["schema"][..], &sim[..]] {
        let o = forewarn_cmd(args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_ne!(o.status.code(), Some(101), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn logs_carry_no_colour_codes_when_stderr_is_not_a_terminal() {
    // A scorer with no broker to reach logs warnings at once.
    let mut child = forewarn_cmd(&[
        "score",
        "--brokers",
        "127.0.0.1:1",
        "--listen",
        "127.0.0.1:0",
        "--log",
        "info",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(4);
    while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("WARN") || stderr.contains("INFO"),
        "no log line to look at: {stderr}"
    );
    assert!(
        !stderr.contains("\x1b["),
        "colour codes in a pipe: {stderr:?}"
    );
}
