//! [`ServiceSim`]: advances one service by one step. For each instance it
//! applies restarts, computes normal values, applies traps, clamps to
//! healthy bounds, applies the active incident (keeping every signal below
//! its threshold until the labelled failure), rounds, and writes log lines.

use crate::Metric;
use crate::labels::Thresholds;
use crate::logs::emitter::{Incident, LogEmitter, RawLog, Slot};
use crate::logs::incident::Event;
use crate::logs::templates::LineCtx;
use crate::model::effects::{Effect, EffectKind, Phase, Restart, RestartReason};
use crate::model::instance::{InstanceState, StepCtx, finish, normal_clamp, pre_failure_clamp};
use crate::model::params::ServiceParams;
use crate::rng::SimRng;
use crate::topology::{Role, Service};

/// The simulation state of one service and its instances.
#[derive(Debug)]
pub(crate) struct ServiceSim {
    index: u32,
    name: String,
    role: Role,
    instance_names: Vec<String>,
    deps: Vec<String>,
    params: ServiceParams,
    instances: Vec<InstanceState>,
    /// Sorted by start; they do not overlap (the planner sees to it).
    effects: Vec<Effect>,
    live: usize,
    /// Sorted by step.
    restarts: Vec<Restart>,
    next_restart: usize,
    rng: SimRng,
    logs: Option<LogEmitter>,
    version: String,
    prev_version: String,
    noise: f64,
    thresholds: Thresholds,
    /// Reused buffer of active effect indices.
    scratch: Vec<usize>,
}

/// Settings shared by every service.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SimSettings {
    pub(crate) noise: f64,
    pub(crate) thresholds: Thresholds,
}

