//! [`ServiceMiners`]: one [`TemplateMiner`] per service, created on the
//! service's first message from a per-service config (or the default), and
//! persisted together. Template ids are content hashes, so the same template
//! text gets the same id in every service: key events by
//! `(service, template_id)`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::MinerConfig;
use crate::error::{Error, Result};
use crate::miner::{Match, MinerState, TemplateMiner};

/// Persisted form of [`ServiceMiners`]: each service's miner state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ServiceMinersState {
    /// Miner state by service name.
    pub services: BTreeMap<String, MinerState>,
}

/// Miners keyed by service. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct ServiceMiners {
    /// Empty miners, compiled once: the default first, then the overrides.
    default: TemplateMiner,
    overrides: BTreeMap<String, TemplateMiner>,
    miners: BTreeMap<String, TemplateMiner>,
}

impl ServiceMiners {
    /// Miners that use `overrides[service]` where present and `default`
    /// otherwise. Fails if any config does not validate.
    pub fn new(default: MinerConfig, overrides: BTreeMap<String, MinerConfig>) -> Result<Self> {
        let overrides = overrides
            .into_iter()
            .map(|(s, c)| {
                TemplateMiner::new(c)
                    .map(|m| (s.clone(), m))
                    .map_err(|e| Error::Config(format!("service {s:?}: {e}")))
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            default: TemplateMiner::new(default)?,
            overrides,
            miners: BTreeMap::new(),
        })
    }

    /// Restore from persisted state; configs come from the state itself.
    pub fn with_state(mut self, state: ServiceMinersState) -> Result<Self> {
        self.miners = state
            .services
            .into_iter()
            .map(|(s, st)| {
                TemplateMiner::from_state(st)
                    .map(|m| (s.clone(), m))
                    .map_err(|e| Error::State(format!("service {s:?}: {e}")))
            })
            .collect::<Result<_>>()?;
        Ok(self)
    }

    /// Learn from one message of `service`.
    pub fn add(&mut self, service: &str, message: &str) -> Match {
        if let Some(m) = self.miners.get_mut(service) {
            return m.add(message);
        }
        let fresh = self.overrides.get(service).unwrap_or(&self.default).clone();
        self.miners
            .entry(service.to_owned())
            .or_insert(fresh)
            .add(message)
    }

    /// The miner of `service`, once it has seen a message.
    pub fn miner(&self, service: &str) -> Option<&TemplateMiner> {
        self.miners.get(service)
    }

    /// Forget `service`'s miner (it starts afresh on its next message).
    pub fn remove(&mut self, service: &str) -> bool {
        self.miners.remove(service).is_some()
    }

    /// Services seen so far, in name order.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.miners.keys().map(String::as_str)
    }

    /// Snapshot of every miner's state, for persisting.
    pub fn state(&self) -> ServiceMinersState {
        ServiceMinersState {
            services: self
                .miners
                .iter()
                .map(|(s, m)| (s.clone(), m.state().clone()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_service_configs_and_persistence() {
        let hdfs = MinerConfig {
            masks: vec![r"blk_-?\d+".into()],
            ..MinerConfig::default()
        };
        let mut m =
            ServiceMiners::new(MinerConfig::default(), [("hdfs".to_owned(), hdfs)].into()).unwrap();
        let a = m.add("hdfs", "Deleting blk_1 now");
        let b = m.add("api", "Deleting blk_1 now");
        assert_eq!(
            m.miner("hdfs").unwrap().template(a.template_id),
            Some("Deleting <*> now")
        );
        assert_eq!(
            m.miner("api").unwrap().template(b.template_id),
            Some("Deleting blk_1 now")
        );
        assert_eq!(m.services().collect::<Vec<_>>(), ["api", "hdfs"]);

        let json = serde_json::to_string(&m.state()).unwrap();
        let mut restored = ServiceMiners::new(MinerConfig::default(), BTreeMap::new())
            .unwrap()
            .with_state(serde_json::from_str(&json).unwrap())
            .unwrap();
        assert_eq!(
            restored.add("hdfs", "Deleting blk_2 now"),
            m.add("hdfs", "Deleting blk_2 now")
        );
    }

    #[test]
    fn invalid_override_is_refused() {
        let bad = MinerConfig {
            depth: 0,
            ..MinerConfig::default()
        };
        assert!(
            ServiceMiners::new(MinerConfig::default(), [("x".to_owned(), bad)].into()).is_err()
        );
    }
}
