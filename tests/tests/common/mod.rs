//! Shared by the Kafka end-to-end tests: the real broker process (tansu),
//! the real client kcat, `forewarn score` processes, and reading a topic
//! back with a separate consumer (forewarn-kafka's topic reader).

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use forewarn_e2e::{forewarn_bin, workspace_root};
use forewarn_kafka::TopicReader;

pub(crate) mod browser;

/// Every message of `topic` (`partitions` partitions, from the beginning)
/// as (key, payload parsed as JSON), stopping at `expected` messages or
/// after a minute.
pub(crate) fn consume_all(
    brokers: &str,
    topic: &str,
    partitions: i32,
    expected: u64,
) -> Vec<(String, serde_json::Value)> {
    let reader = TopicReader::new(brokers, &[], topic).expect("reader");
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while (out.len() as u64) < expected && Instant::now() < deadline {
        if let Some(m) = reader.next(Duration::from_millis(200))
            && m.partition < partitions
        {
            let key = String::from_utf8(m.key).unwrap();
            let value = serde_json::from_slice(&m.payload).unwrap();
            out.push((key, value));
        }
    }
    out
}

/// How many of `topic`'s `partitions` partitions hold records.
pub(crate) fn partitions_with_data(brokers: &str, topic: &str, partitions: i32) -> usize {
    let reader = TopicReader::new(brokers, &[], topic).expect("reader");
    reader
        .watermarks(Duration::from_secs(10))
        .expect("watermarks")
        .into_iter()
        .filter(|(p, low, high)| *p < partitions && high > low)
        .count()
}

/// Produce `lines` (`key<TAB>value`) to `topic` with kcat.
pub(crate) fn kcat_produce(kcat: &Path, dir: &Path, brokers: &str, topic: &str, lines: &[String]) {
    let file = dir.join("produce.txt");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let o = Command::new(kcat)
        .args(["-P", "-b", brokers, "-t", topic, "-K", "\t", "-l"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "kcat -P: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every record of `topic` read by kcat, as kcat's JSON envelope (`-J`).
pub(crate) fn kcat_consume(kcat: &Path, brokers: &str, topic: &str) -> Vec<serde_json::Value> {
    let o = Command::new(kcat)
        .args([
            "-C",
            "-b",
            brokers,
            "-t",
            topic,
            "-o",
            "beginning",
            "-e",
            "-q",
            "-J",
        ])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "kcat -C: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The default pipeline with its topics renamed `PREFIX.*`, written into
/// `dir`.
pub(crate) fn default_pipeline(dir: &Path, prefix: &str) -> PathBuf {
    let text = std::fs::read_to_string(workspace_root().join("pipelines/default.yaml")).unwrap();
    let path = dir.join(format!("{prefix}.yaml"));
    std::fs::write(&path, text.replace("forewarn.", &format!("{prefix}."))).unwrap();
    path
}

/// Wait until `ok()`, failing the test after `timeout`.
pub(crate) fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A free TCP port on 127.0.0.1.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A tool the test needs: found, skipped with a notice, or (CI=true) a
/// failure, because CI must never skip these tests silently.
pub(crate) fn required(path: Option<PathBuf>, what: &str) -> Option<PathBuf> {
    if let Some(p) = path.filter(|p| p.is_file()) {
        return Some(p);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "{what} not found and CI=true: .ci/test installs it; real-broker tests must not be skipped"
        );
    }
    eprintln!("notice: {what} not found; real-broker test skipped");
    None
}

/// The tansu binary: `$FOREWARN_TANSU`, else `$HOME/.cache/forewarn/tansu/bin/tansu`.
pub(crate) fn tansu_binary() -> Option<PathBuf> {
    let path = std::env::var_os("FOREWARN_TANSU")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".cache/forewarn/tansu/bin/tansu"))
        });
    required(
        path,
        "tansu (FOREWARN_TANSU or ~/.cache/forewarn/tansu/bin/tansu)",
    )
}

