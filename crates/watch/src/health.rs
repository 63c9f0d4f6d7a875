//! One health check, bounded by its timeout: an HTTP/1.1 GET that must
//! answer 2xx (hand-rolled over a TCP stream: `http://` only, no TLS), a
//! TCP connect, or a command (argv, no shell) that must exit 0. And the
//! loop that runs it for one run of the child.

use std::process::Stdio;
use std::time::{Duration, Instant};

use forewarn_config::HealthProbe;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The result of one check.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthResult {
    /// Whether it passed.
    pub ok: bool,
    /// How long it took (the timeout, when it timed out).
    pub latency: Duration,
    /// What it saw (`HTTP 200`, `timed out after 2s`, `exit status 1`...).
    pub detail: String,
}

/// Run `probe` once, for at most `timeout`.
pub async fn check(probe: &HealthProbe, timeout: Duration) -> HealthResult {
    let started = Instant::now();
    let outcome = tokio::time::timeout(timeout, run(probe)).await;
    let latency = started.elapsed();
    match outcome {
        Ok(Ok(detail)) => HealthResult {
            ok: true,
            latency,
            detail,
        },
        Ok(Err(detail)) => HealthResult {
            ok: false,
            latency,
            detail,
        },
        Err(_) => HealthResult {
            ok: false,
            latency,
            detail: format!("timed out after {timeout:?}"),
        },
    }
}

async fn run(probe: &HealthProbe) -> Result<String, String> {
    match probe {
        HealthProbe::Http(url) => http_get(url).await,
        HealthProbe::Tcp(addr) => TcpStream::connect(addr.as_str())
            .await
            .map(|_| "connected".to_string())
            .map_err(|e| format!("connect {addr}: {e}")),
        HealthProbe::Command(argv) => command(argv).await,
    }
}

/// `http://host[:port][/path]` as (host:port, host, path).
pub fn split_url(url: &str) -> Option<(String, String, String)> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return None;
    }
    let addr = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    Some((addr, authority.to_string(), path.to_string()))
}

async fn http_get(url: &str) -> Result<String, String> {
    let (addr, host, path) = split_url(url).ok_or_else(|| format!("not an http:// URL: {url}"))?;
    let mut s = TcpStream::connect(&addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: forewarn-watch\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| format!("send: {e}"))?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.contains(&b'\n') {
        let n = s.read(&mut buf).await.map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("connection closed before a status line".into());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let code: u16 = line
        .split_ascii_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP status line: {:?}", line.lines().next()))?;
    if (200..300).contains(&code) {
        Ok(format!("HTTP {code}"))
    } else {
        Err(format!("HTTP {code}"))
    }
}

async fn command(argv: &[String]) -> Result<String, String> {
    let (program, args) = argv.split_first().ok_or("empty command")?;
    let status = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .map_err(|e| format!("could not run {program}: {e}"))?;
    if status.success() {
        Ok("exit status 0".into())
    } else {
        Err(format!("{program}: {status}"))
    }
}

/// How often a run of the child is checked.
#[derive(Debug, Clone)]
pub struct HealthSchedule {
    /// What to check.
    pub probe: HealthProbe,
    /// Between checks once the child has passed one.
    pub interval: Duration,
    /// Of one check.
    pub timeout: Duration,
    /// Between checks until the first pass of a run (a start-up probe, so
    /// recovery is seen early).
    pub startup_interval: Duration,
}

/// Check every interval (every `startup_interval` until the first pass)
/// and send each result, until the receiver goes away or the task is
/// aborted.
pub fn spawn_loop(schedule: HealthSchedule, tx: mpsc::Sender<HealthResult>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut passed = false;
        loop {
            let pause = if passed {
                schedule.interval
            } else {
                schedule.startup_interval.min(schedule.interval)
            };
            tokio::time::sleep(pause).await;
            let r = check(&schedule.probe, schedule.timeout).await;
            passed |= r.ok;
            if tx.send(r).await.is_err() {
                return;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            split_url("http://127.0.0.1:8080/health?x=1"),
            Some((
                "127.0.0.1:8080".into(),
                "127.0.0.1:8080".into(),
                "/health?x=1".into()
            ))
        );
        assert_eq!(
            split_url("http://example"),
            Some(("example:80".into(), "example".into(), "/".into()))
        );
        assert_eq!(split_url("https://x/"), None);
    }

    async fn serve_once(status: &'static str) -> String {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes())
                    .await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn http_2xx_passes_other_codes_and_silence_fail() {
        let ok = serve_once("204 No Content").await;
        let r = check(
            &HealthProbe::Http(format!("http://{ok}/h")),
            Duration::from_secs(2),
        )
        .await;
        assert!(r.ok, "{r:?}");
        assert_eq!(r.detail, "HTTP 204");
        let bad = serve_once("503 Service Unavailable").await;
        let r = check(
            &HealthProbe::Http(format!("http://{bad}/h")),
            Duration::from_secs(2),
        )
        .await;
        assert!(!r.ok);
        assert_eq!(r.detail, "HTTP 503");
        // A listener that never answers: the timeout decides.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = silent.local_addr().unwrap();
        let r = check(
            &HealthProbe::Http(format!("http://{addr}/")),
            Duration::from_millis(200),
        )
        .await;
        assert!(!r.ok);
        assert!(r.detail.starts_with("timed out"), "{r:?}");
        assert!(r.latency >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn tcp_and_command() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        assert!(
            check(&HealthProbe::Tcp(addr.clone()), Duration::from_secs(1))
                .await
                .ok
        );
        drop(l);
        assert!(
            !check(&HealthProbe::Tcp(addr), Duration::from_secs(1))
                .await
                .ok
        );
        let t = Duration::from_secs(5);
        assert!(
            check(&HealthProbe::Command(vec!["true".into()]), t)
                .await
                .ok
        );
        let r = check(
            &HealthProbe::Command(vec!["sh".into(), "-c".into(), "exit 4".into()]),
            t,
        )
        .await;
        assert!(!r.ok);
        assert!(r.detail.contains('4'), "{r:?}");
        let r = check(
            &HealthProbe::Command(vec!["sleep".into(), "5".into()]),
            Duration::from_millis(100),
        )
        .await;
        assert!(!r.ok);
    }
}
