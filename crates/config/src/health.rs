//! The health check of a service, as `forewarn watch` runs it: an HTTP
//! GET, a TCP connect or a command, every interval, with a timeout and the
//! number of failures in a row that make a hang.

use forewarn_core::HumanDuration;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How a service is checked for health (by `forewarn watch`): exactly
/// one of `http` (or its older spelling `url`), `tcp` or `command`.
///
/// ```yaml
/// health_check: { http: "http://127.0.0.1:8080/health", interval: 10s, timeout: 2s }
/// health_check: { tcp: "127.0.0.1:5432" }
/// health_check: { command: ["pg_isready", "-h", "127.0.0.1"], failures_before_hung: 5 }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct HealthCheck {
    /// HTTP URL that answers 2xx within `timeout` when healthy (`http://`
    /// only; a GET over HTTP/1.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    /// The same as `http` (the first spelling of this setting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `host:port` that accepts a TCP connection within `timeout` when
    /// healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<String>,
    /// A command (argv, no shell) that exits 0 within `timeout` when
    /// healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// How often to check.
    #[serde(default = "default_health_interval")]
    pub interval: HumanDuration,
    /// How long one check may take.
    #[serde(default = "default_health_timeout")]
    pub timeout: HumanDuration,
    /// Consecutive failed checks after which a running process counts as
    /// hung (and is restarted, where the recovery strategy says so).
    #[serde(default = "default_failures_before_hung")]
    pub failures_before_hung: u32,
}

/// What a [`HealthCheck`] probes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthProbe {
    /// An HTTP GET that must answer 2xx.
    Http(String),
    /// A TCP connect to `host:port`.
    Tcp(String),
    /// A command that must exit 0.
    Command(Vec<String>),
}

impl HealthCheck {
    /// The probe, when exactly one of `http`/`url`, `tcp` and `command`
    /// is set (validation reports the other cases).
    pub fn probe(&self) -> Option<HealthProbe> {
        let http = self.http.as_ref().or(self.url.as_ref());
        match (http, &self.tcp, &self.command) {
            (Some(u), None, None) if self.http.is_none() || self.url.is_none() => {
                Some(HealthProbe::Http(u.clone()))
            }
            (None, Some(t), None) => Some(HealthProbe::Tcp(t.clone())),
            (None, None, Some(c)) if !c.is_empty() => Some(HealthProbe::Command(c.clone())),
            _ => None,
        }
    }
}

fn default_health_interval() -> HumanDuration {
    HumanDuration::from_secs(10)
}
fn default_health_timeout() -> HumanDuration {
    HumanDuration::from_secs(2)
}
fn default_failures_before_hung() -> u32 {
    3
}

/// Semantic problems of one service's health check, as (path under
/// `services.<name>.health_check`, message).
pub(crate) fn problems(h: &HealthCheck) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let set = [
        h.http.is_some(),
        h.url.is_some(),
        h.tcp.is_some(),
        h.command.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if set != 1 {
        out.push((
            String::new(),
            format!(
                "needs exactly one of `http`, `tcp` or `command` (got {set}), e.g. \
                 {{http: \"http://127.0.0.1:8080/health\"}}"
            ),
        ));
    }
    if let Some(u) = h.http.as_ref().or(h.url.as_ref()) {
        let field = if h.http.is_some() { "http" } else { "url" };
        if !u.starts_with("http://") || u.len() <= "http://".len() {
            out.push((
                field.into(),
                format!("{u:?} is not an http:// URL (https is not supported by the check)"),
            ));
        }
    }
    if let Some(t) = &h.tcp
        && !t
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
    {
        out.push(("tcp".into(), format!("{t:?} is not host:port")));
    }
    if h.command.as_ref().is_some_and(|c| c.is_empty()) {
        out.push(("command".into(), "must name a program".into()));
    }
    if h.interval.is_zero() {
        out.push(("interval".into(), "must be greater than zero".into()));
    }
    if h.timeout > h.interval {
        out.push((
            "timeout".into(),
            format!("{} exceeds the interval {}", h.timeout, h.interval),
        ));
    }
    if h.failures_before_hung == 0 {
        out.push(("failures_before_hung".into(), "must be at least 1".into()));
    }
    out
}

/// What to write instead of a health check given as a bare string
/// (`health_check: /health` or `health_check: custom`).
pub(crate) fn bare_string_hint(text: &str) -> String {
    let forms = "{http: \"http://127.0.0.1:PORT/health\"}, {tcp: \"127.0.0.1:PORT\"} or \
                 {command: [\"PROGRAM\", \"ARG\"]}";
    if text.starts_with("http://") {
        format!("a bare URL is not a health check; write {{http: {text:?}}}")
    } else if text.starts_with('/') {
        format!(
            "a bare path has no host or port to check; write \
             {{http: \"http://127.0.0.1:PORT{text}\"}} with the service's port"
        )
    } else {
        format!("{text:?} says nothing that can be run; write one of {forms}")
    }
}
