//! What `watch` is told: the service, the command, the sampling interval,
//! the health check, and how to recover (restart policy, backoff, start
//! limit, stop timeout, kill switch), with the defaults documented here
//! and their override from the pipeline's `services.<name>`.

use std::time::Duration;

use forewarn_config::ServiceConfig;
use forewarn_control::LiveSwitch;
use forewarn_core::contracts::RecommendedAction;

use crate::backoff::Backoff;
use crate::health::HealthSchedule;

/// When the child is started again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    /// Never: report and exit with the child's status.
    Never,
    /// After a failure: a non-zero exit, a signal, an OOM kill or a hang
    /// (systemd's `Restart=on-failure`). A clean exit stops `watch`.
    OnFailure,
    /// After any exit, a clean one included.
    Always,
}

/// The health check and what makes a hang.
#[derive(Debug, Clone)]
pub struct HealthOptions {
    /// What to check and how often.
    pub schedule: HealthSchedule,
    /// Failed checks in a row that make the child hung.
    pub failures_before_hung: u32,
}

/// Everything `watch` needs.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Service name stamped on everything published.
    pub service: String,
    /// Instance name (default: the host name).
    pub instance: String,
    /// The command (argv, no shell).
    pub command: Vec<String>,
    /// How often the process tree is sampled. Default 10 s, finer than the
    /// default pipeline's `features.expected_interval` (60 s): a leak or an
    /// fd climb is seen within seconds, and the scorer's windows take any
    /// cadence at or above the expected one.
    pub sample_every: Duration,
    /// Delays between restarts.
    pub backoff: Backoff,
    /// Start limit: at most this many starts...
    pub start_limit_burst: u32,
    /// ...within this interval (default 5 within 60 s).
    pub start_limit_interval: Duration,
    /// A run at least this long (or one that passed its health check)
    /// resets the backoff to its first delay (default 30 s).
    pub reset_after: Duration,
    /// SIGTERM to SIGKILL when stopping (default 10 s).
    pub stop_timeout: Duration,
    /// When to restart.
    pub restart: RestartPolicy,
    /// The health check, if any.
    pub health: Option<HealthOptions>,
    /// No output and no CPU time for this long is a hang (off by default).
    pub silent_hang: Option<Duration>,
    /// The kill switch (`RELIABILITY_ENGINE_ENABLED` at start, the
    /// control topic live): while it disables actions, nothing is
    /// restarted (neither after a failure nor on command).
    pub kill_switch: LiveSwitch,
    /// Memory limit published as `memory_limit_bytes` (default: the
    /// service's `limits.memory_bytes`, else the memory cgroup's limit).
    pub memory_limit: Option<u64>,
    /// Cores available, for `cpu_utilization` (default: the service's
    /// `limits.cpu_cores`, else the machine's).
    pub cpu_cores: Option<f64>,
    /// Lines kept for the `last_lines` of events.
    pub last_lines: usize,
}

impl WatchOptions {
    /// Defaults for `service` running `command`.
    pub fn new(service: &str, instance: &str, command: Vec<String>) -> Self {
        Self {
            service: service.to_string(),
            instance: instance.to_string(),
            command,
            sample_every: Duration::from_secs(10),
            backoff: Backoff::default(),
            start_limit_burst: 5,
            start_limit_interval: Duration::from_secs(60),
            reset_after: Duration::from_secs(30),
            stop_timeout: Duration::from_secs(10),
            restart: RestartPolicy::OnFailure,
            health: None,
            silent_hang: None,
            kill_switch: LiveSwitch::fixed(true),
            memory_limit: None,
            cpu_cores: None,
            last_lines: 20,
        }
    }

    /// Take the health check, limits and recovery of the service's
    /// pipeline entry: restarts on failure when `recovery_strategy` is
    /// `restart` or `auto_retry` is true, else never.
    pub fn apply_service(&mut self, s: &ServiceConfig) {
        self.restart = if s.recovery_strategy == RecommendedAction::Restart || s.auto_retry {
            RestartPolicy::OnFailure
        } else {
            RestartPolicy::Never
        };
        if let Some(h) = &s.health_check
            && let Some(probe) = h.probe()
        {
            self.health = Some(HealthOptions {
                schedule: HealthSchedule {
                    probe,
                    interval: h.interval.into(),
                    timeout: h.timeout.into(),
                    startup_interval: Duration::from_secs(1),
                },
                failures_before_hung: h.failures_before_hung.max(1),
            });
        }
        if let Some(m) = s.limits.memory_bytes {
            self.memory_limit = Some(m as u64);
        }
        if let Some(c) = s.limits.cpu_cores {
            self.cpu_cores = Some(c);
        }
    }

    /// Whether a failure may be answered with a restart.
    pub fn may_restart(&self) -> bool {
        self.kill_switch.enabled() && self.restart != RestartPolicy::Never
    }
}
