//! Placing incidents: pick an eligible service (and instance), draw the
//! lead time and recovery time, find a free window, and turn the result
//! into metric effects, restarts and draft labels. Cascades walk the
//! dependency graph upstream from a database, cache or queue.

use rand::Rng;

use super::Draft;
use super::timeline::Timeline;
use crate::model::effects::{Effect, EffectKind, Restart, RestartReason};
use crate::rng::SimRng;
use crate::scenario::IncidentKind;
use crate::topology::{Role, Topology};

/// An incident before ids are assigned.
#[derive(Debug, Clone)]
pub(crate) struct DraftIncident {
    pub(crate) service: usize,
    pub(crate) instance: Option<u32>,
    pub(crate) kind: IncidentKind,
    pub(crate) onset: i64,
    pub(crate) failure: i64,
    pub(crate) recovery: i64,
    pub(crate) root: usize,
    /// Cascade group number (shared by the services of one cascade).
    pub(crate) group: Option<usize>,
}

/// Whether `kind` can happen on a service of `role`.
fn eligible(kind: IncidentKind, role: Role) -> bool {
    use IncidentKind as K;
    match kind {
        K::MemoryLeak | K::LatencyCreep | K::CpuSaturation => true,
        K::DiskFill => role != Role::Cache,
        K::PoolExhaustion => matches!(role, Role::Gateway | Role::Api | Role::Db | Role::Worker),
        K::ErrorBurst => matches!(role, Role::Gateway | Role::Api | Role::Worker),
        K::GcThrash => !matches!(role, Role::Cache | Role::Db),
        K::CascadingFailure => role.is_dependency(),
    }
}

fn effect_kind(kind: IncidentKind) -> EffectKind {
    match kind {
        IncidentKind::MemoryLeak => EffectKind::Leak,
        IncidentKind::DiskFill => EffectKind::DiskFill,
        IncidentKind::PoolExhaustion => EffectKind::Pool,
        IncidentKind::LatencyCreep => EffectKind::Latency,
        IncidentKind::ErrorBurst => EffectKind::ErrorBurst,
        IncidentKind::CpuSaturation => EffectKind::Cpu,
        IncidentKind::GcThrash => EffectKind::Gc,
        IncidentKind::CascadingFailure => EffectKind::CascadeRoot,
    }
}

fn uniform(rng: &mut SimRng, (lo, hi): (f64, f64)) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

/// A version string for a deploy.
pub(crate) fn version(rng: &mut SimRng) -> String {
    format!(
        "v{}.{}.{}",
        rng.random_range(1..5),
        rng.random_range(0..30),
        rng.random_range(0..10)
    )
}

/// Try to place one incident of `kind`; false when no free window was found.
pub(crate) fn place(
    kind: IncidentKind,
    topo: &Topology,
    tl: &mut Timeline,
    rng: &mut SimRng,
    draft: &mut Draft,
) -> bool {
    let candidates: Vec<usize> = (0..topo.services.len())
        .filter(|&s| eligible(kind, topo.services[s].role))
        .filter(|&s| kind != IncidentKind::CascadingFailure || !topo.callers(s).is_empty())
        .collect();
    if candidates.is_empty() {
        return false;
    }
    for _ in 0..100 {
        let svc = candidates[rng.random_range(0..candidates.len())];
        let lead = tl.span(uniform(rng, kind.lead_minutes()), 3);
        let rec = tl.span(uniform(rng, kind.recovery_minutes()), 2);
        // Offsets relative to the onset, one entry per affected service.
        let mut chain = vec![(svc, 0, lead, lead + rec)];
        if kind == IncidentKind::CascadingFailure {
            let mut cur = svc;
            while chain.len() < 3 {
                let callers: Vec<usize> = topo
                    .callers(cur)
                    .into_iter()
                    .filter(|c| chain.iter().all(|&(s, ..)| s != *c))
                    .collect();
                if callers.is_empty() {
                    break;
                }
                let next = callers[rng.random_range(0..callers.len())];
                let &(_, on, fail, recov) = chain.last().unwrap_or(&(svc, 0, lead, lead + rec));
                let onset = on + ((lead as f64 * uniform(rng, (0.25, 0.5))).round() as i64).max(1);
                let failure = (fail + tl.span(uniform(rng, (2.0, 6.0)), 1)).max(onset + 1);
                let recovery = (recov + tl.span(uniform(rng, (1.0, 5.0)), 1)).max(failure + 2);
                chain.push((next, onset, failure, recovery));
                cur = next;
            }
        }
        let span = chain.iter().map(|c| c.3).max().unwrap_or(lead + rec);
        if tl.steps - span <= tl.warm {
            continue;
        }
        let t0 = rng.random_range(tl.warm..tl.steps - span);
        if !chain
            .iter()
            .all(|&(s, on, _, rc)| tl.is_free(s, t0 + on, t0 + rc))
        {
            continue;
        }
        let group = (kind == IncidentKind::CascadingFailure).then_some(draft.groups);
        draft.groups += usize::from(group.is_some());
        let instance = kind
            .per_instance()
            .then(|| rng.random_range(0..topo.services[svc].instances.len()) as u32);
        for (hop, &(s, on, fail, rc)) in chain.iter().enumerate() {
            let (onset, failure, recovery) = (t0 + on, t0 + fail, t0 + rc);
            tl.reserve(s, onset, recovery);
            let mut ek = effect_kind(kind);
            let mut peer = None;
            if hop > 0 {
                ek = EffectKind::CascadeUpstream;
                peer = Some(topo.services[chain[hop - 1].0].name.clone());
            }
            draft.effects[s].push(Effect {
                kind: ek,
                instance,
                start: onset,
                failure,
                end: recovery,
                magnitude: 1.0,
                peer,
            });
            let restart = |step, reason| Restart {
                step,
                instance,
                reason,
            };
            let r = &mut draft.restarts[s];
            match kind {
                IncidentKind::MemoryLeak => r.push(restart(failure + 1, RestartReason::OomKilled)),
                IncidentKind::ErrorBurst => {
                    r.push(restart(onset, RestartReason::Deploy(version(rng))));
                    r.push(restart(recovery, RestartReason::Rollback));
                }
                IncidentKind::PoolExhaustion
                | IncidentKind::CpuSaturation
                | IncidentKind::GcThrash => {
                    r.push(restart(recovery, RestartReason::Recovery));
                }
                _ => {}
            }
            draft.incidents.push(DraftIncident {
                service: s,
                instance,
                kind,
                onset,
                failure,
                recovery,
                root: svc,
                group,
            });
        }
        return true;
    }
    false
}
