//! Per-system benchmark settings, as in the dataset's `settings.json`: the
//! log file, its log format, the mask regexes, the similarity threshold and
//! the tree depth. [`SystemSettings::miner_config`] turns them into a
//! [`MinerConfig`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::config::MinerConfig;
use crate::error::{Error, Result};
use crate::similarity::Similarity;

/// One system's entry in `settings.json`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SystemSettings {
    /// Raw log file, relative to the dataset directory.
    pub log_file: String,
    /// Loghub log format (see [`LogFormat`](crate::LogFormat)).
    pub log_format: String,
    /// Mask regexes, applied in order.
    #[serde(default)]
    pub regex: Vec<String>,
    /// Similarity threshold.
    pub st: f64,
    /// Tree depth.
    pub depth: usize,
}

impl SystemSettings {
    /// The miner config these settings describe (other fields default).
    pub fn miner_config(&self) -> Result<MinerConfig> {
        let similarity_threshold =
            Similarity::try_from(self.st).map_err(|e| Error::Config(e.to_string()))?;
        Ok(MinerConfig {
            depth: self.depth,
            similarity_threshold,
            masks: self.regex.clone(),
            ..MinerConfig::default()
        })
    }
}

/// Read `settings.json`: system name to settings.
pub fn load_settings(path: &Path) -> Result<BTreeMap<String, SystemSettings>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| Error::Json {
        context: path.display().to_string(),
        source,
    })
}
