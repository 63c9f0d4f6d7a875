//! Which failure scenarios and traps a run gets, and how often: rates per
//! service and day, the relative weight of each kind, and whether every
//! kind is guaranteed at least once.

use forewarn_core::HumanDuration;
use serde::{Deserialize, Serialize};

use crate::scenario::{IncidentKind, TrapKind};

/// Which failures and traps are planned, and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScenarioConfig {
    /// Expected incidents per service per simulated day, all kinds together
    /// (a cascade counts once, however many services it reaches).
    pub incidents_per_service_day: f64,
    /// Relative weight of each incident kind.
    pub mix: IncidentMix,
    /// Place one incident of every kind with a non-zero weight first, when the
    /// fleet and duration allow it (so small runs still cover every kind).
    pub ensure_each_kind: bool,
    /// Expected traps (non-failures that look alarming) per service per day.
    pub traps_per_service_day: f64,
    /// Relative weight of each trap kind.
    pub trap_mix: TrapMix,
    /// Likewise, one trap of every kind with a non-zero weight first.
    pub ensure_each_trap: bool,
    /// No incident or trap starts before this much simulated time has passed,
    /// so detectors see normal history first.
    pub warmup: HumanDuration,
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        Self {
            incidents_per_service_day: 0.05,
            mix: IncidentMix::default(),
            ensure_each_kind: true,
            traps_per_service_day: 0.1,
            trap_mix: TrapMix::default(),
            ensure_each_trap: true,
            warmup: HumanDuration::from_secs(2 * 3600),
        }
    }
}

/// Relative weights of the incident kinds (0 disables a kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncidentMix {
    /// Weight of [`IncidentKind::MemoryLeak`].
    pub memory_leak: f64,
    /// Weight of [`IncidentKind::DiskFill`].
    pub disk_fill: f64,
    /// Weight of [`IncidentKind::PoolExhaustion`].
    pub pool_exhaustion: f64,
    /// Weight of [`IncidentKind::LatencyCreep`].
    pub latency_creep: f64,
    /// Weight of [`IncidentKind::ErrorBurst`].
    pub error_burst: f64,
    /// Weight of [`IncidentKind::CpuSaturation`].
    pub cpu_saturation: f64,
    /// Weight of [`IncidentKind::GcThrash`].
    pub gc_thrash: f64,
    /// Weight of [`IncidentKind::CascadingFailure`].
    pub cascading_failure: f64,
}

impl Default for IncidentMix {
    fn default() -> Self {
        Self {
            memory_leak: 1.0,
            disk_fill: 1.0,
            pool_exhaustion: 1.0,
            latency_creep: 1.0,
            error_burst: 1.0,
            cpu_saturation: 1.0,
            gc_thrash: 1.0,
            cascading_failure: 1.0,
        }
    }
}

impl IncidentMix {
    /// The weight of `kind`.
    pub fn weight(&self, kind: IncidentKind) -> f64 {
        match kind {
            IncidentKind::MemoryLeak => self.memory_leak,
            IncidentKind::DiskFill => self.disk_fill,
            IncidentKind::PoolExhaustion => self.pool_exhaustion,
            IncidentKind::LatencyCreep => self.latency_creep,
            IncidentKind::ErrorBurst => self.error_burst,
            IncidentKind::CpuSaturation => self.cpu_saturation,
            IncidentKind::GcThrash => self.gc_thrash,
            IncidentKind::CascadingFailure => self.cascading_failure,
        }
    }
}

/// Relative weights of the trap kinds (0 disables a kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrapMix {
    /// Weight of [`TrapKind::SeasonalPeak`].
    pub seasonal_peak: f64,
    /// Weight of [`TrapKind::PlannedDeploy`].
    pub planned_deploy: f64,
    /// Weight of [`TrapKind::NightlyBatch`].
    pub nightly_batch: f64,
}

impl Default for TrapMix {
    fn default() -> Self {
        Self {
            seasonal_peak: 1.0,
            planned_deploy: 1.0,
            nightly_batch: 1.0,
        }
    }
}

impl TrapMix {
    /// The weight of `kind`.
    pub fn weight(&self, kind: TrapKind) -> f64 {
        match kind {
            TrapKind::SeasonalPeak => self.seasonal_peak,
            TrapKind::PlannedDeploy => self.planned_deploy,
            TrapKind::NightlyBatch => self.nightly_batch,
        }
    }
}
