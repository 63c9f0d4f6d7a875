//! The scenario vocabulary: the eight incident kinds (each ends in a
//! labelled failure, detected by one signal crossing one threshold) and the
//! three trap kinds (alarming-looking but harmless).

use forewarn_core::contracts::IssueKind;
use serde::{Deserialize, Serialize};

use crate::Metric;

/// A failure scenario. Each has a labelled onset (the first step that
/// deviates) and a labelled failure time (the first step at which its
/// [`signal`](IncidentKind::signal) reaches its threshold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// RSS grows until it reaches the memory limit: OOM kill, then the
    /// instance restarts.
    MemoryLeak,
    /// Disk usage grows until the volume is full; writes fail until cleanup.
    DiskFill,
    /// Open connections climb until the pool is exhausted.
    PoolExhaustion,
    /// p99 latency creeps up until it breaches the service's SLO.
    LatencyCreep,
    /// A bad deploy at onset; errors climb past the error-rate SLO until rollback.
    ErrorBurst,
    /// CPU climbs until saturated (>= the saturation threshold).
    CpuSaturation,
    /// Heap pressure: GC pauses grow until they reach the thrash threshold.
    GcThrash,
    /// A dependency degrades first (the root cause) and the failure spreads
    /// to its callers, hop by hop; each affected service gets its own label.
    CascadingFailure,
}

impl IncidentKind {
    /// Every kind, in a fixed order.
    pub const ALL: [IncidentKind; 8] = [
        IncidentKind::MemoryLeak,
        IncidentKind::DiskFill,
        IncidentKind::PoolExhaustion,
        IncidentKind::LatencyCreep,
        IncidentKind::ErrorBurst,
        IncidentKind::CpuSaturation,
        IncidentKind::GcThrash,
        IncidentKind::CascadingFailure,
    ];

    /// The `snake_case` name used in labels and config.
    pub const fn name(self) -> &'static str {
        match self {
            IncidentKind::MemoryLeak => "memory_leak",
            IncidentKind::DiskFill => "disk_fill",
            IncidentKind::PoolExhaustion => "pool_exhaustion",
            IncidentKind::LatencyCreep => "latency_creep",
            IncidentKind::ErrorBurst => "error_burst",
            IncidentKind::CpuSaturation => "cpu_saturation",
            IncidentKind::GcThrash => "gc_thrash",
            IncidentKind::CascadingFailure => "cascading_failure",
        }
    }

    /// The predicted-issue kind a correct prediction of this incident carries.
    pub const fn issue_kind(self) -> IssueKind {
        match self {
            IncidentKind::MemoryLeak => IssueKind::MemoryExhaustion,
            IncidentKind::DiskFill => IssueKind::DiskExhaustion,
            IncidentKind::PoolExhaustion => IssueKind::ConnectionPoolExhaustion,
            IncidentKind::LatencyCreep => IssueKind::LatencyDegradation,
            IncidentKind::ErrorBurst => IssueKind::ErrorRateIncrease,
            IncidentKind::CpuSaturation => IssueKind::CpuSaturation,
            IncidentKind::GcThrash => IssueKind::GcThrash,
            IncidentKind::CascadingFailure => IssueKind::CascadingFailure,
        }
    }

    /// The metric whose crossing of the threshold defines the failure time.
    pub const fn signal(self) -> Metric {
        match self {
            IncidentKind::MemoryLeak => Metric::MemoryRssBytes,
            IncidentKind::DiskFill => Metric::DiskUsedBytes,
            IncidentKind::PoolExhaustion => Metric::ConnectionsOpen,
            IncidentKind::LatencyCreep => Metric::LatencyP99Ms,
            IncidentKind::ErrorBurst | IncidentKind::CascadingFailure => Metric::ErrorRate,
            IncidentKind::CpuSaturation => Metric::CpuUtilization,
            IncidentKind::GcThrash => Metric::GcPauseMs,
        }
    }

    /// Whether the incident hits one instance (the others stay healthy)
    /// rather than the whole service.
    pub const fn per_instance(self) -> bool {
        matches!(self, IncidentKind::MemoryLeak | IncidentKind::GcThrash)
    }

    /// Range of onset-to-failure lead time, in minutes (shrunk for short runs).
    pub(crate) const fn lead_minutes(self) -> (f64, f64) {
        match self {
            IncidentKind::MemoryLeak => (180.0, 720.0),
            IncidentKind::DiskFill => (120.0, 480.0),
            IncidentKind::PoolExhaustion => (20.0, 90.0),
            IncidentKind::LatencyCreep => (60.0, 360.0),
            IncidentKind::ErrorBurst => (3.0, 15.0),
            IncidentKind::CpuSaturation => (15.0, 60.0),
            IncidentKind::GcThrash => (20.0, 90.0),
            IncidentKind::CascadingFailure => (15.0, 45.0),
        }
    }

    /// Range of failure-to-recovery time, in minutes.
    pub(crate) const fn recovery_minutes(self) -> (f64, f64) {
        match self {
            IncidentKind::MemoryLeak => (2.0, 5.0),
            IncidentKind::DiskFill => (15.0, 45.0),
            IncidentKind::PoolExhaustion => (10.0, 30.0),
            IncidentKind::LatencyCreep => (15.0, 45.0),
            IncidentKind::ErrorBurst => (10.0, 30.0),
            IncidentKind::CpuSaturation => (10.0, 30.0),
            IncidentKind::GcThrash => (5.0, 10.0),
            IncidentKind::CascadingFailure => (15.0, 40.0),
        }
    }
}

impl std::fmt::Display for IncidentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A trap: an event that moves the metrics like an incident might, but is
/// not a failure. No labelled incident overlaps a trap on its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrapKind {
    /// A traffic surge (campaign, sale) well above the daily peak, for 1-3 h.
    SeasonalPeak,
    /// A planned rolling deploy: every instance restarts, memory drops, CPU
    /// spikes while warming up.
    PlannedDeploy,
    /// A nightly batch job: CPU, temporary disk and queue depth rise, then drain.
    NightlyBatch,
}

impl TrapKind {
    /// Every kind, in a fixed order.
    pub const ALL: [TrapKind; 3] = [
        TrapKind::SeasonalPeak,
        TrapKind::PlannedDeploy,
        TrapKind::NightlyBatch,
    ];

    /// The `snake_case` name used in labels and config.
    pub const fn name(self) -> &'static str {
        match self {
            TrapKind::SeasonalPeak => "seasonal_peak",
            TrapKind::PlannedDeploy => "planned_deploy",
            TrapKind::NightlyBatch => "nightly_batch",
        }
    }

    /// Range of the trap's length, in minutes.
    pub(crate) const fn length_minutes(self) -> (f64, f64) {
        match self {
            TrapKind::SeasonalPeak => (60.0, 180.0),
            TrapKind::PlannedDeploy => (5.0, 15.0),
            TrapKind::NightlyBatch => (30.0, 120.0),
        }
    }
}

impl std::fmt::Display for TrapKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
