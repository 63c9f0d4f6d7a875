//! The plan of a run, fixed before the first step: the fleet, every
//! incident and trap with its times, the per-service effects and restarts
//! that produce them, and the labels that describe them. Everything here
//! derives from the config and seed alone.

mod incidents;
mod timeline;
mod traps;

use chrono::{DateTime, TimeDelta, Utc};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;

use crate::config::SimConfig;
use crate::labels::{Incident, LABELS_FORMAT, Labels, ServiceInfo, Signal, Thresholds, Trap};
use crate::model::effects::{Effect, Restart};
use crate::model::service::SimSettings;
use crate::rng::{Stream, rng_for};
use crate::scenario::{IncidentKind, TrapKind};
use crate::topology::Topology;
use crate::traffic::Traffic;
use incidents::DraftIncident;
use timeline::Timeline;
use traps::DraftTrap;

/// Work in progress of the planner.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    pub(crate) effects: Vec<Vec<Effect>>,
    pub(crate) restarts: Vec<Vec<Restart>>,
    pub(crate) incidents: Vec<DraftIncident>,
    pub(crate) traps: Vec<DraftTrap>,
    pub(crate) groups: usize,
}

/// Everything fixed before the run starts.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) topology: Topology,
    pub(crate) labels: Labels,
    pub(crate) effects: Vec<Vec<Effect>>,
    pub(crate) restarts: Vec<Vec<Restart>>,
    pub(crate) traffic: Traffic,
    pub(crate) steps: u64,
    pub(crate) dt_ms: i64,
    pub(crate) start_ms: i64,
    pub(crate) settings: SimSettings,
    pub(crate) seed: u64,
    /// Log lines per instance per minute, or `None` without logs.
    pub(crate) log_rate: Option<f64>,
    /// Scenarios that found no free window.
    pub(crate) unplaced: usize,
}

fn poisson(rng: &mut crate::rng::SimRng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    rand_distr::Poisson::new(mean).map_or(0, |d| d.sample(rng) as usize)
}

