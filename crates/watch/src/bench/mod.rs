//! The benchmark of `forewarn watch` (`forewarn bench watch`):
//!
//! 1. **Overhead.** The same request-serving child ([`server`], run as
//!    `forewarn bench serve`) bare and wrapped by `forewarn watch` (default
//!    settings, an HTTP health check), alternately for `rounds` rounds,
//!    each under the same closed-loop load on loopback ([`load`]):
//!    throughput and p99 latency of each, and `watch`'s own CPU time and
//!    RSS while wrapped.
//! 2. **Recovery.** The wrapped child is killed (SIGKILL) `recoveries`
//!    times, each time under a fresh `watch` with default settings; the
//!    time from the kill to the first answered health request is one
//!    sample.

pub mod load;
pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

use crate::proc_stats;

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The `forewarn` executable.
    pub exe: PathBuf,
    /// Load connections.
    pub connections: usize,
    /// Load duration per measurement.
    pub duration: Duration,
    /// Bare/wrapped rounds.
    pub rounds: usize,
    /// Crash-to-healthy samples.
    pub recoveries: usize,
}

/// One bare or wrapped measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The load's result.
    pub load: load::LoadResult,
    /// `watch`'s CPU seconds during the load (wrapped only).
    pub watch_cpu_s: Option<f64>,
    /// `watch`'s RSS after the load, bytes (wrapped only).
    pub watch_rss_bytes: Option<u64>,
}

/// A process killed (SIGTERM, then SIGKILL) when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        signal(self.0.id(), Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn signal(pid: u32, sig: Signal) {
    if let Some(p) = Pid::from_raw(pid as i32) {
        let _ = kill_process(p, sig);
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn healthy(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 64];
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .is_ok()
        && s.read(&mut buf)
            .is_ok_and(|n| buf[..n].starts_with(b"HTTP/1.1 200"))
}

fn wait_healthy(addr: &str, timeout: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + timeout;
    while !healthy(addr) {
        if Instant::now() > deadline {
            return Err(std::io::Error::other(format!("{addr} never answered")));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

fn start(exe: &Path, port: u16, wrapped: bool) -> std::io::Result<Proc> {
    let mut cmd = Command::new(exe);
    if wrapped {
        cmd.args([
            "watch",
            "--service",
            "bench",
            "--out",
            "/dev/null",
            "--health-http",
            &format!("http://127.0.0.1:{port}/health"),
            "--",
        ])
        .arg(exe);
    }
    cmd.args(["bench", "serve", "--port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(Proc(cmd.spawn()?))
}

fn cpu_seconds(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_ascii_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / rustix::param::clock_ticks_per_second() as f64)
}

fn rss_bytes(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// One measurement, bare or wrapped.
pub fn measure(opts: &BenchOptions, wrapped: bool) -> std::io::Result<Measured> {
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let p = start(&opts.exe, port, wrapped)?;
    wait_healthy(&addr, Duration::from_secs(30))?;
    load::run(&addr, opts.connections, Duration::from_millis(500))?; // warm-up
    let cpu0 = wrapped.then(|| cpu_seconds(p.0.id())).flatten();
    let result = load::run(&addr, opts.connections, opts.duration)?;
    let cpu1 = wrapped.then(|| cpu_seconds(p.0.id())).flatten();
    let rss = wrapped.then(|| rss_bytes(p.0.id())).flatten();
    drop(p);
    Ok(Measured {
        load: result,
        watch_cpu_s: cpu0.zip(cpu1).map(|(a, b)| b - a),
        watch_rss_bytes: rss,
    })
}

/// One crash-to-healthy time under a fresh `watch` with default settings.
pub fn recovery(opts: &BenchOptions) -> std::io::Result<Duration> {
    let port = free_port()?;
    let addr = format!("127.0.0.1:{port}");
    let p = start(&opts.exe, port, true)?;
    wait_healthy(&addr, Duration::from_secs(30))?;
    let child = proc_stats::pids(p.0.id())
        .into_iter()
        .find(|pid| *pid != p.0.id())
        .ok_or_else(|| std::io::Error::other("watch has no child"))?;
    let t0 = Instant::now();
    signal(child, Signal::KILL);
    // Wait for the old child to be gone before asking for health.
    while healthy(&addr) && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(1));
    }
    wait_healthy(&addr, Duration::from_secs(120))?;
    Ok(t0.elapsed())
}