impl ServiceSim {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        index: u32,
        svc: &Service,
        deps: Vec<String>,
        mut effects: Vec<Effect>,
        mut restarts: Vec<Restart>,
        mut rng: SimRng,
        logs: Option<LogEmitter>,
        settings: SimSettings,
    ) -> Self {
        use rand::Rng;
        effects.sort_by_key(|e| (e.start, e.end));
        restarts.sort_by_key(|r| r.step);
        let instances = svc
            .instances
            .iter()
            .map(|_| InstanceState::new(&svc.params, &mut rng))
            .collect();
        let version = format!(
            "v{}.{}.{}",
            rng.random_range(1..5),
            rng.random_range(0..30),
            rng.random_range(0..10)
        );
        Self {
            index,
            name: svc.name.clone(),
            role: svc.role,
            instance_names: svc.instances.clone(),
            deps,
            params: svc.params.clone(),
            instances,
            effects,
            live: 0,
            restarts,
            next_restart: 0,
            rng,
            logs,
            prev_version: version.clone(),
            version,
            noise: settings.noise,
            thresholds: settings.thresholds,
            scratch: Vec::new(),
        }
    }

    /// Metric rows this service writes per step.
    pub(crate) fn rows(&self) -> usize {
        self.instances.len() * Metric::COUNT
    }

    /// Advance to step `c.k`, writing `rows()` values into `out` and any
    /// log lines into `logs`.
    pub(crate) fn step(&mut self, c: &StepCtx, out: &mut [f64], logs: &mut Vec<RawLog>) {
        let k = c.k;
        let mut ended: Vec<(EffectKind, Option<u32>, i64)> = Vec::new();
        while self.live < self.effects.len() && self.effects[self.live].end <= k {
            let e = &self.effects[self.live];
            if e.end == k {
                ended.push((e.kind, e.instance, e.start));
            }
            self.live += 1;
        }
        let first_restart = self.next_restart;
        while self.next_restart < self.restarts.len() && self.restarts[self.next_restart].step <= k
        {
            self.next_restart += 1;
        }
        let restarts = first_restart..self.next_restart;
        if let Some(em) = self.logs.as_mut() {
            em.begin_step();
        }
        for inst in 0..self.instances.len() {
            let i = inst as u32;
            let restart = self.restarts[restarts.clone()]
                .iter()
                .find(|r| r.step == k && r.instance.is_none_or(|x| x == i))
                .map(|r| r.reason.clone());
            if restart.is_some() {
                self.instances[inst].restart();
            }
            let mut active = std::mem::take(&mut self.scratch);
            active.clear();
            active.extend(
                (self.live..self.effects.len())
                    .take_while(|&e| self.effects[e].start <= k)
                    .filter(|&e| self.effects[e].hits(k, i)),
            );
            let traffic: f64 = active.iter().map(|&e| self.effects[e].traffic(k)).product();
            let p = &self.params;
            let mut v = self.instances[inst].normal(
                p,
                c,
                traffic,
                self.noise,
                restart.is_some(),
                &mut self.rng,
            );
            for &e in &active {
                if self.effects[e].kind.is_trap() {
                    self.effects[e].apply_trap(k, &mut v, p);
                }
            }
            normal_clamp(&mut v, p, &self.thresholds);
            let mut guard = false;
            for &e in &active {
                let eff = &self.effects[e];
                if !eff.kind.is_trap() {
                    eff.apply_incident(k, &mut v, p, &self.thresholds, &mut self.rng);
                    guard |= k < eff.failure;
                }
            }
            if guard {
                pre_failure_clamp(&mut v, p, &self.thresholds);
            }
            finish(&mut v, p);
            out[inst * Metric::COUNT..(inst + 1) * Metric::COUNT].copy_from_slice(&v);
            if self.logs.is_some() {
                self.write_logs(c, inst, &v, restart, &active, &ended, logs);
            }
            self.scratch = active;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write_logs(
        &mut self,
        c: &StepCtx,
        inst: usize,
        v: &[f64; Metric::COUNT],
        restart: Option<RestartReason>,
        active: &[usize],
        ended: &[(EffectKind, Option<u32>, i64)],
        out: &mut Vec<RawLog>,
    ) {
        let Some(em) = self.logs.as_mut() else { return };
        let i = inst as u32;
        let slot = Slot {
            service: self.index,
            instance: i,
            step_ts_ms: c.ts_ms,
            dt_ms: c.dt_ms,
        };
        let ctx = LineCtx {
            service: &self.name,
            instance: &self.instance_names[inst],
            role: self.role,
            deps: &self.deps,
            v,
            p: &self.params,
        };
        // Versions first (a deploy changes it, a rollback restores it).
        match &restart {
            Some(RestartReason::Deploy(ver)) if *ver != self.version => {
                self.prev_version = std::mem::replace(&mut self.version, ver.clone());
            }
            Some(RestartReason::Rollback) => self.version.clone_from(&self.prev_version),
            _ => {}
        }
        // One-off events of this step, in the order they happen.
        let version = self.version.as_str();
        let mut events: Vec<Event<'_>> = Vec::new();
        match &restart {
            Some(RestartReason::Deploy(_)) => events.push(Event::Deploy { version }),
            Some(RestartReason::Rollback) => events.push(Event::Rollback { version }),
            Some(RestartReason::Recovery) => events.push(Event::Recovery),
            Some(RestartReason::OomKilled) | None => {}
        }
        if restart.is_some() {
            events.push(Event::Start { version });
        }
        for &(kind, target, start) in ended {
            if target.is_some_and(|t| t != i) {
                continue;
            }
            match kind {
                EffectKind::DiskFill => events.push(Event::Cleanup),
                EffectKind::Batch => {
                    let minutes = (c.k - start) as f64 * c.dt_s / 60.0;
                    events.push(Event::BatchEnd { minutes });
                }
                _ => {}
            }
        }
        for &e in active {
            let eff = &self.effects[e];
            match (eff.kind, eff.phase(c.k)) {
                (EffectKind::Batch, _) if c.k == eff.start => events.push(Event::BatchStart),
                (EffectKind::Leak, Phase::Failure) => events.push(Event::OomKill),
                _ => {}
            }
        }
        if !events.is_empty() {
            em.events(&ctx, slot, &events, out);
        }
        for &e in active {
            let eff = &self.effects[e];
            match (eff.kind, eff.phase(c.k)) {
                (k, _) if k.is_trap() => {}
                (EffectKind::Leak, Phase::Failure | Phase::Post) => {}
                (kind, phase) => {
                    let (progress, failed) = match phase {
                        Phase::Pre(x) => (x, false),
                        _ => (1.0, true),
                    };
                    let inc = Incident {
                        kind,
                        progress,
                        failed,
                        peer: eff.peer.as_deref(),
                    };
                    em.incident(&ctx, slot, inc, out);
                }
            }
        }
        em.routine(&ctx, slot, out);
    }
}
