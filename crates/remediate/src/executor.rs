//! Carrying out one action: a command (argv, no shell), an HTTP request,
//! or a command message on a Kafka topic; each attempt bounded by the
//! action's timeout, failed attempts retried with exponential backoff and
//! jitter.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use crate::policy::{ActionSpec, Retry};

/// What an action is about: the values of the placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionContext {
    /// `{service}`.
    pub service: String,
    /// `{instance}`.
    pub instance: String,
    /// `{issue_id}`.
    pub issue_id: String,
    /// `{kind}`.
    pub kind: String,
    /// `{action}`.
    pub action: String,
    /// `{probability}`.
    pub probability: f64,
}

impl ActionContext {
    /// `template` with every placeholder replaced. Values are inserted as
    /// text; no quoting is needed because nothing is parsed by a shell.
    pub fn fill(&self, template: &str) -> String {
        template
            .replace("{service}", &self.service)
            .replace("{instance}", &self.instance)
            .replace("{issue_id}", &self.issue_id)
            .replace("{kind}", &self.kind)
            .replace("{action}", &self.action)
            .replace("{probability}", &format!("{:.3}", self.probability))
    }

    fn json(&self) -> String {
        serde_json::json!({
            "service": self.service,
            "instance": self.instance,
            "issue_id": self.issue_id,
            "kind": self.kind,
            "action": self.action,
            "probability": self.probability,
        })
        .to_string()
    }
}

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The executor reported success.
    Succeeded,
    /// It reported failure (every attempt).
    Failed,
    /// The last attempt ran out of time.
    TimedOut,
}

/// The result of an execution, all attempts included.
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    /// How it ended.
    pub outcome: Outcome,
    /// Attempts made.
    pub attempts: u32,
    /// Wall time, all attempts and waits included.
    pub duration: Duration,
    /// A short account (exit status, HTTP status, error).
    pub detail: String,
}

/// Why a command message was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The producer refused the message.
    #[error("could not send the command message to {topic}: {source}")]
    Send {
        /// The topic.
        topic: String,
        /// Why.
        source: forewarn_kafka::Error,
    },
    /// Waiting for the broker's acknowledgement failed.
    #[error("waiting for the acknowledgement of the command message: {0}")]
    Flush(#[source] forewarn_kafka::Error),
    /// The broker refused the message.
    #[error("the broker refused the command message on {0}")]
    Refused(String),
}

/// Publishes command messages for [`ActionSpec::kafka`] actions.
pub trait CommandSink: Send + Sync {
    /// Publish `payload` keyed by `key` to `topic` and wait (up to
    /// `timeout`) for the broker's acknowledgement.
    fn publish(
        &self,
        topic: &str,
        key: &str,
        payload: &str,
        timeout: Duration,
    ) -> Result<(), PublishError>;
}

/// Run `spec` for `ctx`, retrying per `retry`.
pub fn execute(
    spec: &ActionSpec,
    ctx: &ActionContext,
    retry: &Retry,
    sink: Option<&dyn CommandSink>,
) -> Execution {
    let started = Instant::now();
    let timeout: Duration = spec.timeout.into();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
        started.elapsed().as_nanos() as u64 ^ xxhash_rust::xxh3::xxh3_64(ctx.issue_id.as_bytes()),
    );
    let mut wait: Duration = retry.initial_backoff.into();
    let max_wait: Duration = retry.max_backoff.into();
    let attempts = retry.attempts.max(1);
    let mut last = (Outcome::Failed, String::new());
    for attempt in 1..=attempts {
        last = attempt_once(spec, ctx, timeout, sink);
        if last.0 == Outcome::Succeeded {
            return Execution {
                outcome: Outcome::Succeeded,
                attempts: attempt,
                duration: started.elapsed(),
                detail: last.1,
            };
        }
        if attempt < attempts {
            let pause = if retry.jitter {
                wait.mul_f64(rng.random_range(0.5..=1.0))
            } else {
                wait
            };
            tracing::info!(
                attempt,
                ?pause,
                "action {} failed: {}; retrying",
                ctx.action,
                last.1
            );
            std::thread::sleep(pause);
            wait = (wait * 2).min(max_wait);
        }
    }
    Execution {
        outcome: last.0,
        attempts,
        duration: started.elapsed(),
        detail: last.1,
    }
}

fn attempt_once(
    spec: &ActionSpec,
    ctx: &ActionContext,
    timeout: Duration,
    sink: Option<&dyn CommandSink>,
) -> (Outcome, String) {
    if let Some(argv) = &spec.command {
        return run_command(argv, ctx, timeout);
    }
    if let Some(h) = &spec.http {
        return http(&h.method, &ctx.fill(&h.url), &h.headers, ctx, timeout);
    }
    if let Some(k) = &spec.kafka {
        return match sink {
            Some(s) => match s.publish(&k.topic, &ctx.service, &ctx.json(), timeout) {
                Ok(()) => (
                    Outcome::Succeeded,
                    format!("command published to {}", k.topic),
                ),
                Err(e) => (Outcome::Failed, e.to_string()),
            },
            None => (
                Outcome::Failed,
                "no Kafka producer for command messages".into(),
            ),
        };
    }
    (Outcome::Failed, "action has no executor".into())
}

fn run_command(argv: &[String], ctx: &ActionContext, timeout: Duration) -> (Outcome, String) {
    let args: Vec<String> = argv.iter().map(|a| ctx.fill(a)).collect();
    let Some((program, rest)) = args.split_first() else {
        return (Outcome::Failed, "empty command".into());
    };
    let mut child = match Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return (Outcome::Failed, format!("could not start {program}: {e}")),
    };
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    use std::io::Read;
                    let _ = e.by_ref().take(512).read_to_string(&mut err);
                }
                let detail = format!(
                    "{program} exited with {status}{}",
                    if err.trim().is_empty() {
                        String::new()
                    } else {
                        format!(": {}", err.trim())
                    }
                );
                return if status.success() {
                    (Outcome::Succeeded, detail)
                } else {
                    (Outcome::Failed, detail)
                };
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return (
                    Outcome::TimedOut,
                    format!("{program} killed after {timeout:?}"),
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return (Outcome::Failed, format!("waiting for {program}: {e}")),
        }
    }
}

fn http(
    method: &str,
    url: &str,
    headers: &BTreeMap<String, String>,
    ctx: &ActionContext,
    timeout: Duration,
) -> (Outcome, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(k, ctx.fill(v));
    }
    let req = match req
        .header("content-type", "application/json")
        .body(ctx.json())
    {
        Ok(r) => r,
        Err(e) => return (Outcome::Failed, format!("bad request: {e}")),
    };
    match agent.run(req) {
        Ok(resp) if resp.status().is_success() => (
            Outcome::Succeeded,
            format!("{method} {url}: {}", resp.status()),
        ),
        Ok(resp) => (
            Outcome::Failed,
            format!("{method} {url}: {}", resp.status()),
        ),
        Err(ureq::Error::Timeout(_)) => (Outcome::TimedOut, format!("{method} {url}: timed out")),
        Err(e) => (Outcome::Failed, format!("{method} {url}: {e}")),
    }
}
