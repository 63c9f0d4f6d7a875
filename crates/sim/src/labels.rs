//! The ground truth written to `labels.json`: the fleet (services, roles,
//! dependencies, limits, SLOs), the thresholds that define each failure,
//! every labelled incident and, separately, every trap.

use std::path::Path;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::IssueKind;
use serde::{Deserialize, Serialize};

use crate::scenario::{IncidentKind, TrapKind};
use crate::topology::Role;
use crate::{Error, Metric, Result};

/// Identifier of the labels file format, in its `format` field.
pub const LABELS_FORMAT: &str = "forewarn-sim-labels/1";

/// Fleet-wide failure thresholds (per-service ones are in [`ServiceInfo`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// CPU saturation: `cpu_utilization` at or above this.
    pub cpu_saturation: f64,
    /// GC thrash: `gc_pause_ms` at or above this.
    pub gc_pause_ms: f64,
    /// Error-rate SLO: `error_rate` at or above this is a failure.
    pub error_rate_slo: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            cpu_saturation: 0.98,
            gc_pause_ms: 1000.0,
            error_rate_slo: 0.05,
        }
    }
}

/// One service as described in the labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceInfo {
    /// Service name.
    pub name: String,
    /// What it does.
    pub role: Role,
    /// Its instance names.
    pub instances: Vec<String>,
    /// The services it calls (failures spread from these to this one).
    pub depends_on: Vec<String>,
    /// p99 latency SLO, ms.
    pub slo_latency_p99_ms: f64,
    /// Memory limit per instance, bytes (also emitted as `memory_limit_bytes`).
    pub memory_limit_bytes: f64,
    /// Disk capacity per instance, bytes (also `disk_capacity_bytes`).
    pub disk_capacity_bytes: f64,
    /// Pool size per instance (also `connections_max`).
    pub connections_max: f64,
}

/// What defines an incident's failure: `metric` reaching `threshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    /// The metric name, e.g. `memory_rss_bytes`.
    pub metric: Metric,
    /// The failure threshold: the first step at or above it is `failure`.
    pub threshold: f64,
}

/// One labelled incident on one service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// `inc-0001`, … in order of onset.
    pub id: String,
    /// Affected service.
    pub service: String,
    /// Affected instance, or `null` when the whole service is affected.
    pub instance: Option<String>,
    /// The scenario.
    pub kind: IncidentKind,
    /// The predicted-issue kind that a correct prediction carries.
    pub issue_kind: IssueKind,
    /// First step that deviates from normal.
    pub onset: DateTime<Utc>,
    /// First step at which `signal` reaches its threshold (OOM kill, disk
    /// full, pool exhausted, SLO breached…).
    pub failure: DateTime<Utc>,
    /// First step back to normal (after restart, cleanup or rollback).
    pub recovery: DateTime<Utc>,
    /// The service where the failure started: this service itself, except
    /// for the upstream parts of a cascade.
    pub root_cause_service: String,
    /// For cascades: the id of the root-cause incident (also on the root itself).
    pub cascade_id: Option<String>,
    /// The metric and threshold that define `failure`.
    pub signal: Signal,
    /// A sentence on what happens.
    pub description: String,
}

/// One labelled trap (not a failure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trap {
    /// `trap-0001`, … in order of start.
    pub id: String,
    /// Service concerned.
    pub service: String,
    /// Instance, or `null` for the whole service.
    pub instance: Option<String>,
    /// What happens.
    pub kind: TrapKind,
    /// First affected step.
    pub start: DateTime<Utc>,
    /// First step after it.
    pub end: DateTime<Utc>,
    /// A sentence on what happens.
    pub description: String,
}

/// The content of `labels.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// Always [`LABELS_FORMAT`].
    pub format: String,
    /// The seed of the run.
    pub seed: u64,
    /// First sample's timestamp.
    pub start: DateTime<Utc>,
    /// Timestamp just after the last step.
    pub end: DateTime<Utc>,
    /// Sampling interval, seconds.
    pub interval_s: f64,
    /// Fleet-wide thresholds.
    pub thresholds: Thresholds,
    /// Every service.
    pub services: Vec<ServiceInfo>,
    /// Labelled incidents, by onset.
    pub incidents: Vec<Incident>,
    /// Traps, by start; none of them contains a labelled failure.
    pub traps: Vec<Trap>,
}

impl Labels {
    /// Read a `labels.json`.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_slice(&bytes).map_err(|source| Error::Json {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Write as pretty JSON (deterministic: fields in declaration order).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut json = serde_json::to_vec_pretty(self).map_err(|source| Error::Json {
            path: path.to_path_buf(),
            source,
        })?;
        json.push(b'\n');
        std::fs::write(path, json).map_err(|e| Error::io(path, e))
    }

    /// The service named `name`.
    pub fn service(&self, name: &str) -> Option<&ServiceInfo> {
        self.services.iter().find(|s| s.name == name)
    }
}