/// kcat, the Kafka command-line client (Debian package `kcat`).
///
/// Under `cargo test` it runs with cargo's `LD_LIBRARY_PATH`, which holds
/// the build directory of `rdkafka-sys`: kcat then loads the librdkafka
/// Forewarn is built with (2.12.1), not the system's (Debian: 2.0.2, which
/// cannot read tansu 0.6's ApiVersions v3 response; see the README,
/// "Which client works with tansu 0.6").
pub(crate) fn kcat_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("kcat"))
            .find(|p| p.is_file())
    });
    required(found, "kcat (apt-get install kcat)")
}

/// A tansu broker process on a free 127.0.0.1 port, killed when dropped.
pub(crate) struct Broker {
    child: Child,
    pub(crate) addr: String,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start tansu (in-memory storage); `None` when it is not installed and
/// CI is not set.
pub(crate) fn start_tansu() -> Option<Broker> {
    let bin = tansu_binary()?;
    let addr = format!("127.0.0.1:{}", free_port());
    let url = format!("tcp://{addr}");
    let child = Command::new(bin)
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
            "--storage-engine",
            "memory://tansu/",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tansu");
    let broker = Broker { child, addr };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(&broker.addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "tansu did not listen on {}",
            broker.addr
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(broker)
}

/// A `forewarn score` process; killed (SIGKILL) when dropped.
pub(crate) struct ScorerProcess {
    child: Option<Child>,
    /// Its `/metrics` and `/health` address.
    pub(crate) http: String,
    pub(crate) log: PathBuf,
}

impl Drop for ScorerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

impl ScorerProcess {
    /// Start `forewarn score` on `brokers` with `pipeline`, in `group`,
    /// checkpointing every second, creating the topics (3 partitions)
    /// unless they exist; its stderr goes to `log`.
    pub(crate) fn start(brokers: &str, pipeline: &Path, group: &str, log: PathBuf) -> Self {
        Self::start_with(brokers, pipeline, group, log, &["--create-topics", "3"])
    }

    /// As [`ScorerProcess::start`], with `extra` arguments instead of
    /// `--create-topics 3`.
    pub(crate) fn start_with(
        brokers: &str,
        pipeline: &Path,
        group: &str,
        log: PathBuf,
        extra: &[&str],
    ) -> Self {
        let http = format!("127.0.0.1:{}", free_port());
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = Command::new(forewarn_bin())
            .args([
                "score",
                "--brokers",
                brokers,
                "--pipeline",
                pipeline.to_str().unwrap(),
                "--model",
                "models/default",
                "--group",
                group,
                "--listen",
                &http,
                "--checkpoint-every",
                "1s",
                "--kafka-option",
                "statistics.interval.ms=500",
                "--log",
                "forewarn_stream=debug",
            ])
            .args(extra)
            .current_dir(workspace_root())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start forewarn score");
        Self {
            child: Some(child),
            http,
            log,
        }
    }

    /// One HTTP GET of `path`: (status code, body), or None if it cannot connect.
    pub(crate) fn get(&self, path: &str) -> Option<(u16, String)> {
        let mut s = TcpStream::connect(&self.http).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.http
        )
        .ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        let status = text.split_whitespace().nth(1)?.parse().ok()?;
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
        Some((status, body))
    }

    /// What the process is doing, for a timeout's message: its exit status
    /// if it has ended, else its state from `/proc` and, where gdb is
    /// installed, every thread's stack (a stalled process says where).
    pub(crate) fn diagnose(&self) -> String {
        let Some(c) = self.child.as_ref() else {
            return "process: already stopped by the test".into();
        };
        let pid = c.id();
        let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
            return format!("process {pid}: gone (no /proc entry)");
        };
        let state = status
            .lines()
            .filter(|l| l.starts_with("State:") || l.starts_with("Threads:"))
            .collect::<Vec<_>>()
            .join(", ");
        let stacks = Command::new("gdb")
            .args([
                "-batch",
                "-p",
                &pid.to_string(),
                "-ex",
                "thread apply all bt 12",
            ])
            .stdin(Stdio::null())
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_else(|e| format!("(no gdb: {e})"));
        format!("process {pid}: {state}\nthread stacks:\n{stacks}")
    }

