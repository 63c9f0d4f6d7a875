//! Placing traps: traffic surges in the daytime on front services, planned
//! rolling deploys in working hours, nightly batch jobs on databases,
//! queues and workers. Each reserves its service's time like an incident,
//! so no labelled failure ever falls inside a trap.

use rand::Rng;

use super::Draft;
use super::incidents::version;
use super::timeline::Timeline;
use crate::model::effects::{Effect, EffectKind, Restart, RestartReason};
use crate::rng::SimRng;
use crate::scenario::TrapKind;
use crate::topology::{Role, Topology};

/// A trap before ids are assigned.
#[derive(Debug, Clone)]
pub(crate) struct DraftTrap {
    pub(crate) service: usize,
    pub(crate) kind: TrapKind,
    pub(crate) start: i64,
    pub(crate) end: i64,
}

fn eligible(kind: TrapKind, role: Role) -> bool {
    match kind {
        TrapKind::SeasonalPeak => matches!(role, Role::Gateway | Role::Api | Role::Cache),
        TrapKind::PlannedDeploy => matches!(role, Role::Gateway | Role::Api | Role::Worker),
        TrapKind::NightlyBatch => matches!(role, Role::Db | Role::Queue | Role::Worker),
    }
}

/// UTC hours in which the trap usually starts.
fn hours(kind: TrapKind) -> (f64, f64) {
    match kind {
        TrapKind::SeasonalPeak => (10.0, 17.0),
        TrapKind::PlannedDeploy => (9.0, 17.0),
        TrapKind::NightlyBatch => (0.0, 4.0),
    }
}

/// Try to place one trap of `kind`; false when no free window was found.
pub(crate) fn place(
    kind: TrapKind,
    topo: &Topology,
    tl: &mut Timeline,
    rng: &mut SimRng,
    draft: &mut Draft,
) -> bool {
    let mut candidates: Vec<usize> = (0..topo.services.len())
        .filter(|&s| eligible(kind, topo.services[s].role))
        .collect();
    if candidates.is_empty() {
        candidates = (0..topo.services.len()).collect();
    }
    let (lo, hi) = kind.length_minutes();
    for attempt in 0..100 {
        let svc = candidates[rng.random_range(0..candidates.len())];
        let len = tl.span(lo + (hi - lo) * rng.random::<f64>(), 2);
        // Usual time of day first; anywhere for short runs.
        let start = if attempt < 60 {
            let (h0, h1) = hours(kind);
            let day = rng.random_range(0..tl.days());
            tl.step_at(day, h0 + (h1 - h0) * rng.random::<f64>())
        } else if tl.steps - len > tl.warm {
            rng.random_range(tl.warm..tl.steps - len)
        } else {
            continue;
        };
        if !tl.is_free(svc, start, start + len) {
            continue;
        }
        tl.reserve(svc, start, start + len);
        let (ek, magnitude) = match kind {
            TrapKind::SeasonalPeak => (EffectKind::Peak, 1.3 + 0.2 * rng.random::<f64>()),
            TrapKind::PlannedDeploy => (EffectKind::Deploy, 1.0),
            TrapKind::NightlyBatch => (EffectKind::Batch, 5.0 + 15.0 * rng.random::<f64>()),
        };
        draft.effects[svc].push(Effect {
            kind: ek,
            instance: None,
            start,
            failure: start + len,
            end: start + len,
            magnitude,
            peer: None,
        });
        if kind == TrapKind::PlannedDeploy {
            let v = version(rng);
            let n = topo.services[svc].instances.len() as i64;
            for i in 0..n {
                draft.restarts[svc].push(Restart {
                    step: start + i * len / n,
                    instance: Some(i as u32),
                    reason: RestartReason::Deploy(v.clone()),
                });
            }
        }
        draft.traps.push(DraftTrap {
            service: svc,
            kind,
            start,
            end: start + len,
        });
        return true;
    }
    false
}