impl Plan {
    /// Plan a run of `cfg` (assumed valid).
    pub(crate) fn build(cfg: &SimConfig) -> Self {
        let topology = Topology::build(cfg.services, cfg.instances_per_service, cfg.seed);
        let n = topology.services.len();
        let steps = cfg.steps() as i64;
        let dt_ms = cfg.interval.as_millis();
        let start_ms = cfg.start.timestamp_millis();
        let mut tl = Timeline::new(n, steps, dt_ms, start_ms, cfg.scenarios.warmup.as_millis());
        let mut rng = rng_for(cfg.seed, Stream::Plan, 0);
        let mut draft = Draft {
            effects: vec![Vec::new(); n],
            restarts: vec![Vec::new(); n],
            ..Draft::default()
        };
        let sc = &cfg.scenarios;
        let days = cfg.duration.as_millis() as f64 / 86_400_000.0;
        let mut wanted_incidents: Vec<IncidentKind> = Vec::new();
        if sc.ensure_each_kind {
            // Hardest to fit first.
            let order = [
                IncidentKind::CascadingFailure,
                IncidentKind::MemoryLeak,
                IncidentKind::DiskFill,
                IncidentKind::LatencyCreep,
                IncidentKind::PoolExhaustion,
                IncidentKind::GcThrash,
                IncidentKind::CpuSaturation,
                IncidentKind::ErrorBurst,
            ];
            wanted_incidents.extend(order.into_iter().filter(|&k| sc.mix.weight(k) > 0.0));
        }
        let weights: Vec<f64> = IncidentKind::ALL
            .iter()
            .map(|&k| sc.mix.weight(k))
            .collect();
        if let Ok(dist) = WeightedIndex::new(&weights) {
            let extra = poisson(&mut rng, sc.incidents_per_service_day * n as f64 * days);
            wanted_incidents.extend((0..extra).map(|_| IncidentKind::ALL[dist.sample(&mut rng)]));
        }
        let mut wanted_traps: Vec<TrapKind> = Vec::new();
        if sc.ensure_each_trap {
            wanted_traps.extend(
                TrapKind::ALL
                    .into_iter()
                    .filter(|&k| sc.trap_mix.weight(k) > 0.0),
            );
        }
        let weights: Vec<f64> = TrapKind::ALL
            .iter()
            .map(|&k| sc.trap_mix.weight(k))
            .collect();
        if let Ok(dist) = WeightedIndex::new(&weights) {
            let extra = poisson(&mut rng, sc.traps_per_service_day * n as f64 * days);
            wanted_traps.extend((0..extra).map(|_| TrapKind::ALL[dist.sample(&mut rng)]));
        }
        let mut unplaced = 0;
        // The guaranteed ones first, then the random extras.
        let guaranteed_inc = if sc.ensure_each_kind {
            wanted_incidents.len().min(8)
        } else {
            0
        };
        let guaranteed_trap = if sc.ensure_each_trap {
            wanted_traps.len().min(3)
        } else {
            0
        };
        let mut order: Vec<(bool, usize)> = Vec::new();
        order.extend((0..guaranteed_inc).map(|i| (true, i)));
        order.extend((0..guaranteed_trap).map(|i| (false, i)));
        order.extend((guaranteed_inc..wanted_incidents.len()).map(|i| (true, i)));
        order.extend((guaranteed_trap..wanted_traps.len()).map(|i| (false, i)));
        for (is_incident, i) in order {
            let ok = if is_incident {
                incidents::place(
                    wanted_incidents[i],
                    &topology,
                    &mut tl,
                    &mut rng,
                    &mut draft,
                )
            } else {
                traps::place(wanted_traps[i], &topology, &mut tl, &mut rng, &mut draft)
            };
            unplaced += usize::from(!ok);
        }
        let thresholds = Thresholds::default();
        let labels = build_labels(cfg, &topology, &draft, thresholds);
        Self {
            traffic: Traffic::new(&cfg.traffic, start_ms),
            labels,
            effects: draft.effects,
            restarts: draft.restarts,
            topology,
            steps: steps as u64,
            dt_ms,
            start_ms,
            settings: SimSettings {
                noise: cfg.traffic.noise,
                thresholds,
            },
            seed: cfg.seed,
            log_rate: cfg.logs.enabled.then_some(cfg.logs.lines_per_minute),
            unplaced,
        }
    }
}

fn describe(kind: IncidentKind, service: &str, root: &str, limit: &str) -> String {
    match kind {
        IncidentKind::MemoryLeak => format!(
            "Memory leak in {service}: RSS climbs to the {limit} limit, the instance is OOM-killed at the failure time and restarts."
        ),
        IncidentKind::DiskFill => format!(
            "Disk of {service} fills up to its {limit} capacity; writes fail until cleanup."
        ),
        IncidentKind::PoolExhaustion => format!(
            "Connections of {service} climb until its pool of {limit} is exhausted; requests wait and fail until restart."
        ),
        IncidentKind::LatencyCreep => {
            format!("p99 latency of {service} creeps up until it breaches its {limit} ms SLO.")
        }
        IncidentKind::ErrorBurst => format!(
            "Bad deploy of {service} at onset; the error rate climbs past the {limit} SLO until rollback."
        ),
        IncidentKind::CpuSaturation => {
            format!("CPU of {service} climbs to saturation ({limit}); latency soars until restart.")
        }
        IncidentKind::GcThrash => format!(
            "Heap pressure on {service}: GC pauses grow to {limit} ms and beyond until restart."
        ),
        IncidentKind::CascadingFailure if service == root => format!(
            "{service} degrades (slow queries, connections pile up) and fails: root cause of a cascade to its callers."
        ),
        IncidentKind::CascadingFailure => format!(
            "{service} fails because its dependency chain from {root} fails: timeouts, retries, open circuit breakers."
        ),
    }
}