    /// Sum of every sample of metric `name` in `/metrics` (0 when absent).
    pub(crate) fn metric(&self, name: &str) -> f64 {
        let Some((_, body)) = self.get("/metrics") else {
            return f64::NAN;
        };
        body.lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| {
                l.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            // (An empty f64 sum is -0.0.)
            .fold(0.0, |a, b| a + b)
    }

    /// Wait until this process owns `partitions` partitions, knows the
    /// lag of each on `topic` and it is zero everywhere, and its count of
    /// records read has not moved for a second and a half: it has scored
    /// everything there is.
    pub(crate) fn wait_caught_up(&self, topic: &str, partitions: f64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut last = -1.0;
        let lag_line = format!("forewarn_consumer_lag{{topic=\"{topic}\"");
        loop {
            let consumed = self.metric("forewarn_records_consumed_total");
            let lag = self.metric("forewarn_consumer_lag");
            let owned = self.metric("forewarn_partitions_assigned");
            let known = self.get("/metrics").map_or(0, |(_, body)| {
                body.lines().filter(|l| l.starts_with(&lag_line)).count()
            });
            if consumed > 0.0
                && lag == 0.0
                && owned == partitions
                && known as f64 >= partitions
                && consumed == last
            {
                return;
            }
            last = consumed;
            assert!(
                Instant::now() < deadline,
                "scorer did not catch up: consumed {consumed}, lag {lag} (known for {known}), partitions {owned}; log:\n{}\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default(),
                self.diagnose()
            );
            std::thread::sleep(Duration::from_millis(1500));
        }
    }

    /// Wait until this process has read at least `records` records of
    /// `topic` (replays count too). On loaded cores the lag gauge can lag
    /// behind the records just produced, so a test that knows how many it
    /// produced waits for them first.
    pub(crate) fn wait_consumed(&self, topic: &str, records: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let name = format!("forewarn_records_consumed_total{{topic=\"{topic}\"}}");
        loop {
            let consumed = self.metric(&name);
            if consumed >= records as f64 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "scorer read {consumed} of the {records} records of {topic}; log:\n{}\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default(),
                self.diagnose()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Wait until this process owns `partitions` partitions.
    pub(crate) fn wait_partitions(&self, partitions: f64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.metric("forewarn_partitions_assigned") != partitions {
            assert!(
                Instant::now() < deadline,
                "scorer never owned {partitions} partitions; log:\n{}\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default(),
                self.diagnose()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// SIGKILL: no shutdown work at all, as in a crash.
    pub(crate) fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then wait for a graceful exit; returns whether it exited 0.
    pub(crate) fn terminate(&mut self) -> bool {
        let Some(mut c) = self.child.take() else {
            return false;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = c.try_wait() {
                return status.success();
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A child process killed (SIGKILL) and reaped when dropped.
pub(crate) struct Killed(pub(crate) Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `forewarn ARGS` run from the workspace root at log level info, its
/// stderr appended to `log`, stdout discarded, the kill switch variable
/// unset, and `FOREWARN_AUDIT_KEY` set to `audit_key` (unset without one).
pub(crate) fn spawn_logged<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    log: &Path,
    audit_key: Option<&str>,
) -> Killed {
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let mut cmd = Command::new(forewarn_bin());
    cmd.args(args)
        .current_dir(workspace_root())
        .env_remove("RELIABILITY_ENGINE_ENABLED")
        .env("FOREWARN_LOG", "info")
        .stdout(Stdio::null())
        .stderr(stderr);
    match audit_key {
        Some(k) => cmd.env("FOREWARN_AUDIT_KEY", k),
        None => cmd.env_remove("FOREWARN_AUDIT_KEY"),
    };
    Killed(cmd.spawn().expect("start forewarn"))
}

/// `forewarn remediate` on `brokers` with this pipeline, policy, audit log
/// and consumer group, creating missing topics with one partition.
pub(crate) fn remediate_args(
    brokers: &str,
    pipeline: &Path,
    policy: &Path,
    audit: &Path,
    group: &str,
) -> Vec<String> {
    let path = |p: &Path| p.to_str().expect("a UTF-8 path").to_string();
    vec![
        "remediate".into(),
        "--brokers".into(),
        brokers.into(),
        "--pipeline".into(),
        path(pipeline),
        "--policy".into(),
        path(policy),
        "--audit".into(),
        path(audit),
        "--group".into(),
        group.into(),
        "--create-topics".into(),
        "1".into(),
    ]
}
