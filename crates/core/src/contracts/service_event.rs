//! The service-event contract: what `forewarn watch` observed happen to a
//! process it supervises (started, crashed, OOM-killed, hung, restarted,
//! recovered, gave up), the observed counterpart of a predicted issue.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::default_schema_version;
use crate::id::content_id;

/// What happened to the supervised process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceEventKind {
    /// The first start of the process.
    Started,
    /// The process exited on its own with a failure (non-zero code or a
    /// signal), or with code 0 while it was meant to keep running.
    Crashed,
    /// The process was killed by the kernel's OOM killer (SIGKILL with
    /// cgroup `oom_kill` evidence, or SIGKILL with its RSS near its limit).
    OomKilled,
    /// The health check failed `failures_before_hung` times in a row (or,
    /// where configured, no output and no CPU for a while): the process is
    /// alive but not serving.
    Hung,
    /// The health check started failing (first failure after success).
    HealthFailed,
    /// The process was started again (after a crash, a hang or on command).
    Restarted,
    /// The health check passes again after a failure or a restart.
    Recovered,
    /// No more restarts: start limit reached, kill switch, or a recovery
    /// strategy that is not `restart`. The supervisor exits.
    GaveUp,
    /// The process was stopped on purpose (signal to the supervisor) or
    /// exited cleanly; the supervisor exits.
    Stopped,
}

/// One observed event of one supervised process.
///
/// ```json
/// {"schema_version":1,"id":"…","ts":"2026-01-01T00:00:10Z","service":"api",
///  "instance":"api-0","kind":"crashed","pid":4242,"exit_code":3,
///  "restarts":1,"next_delay_ms":1000,"last_lines":["fatal: bad config"]}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceEvent {
    /// Contract version; defaults to 1 when absent.
    #[serde(default = "default_schema_version")]
    pub schema_version: u32,
    /// Deterministic id (service, instance, kind, time, restarts).
    pub id: String,
    /// When it was observed.
    pub ts: DateTime<Utc>,
    /// Service of the process.
    pub service: String,
    /// Instance within the service; empty when not given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub instance: String,
    /// What happened.
    pub kind: ServiceEventKind,
    /// Process id of the child concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// Exit code, when the process exited normally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that ended the process, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// When the current (or last) run of the process started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// Restarts so far (0 for the first run).
    #[serde(default)]
    pub restarts: u32,
    /// Delay before the next start, in milliseconds, when one is planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_delay_ms: Option<u64>,
    /// Why (start limit reached, restart command of an issue, health check
    /// error...).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The last lines the process wrote (stdout and stderr), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_lines: Vec<String>,
}

impl ServiceEvent {
    /// An event with no details yet: id from service, instance, kind,
    /// time and restarts.
    pub fn new(
        service: &str,
        instance: &str,
        kind: ServiceEventKind,
        ts: DateTime<Utc>,
        restarts: u32,
    ) -> Self {
        let kind_name = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let id = content_id(&[
            service,
            instance,
            &kind_name,
            &ts.to_rfc3339(),
            &restarts.to_string(),
        ]);
        Self {
            schema_version: super::SCHEMA_VERSION,
            id,
            ts,
            service: service.to_string(),
            instance: instance.to_string(),
            kind,
            pid: None,
            exit_code: None,
            signal: None,
            started_at: None,
            restarts,
            next_delay_ms: None,
            reason: String::new(),
            last_lines: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_their_wire_names_and_ids_are_stable() {
        let ts = "2026-01-01T00:00:00Z".parse().unwrap();
        let e = ServiceEvent::new("api", "api-0", ServiceEventKind::OomKilled, ts, 2);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["kind"], "oom_killed");
        assert_eq!(
            e.id,
            ServiceEvent::new("api", "api-0", ServiceEventKind::OomKilled, ts, 2).id
        );
        assert_ne!(
            e.id,
            ServiceEvent::new("api", "api-0", ServiceEventKind::Crashed, ts, 2).id
        );
        let back: ServiceEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
        assert_eq!(
            serde_json::to_value(ServiceEventKind::GaveUp).unwrap(),
            "gave_up"
        );
    }
}