fn build_labels(cfg: &SimConfig, topo: &Topology, draft: &Draft, t: Thresholds) -> Labels {
    let dt_ms = cfg.interval.as_millis();
    let at = |k: i64| -> DateTime<Utc> { cfg.start + TimeDelta::milliseconds(dt_ms * k) };
    let name = |s: usize| topo.services[s].name.clone();
    let mut drafts: Vec<&DraftIncident> = draft.incidents.iter().collect();
    drafts.sort_by_key(|d| (d.onset, d.service, d.kind));
    let id_of = |i: usize| format!("inc-{:04}", i + 1);
    let root_ids: Vec<(usize, String)> = drafts
        .iter()
        .enumerate()
        .filter(|(_, d)| d.group.is_some() && d.service == d.root)
        .map(|(i, d)| (d.group.unwrap_or(0), id_of(i)))
        .collect();
    let incidents = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let p = &topo.services[d.service].params;
            let threshold = match d.kind {
                IncidentKind::MemoryLeak => p.mem_limit,
                IncidentKind::DiskFill => p.disk_cap,
                IncidentKind::PoolExhaustion => p.conn_max,
                IncidentKind::LatencyCreep => p.slo_p99_ms,
                IncidentKind::ErrorBurst | IncidentKind::CascadingFailure => t.error_rate_slo,
                IncidentKind::CpuSaturation => t.cpu_saturation,
                IncidentKind::GcThrash => t.gc_pause_ms,
            };
            let shown = match d.kind {
                IncidentKind::MemoryLeak => format!("{} GiB", threshold / 1_073_741_824.0),
                IncidentKind::DiskFill => format!("{} GB", threshold / 1e9),
                _ => format!("{threshold}"),
            };
            let instance = d
                .instance
                .map(|i| topo.services[d.service].instances[i as usize].clone());
            let svc = name(d.service);
            Incident {
                id: id_of(i),
                description: describe(d.kind, &svc, &topo.services[d.root].name, &shown),
                service: svc,
                instance,
                kind: d.kind,
                issue_kind: d.kind.issue_kind(),
                onset: at(d.onset),
                failure: at(d.failure),
                recovery: at(d.recovery),
                root_cause_service: name(d.root),
                cascade_id: d.group.and_then(|g| {
                    root_ids
                        .iter()
                        .find(|(x, _)| *x == g)
                        .map(|(_, id)| id.clone())
                }),
                signal: Signal {
                    metric: d.kind.signal(),
                    threshold,
                },
            }
        })
        .collect();
    let mut trap_drafts: Vec<&DraftTrap> = draft.traps.iter().collect();
    trap_drafts.sort_by_key(|d| (d.start, d.service, d.kind));
    let traps = trap_drafts
        .iter()
        .enumerate()
        .map(|(i, d)| Trap {
            id: format!("trap-{:04}", i + 1),
            service: name(d.service),
            instance: None,
            kind: d.kind,
            start: at(d.start),
            end: at(d.end),
            description: match d.kind {
                TrapKind::SeasonalPeak => "Traffic surge well above the daily peak; capacity copes, no failure.",
                TrapKind::PlannedDeploy => "Planned rolling deploy: each instance restarts once (memory drops, CPU warms up); no failure.",
                TrapKind::NightlyBatch => "Nightly batch job: CPU, temporary disk and queue depth rise, then drain; no failure.",
            }
            .to_string(),
        })
        .collect();
    Labels {
        format: LABELS_FORMAT.to_string(),
        seed: cfg.seed,
        start: cfg.start,
        end: at(cfg.steps() as i64),
        interval_s: cfg.interval.as_secs_f64(),
        thresholds: t,
        services: topo
            .services
            .iter()
            .map(|s| ServiceInfo {
                name: s.name.clone(),
                role: s.role,
                instances: s.instances.clone(),
                depends_on: s.depends_on.iter().map(|&d| name(d)).collect(),
                slo_latency_p99_ms: s.params.slo_p99_ms,
                memory_limit_bytes: s.params.mem_limit,
                disk_capacity_bytes: s.params.disk_cap,
                connections_max: s.params.conn_max,
            })
            .collect(),
        incidents,
        traps,
    }
}
