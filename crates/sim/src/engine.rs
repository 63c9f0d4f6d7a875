//! The generator shared by every output: it advances all services through
//! blocks of consecutive steps and returns each block's metric values (in
//! row order) and its log lines (in time order). Services are split into
//! contiguous chunks, one thread each; every service owns its random
//! streams, so the bytes do not depend on the number of threads.

use std::sync::Arc;

use crate::Metric;
use crate::logs::emitter::{LogEmitter, RawLog};
use crate::model::instance::StepCtx;
use crate::model::service::ServiceSim;
use crate::plan::Plan;
use crate::rng::{Stream, rng_for};

/// Consecutive steps of the whole fleet.
#[derive(Debug)]
pub(crate) struct Block {
    /// First step.
    pub(crate) k0: u64,
    /// Number of steps.
    pub(crate) steps: usize,
    /// `steps * rows_per_step` values: step-major, then service, instance,
    /// metric (in [`Metric::ALL`] order).
    pub(crate) values: Vec<f64>,
    /// Log lines of these steps, sorted by [`RawLog::key`].
    pub(crate) logs: Vec<RawLog>,
}

impl Plan {
    /// The shared inputs of step `k`.
    pub(crate) fn ctx(&self, k: u64) -> StepCtx {
        let k = k as i64;
        let t_ms = k * self.dt_ms;
        let (season, growth) = self.traffic.at(t_ms);
        let ts_ms = self.start_ms + t_ms;
        let dt_s = self.dt_ms as f64 / 1000.0;
        let phi = (-dt_s / 600.0).exp();
        StepCtx {
            k,
            ts_ms,
            dt_ms: self.dt_ms,
            dt_s,
            season,
            growth,
            days: t_ms as f64 / 86_400_000.0,
            day_frac: ts_ms.rem_euclid(86_400_000) as f64 / 86_400_000.0,
            phi,
            innov: (1.0 - phi * phi).sqrt(),
        }
    }
}

/// Produces the fleet's data block by block.
#[derive(Debug)]
pub(crate) struct Generator {
    plan: Arc<Plan>,
    /// Contiguous groups of services, one per thread.
    chunks: Vec<Vec<ServiceSim>>,
    /// Rows per step of each chunk.
    chunk_rows: Vec<usize>,
    rows_per_step: usize,
    next: u64,
}

impl Generator {
    /// A generator over `plan`, splitting services into `threads` chunks.
    pub(crate) fn new(plan: Arc<Plan>, threads: usize) -> Self {
        let topo = &plan.topology;
        let total: usize = topo.instance_count();
        let threads = threads.clamp(1, topo.services.len().max(1));
        let mut chunks: Vec<Vec<ServiceSim>> = (0..threads).map(|_| Vec::new()).collect();
        let mut chunk_rows = vec![0; threads];
        let mut seen = 0;
        for (i, svc) in topo.services.iter().enumerate() {
            let c = (seen * threads / total.max(1)).min(threads - 1);
            seen += svc.instances.len();
            let deps = svc
                .depends_on
                .iter()
                .map(|&d| topo.services[d].name.clone())
                .collect();
            let dt_s = plan.dt_ms as f64 / 1000.0;
            let logs = plan
                .log_rate
                .map(|r| LogEmitter::new(rng_for(plan.seed, Stream::Logs, i as u64), r, dt_s));
            let sim = ServiceSim::new(
                i as u32,
                svc,
                deps,
                plan.effects[i].clone(),
                plan.restarts[i].clone(),
                rng_for(plan.seed, Stream::Metrics, i as u64),
                logs,
                plan.settings,
            );
            chunk_rows[c] += sim.rows();
            chunks[c].push(sim);
        }
        let rows_per_step = total * Metric::COUNT;
        Self {
            plan,
            chunks,
            chunk_rows,
            rows_per_step,
            next: 0,
        }
    }

    /// The plan behind the data.
    pub(crate) fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// Metric rows per step.
    pub(crate) fn rows_per_step(&self) -> usize {
        self.rows_per_step
    }

    /// Steps not generated yet.
    pub(crate) fn remaining(&self) -> u64 {
        self.plan.steps - self.next
    }

    /// The next block of up to `max_steps` steps, or `None` at the end.
    pub(crate) fn next_block(&mut self, max_steps: usize) -> Option<Block> {
        let n = (self.remaining().min(max_steps.max(1) as u64)) as usize;
        if n == 0 {
            return None;
        }
        let k0 = self.next;
        self.next += n as u64;
        let mut values = vec![0.0; n * self.rows_per_step];
        // Slice every step's rows into one piece per chunk.
        let mut per_chunk: Vec<Vec<&mut [f64]>> =
            self.chunks.iter().map(|_| Vec::with_capacity(n)).collect();
        for step_rows in values.chunks_mut(self.rows_per_step) {
            let mut rest = step_rows;
            for (c, &rows) in self.chunk_rows.iter().enumerate() {
                let (mine, tail) = rest.split_at_mut(rows);
                per_chunk[c].push(mine);
                rest = tail;
            }
        }
        let plan = &self.plan;
        let mut logs: Vec<Vec<RawLog>> = Vec::new();
        if self.chunks.len() == 1 {
            let slices = per_chunk.pop().unwrap_or_default();
            let mut out = Vec::new();
            run_chunk(&mut self.chunks[0], plan, k0, slices, &mut out);
            logs.push(out);
        } else {
            std::thread::scope(|scope| {
                let mut handles = Vec::new();
                let mut work = self.chunks.iter_mut().zip(per_chunk);
                let first = work.next();
                for (sims, slices) in work {
                    handles.push(scope.spawn(move || {
                        let mut out = Vec::new();
                        run_chunk(sims, plan, k0, slices, &mut out);
                        out
                    }));
                }
                if let Some((sims, slices)) = first {
                    let mut out = Vec::new();
                    run_chunk(sims, plan, k0, slices, &mut out);
                    logs.push(out);
                }
                for h in handles {
                    // A panic in a generator thread is a bug: re-raise it.
                    logs.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
                }
            });
        }
        let mut logs: Vec<RawLog> = logs.into_iter().flatten().collect();
        logs.sort_unstable_by_key(RawLog::key);
        Some(Block {
            k0,
            steps: n,
            values,
            logs,
        })
    }
}

fn run_chunk(
    sims: &mut [ServiceSim],
    plan: &Plan,
    k0: u64,
    slices: Vec<&mut [f64]>,
    logs: &mut Vec<RawLog>,
) {
    for (j, out) in slices.into_iter().enumerate() {
        let ctx = plan.ctx(k0 + j as u64);
        let mut off = 0;
        for sim in sims.iter_mut() {
            let rows = sim.rows();
            sim.step(&ctx, &mut out[off..off + rows], logs);
            off += rows;
        }
    }
}
