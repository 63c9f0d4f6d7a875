//! [`Fleet`]: the in-memory, step-by-step API. Each item is one time step
//! of the whole fleet: its metric samples and the log lines written during
//! it, both as Forewarn's event contracts, in time order. The files of
//! [`crate::simulate`] come from the same generator, so they hold exactly
//! these values.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use forewarn_core::SCHEMA_VERSION;
use forewarn_core::contracts::{LogRecord, MetricSample};

use crate::config::SimConfig;
use crate::engine::Generator;
use crate::labels::Labels;
use crate::logs::emitter::RawLog;
use crate::plan::Plan;
use crate::topology::{Service, Topology};
use crate::{Error, Metric, Result};

/// One time step of the fleet.
///
/// To replay in time order (e.g. into Kafka), send `metrics` (all stamped
/// `ts`) and then `logs` (all within `[ts, ts + interval)`, sorted), step
/// after step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepBatch {
    /// Step index, from 0.
    pub step: u64,
    /// Timestamp of the step (every metric sample carries it).
    pub ts: DateTime<Utc>,
    /// One sample per service, instance and metric, in that order.
    pub metrics: Vec<MetricSample>,
    /// Log lines with `ts` in `[ts, ts + interval)`, sorted by time.
    pub logs: Vec<LogRecord>,
}

/// A simulated fleet, iterated step by step.
///
/// ```
/// use forewarn_sim::{Fleet, SimConfig};
/// let cfg = SimConfig { services: 3, duration: "1h".parse().unwrap(), ..SimConfig::default() };
/// let mut fleet = Fleet::new(&cfg).unwrap();
/// assert_eq!(fleet.steps(), 60); // 1 h at the default 60 s
/// let first = fleet.next().unwrap();
/// assert_eq!(first.metrics.len(), 3 * 13);
/// assert_eq!(first.metrics[0].metric, "cpu_utilization");
/// ```
#[derive(Debug)]
pub struct Fleet {
    generator: Generator,
}

impl Fleet {
    /// Plan the fleet of `cfg` (validated first).
    pub fn new(cfg: &SimConfig) -> Result<Self> {
        cfg.validate().map_err(Error::Config)?;
        let plan = Arc::new(Plan::build(cfg));
        Ok(Self {
            generator: Generator::new(plan, 1),
        })
    }

    /// The ground truth: services, incidents, traps.
    pub fn labels(&self) -> &Labels {
        &self.generator.plan().labels
    }

    /// The services, in output order.
    pub fn services(&self) -> &[Service] {
        &self.generator.plan().topology.services
    }

    /// The whole topology.
    pub fn topology(&self) -> &Topology {
        &self.generator.plan().topology
    }

    /// Total number of steps.
    pub fn steps(&self) -> u64 {
        self.generator.plan().steps
    }

    /// Metric samples per step.
    pub fn rows_per_step(&self) -> usize {
        self.generator.rows_per_step()
    }
}

/// Convert a log line to the contract type, given the topology for names.
pub(crate) fn log_record(topo: &Topology, l: RawLog) -> LogRecord {
    let svc = &topo.services[l.service as usize];
    LogRecord {
        schema_version: SCHEMA_VERSION,
        ts: DateTime::from_timestamp_millis(l.ts_ms).unwrap_or_default(),
        service: svc.name.clone(),
        instance: svc.instances[l.instance as usize].clone(),
        level: l.level,
        message: l.message,
        fields: Default::default(),
    }
}

impl Iterator for Fleet {
    type Item = StepBatch;

    fn next(&mut self) -> Option<StepBatch> {
        let block = self.generator.next_block(1)?;
        let plan = Arc::clone(self.generator.plan());
        let ts = DateTime::from_timestamp_millis(plan.ctx(block.k0).ts_ms).unwrap_or_default();
        let mut metrics = Vec::with_capacity(block.values.len());
        let mut values = block.values.iter();
        for svc in &plan.topology.services {
            for inst in &svc.instances {
                for m in Metric::ALL {
                    metrics.push(MetricSample {
                        schema_version: SCHEMA_VERSION,
                        ts,
                        service: svc.name.clone(),
                        instance: inst.clone(),
                        metric: m.name().to_string(),
                        value: values.next().copied().unwrap_or_default(),
                        labels: Default::default(),
                    });
                }
            }
        }
        let logs = block
            .logs
            .into_iter()
            .map(|l| log_record(&plan.topology, l))
            .collect();
        Some(StepBatch {
            step: block.k0,
            ts,
            metrics,
            logs,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.generator.remaining() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Fleet {}
