//! [`evaluate`]: run one [`TemplateMiner`] per Loghub system with that
//! system's settings over its raw log, and score the resulting grouping
//! against the ground truth.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::grouping::grouping_accuracy;
use super::loghub::{LabelledLog, load_system};
use super::settings::{SystemSettings, load_settings};
use crate::config::MinerConfig;
use crate::error::Result;
use crate::miner::TemplateMiner;

/// Grouping accuracy per system and their unweighted mean. Serialises as
/// `{"systems": {"HDFS": 0.99, ...}, "average": 0.95}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccuracyReport {
    /// Grouping accuracy of each system, by name.
    pub systems: BTreeMap<String, f64>,
    /// Unweighted mean over the systems (0 when there are none).
    pub average: f64,
}

/// Details of one system's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SystemResult {
    /// Grouping accuracy.
    pub accuracy: f64,
    /// Messages scored.
    pub messages: usize,
    /// Lines that did not match the log format (scored as singleton groups).
    pub unparsed: usize,
    /// Templates the miner produced.
    pub templates: usize,
    /// Distinct ground-truth events.
    pub events: usize,
}

/// Evaluate every system listed in `settings_file` on the data in
/// `loghub_dir`.
pub fn evaluate(loghub_dir: &Path, settings_file: &Path) -> Result<AccuracyReport> {
    let settings = load_settings(settings_file)?;
    let mut systems = BTreeMap::new();
    for (name, s) in &settings {
        systems.insert(name.clone(), evaluate_system(loghub_dir, name, s)?.accuracy);
    }
    let average = if systems.is_empty() {
        0.0
    } else {
        systems.values().sum::<f64>() / systems.len() as f64
    };
    Ok(AccuracyReport { systems, average })
}

/// Evaluate one system.
pub fn evaluate_system(
    loghub_dir: &Path,
    name: &str,
    settings: &SystemSettings,
) -> Result<SystemResult> {
    let log = load_system(loghub_dir, name, &settings.log_file, &settings.log_format)?;
    score(&log, settings.miner_config()?)
}

/// Mine `log` with one miner built from `config` and score its grouping.
pub fn score(log: &LabelledLog, config: MinerConfig) -> Result<SystemResult> {
    let mut miner = TemplateMiner::new(config)?;
    let mut truth = Vec::with_capacity(log.events.len());
    let mut parsed = Vec::with_capacity(log.events.len());
    let mut unparsed = 0;
    for (i, (msg, event)) in log.messages.iter().zip(&log.events).enumerate() {
        let group = match msg {
            Some(m) => Group::Template(miner.add(m).template_id),
            None => Group::Unparsed(i),
        };
        // Rows without a ground-truth event are mined but not scored.
        if event.is_empty() {
            continue;
        }
        unparsed += usize::from(matches!(group, Group::Unparsed(_)));
        truth.push(event.as_str());
        parsed.push(group);
    }
    let mut events: Vec<&str> = truth.clone();
    events.sort_unstable();
    events.dedup();
    Ok(SystemResult {
        accuracy: grouping_accuracy(&truth, &parsed),
        messages: truth.len(),
        unparsed,
        templates: miner.len(),
        events: events.len(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Group {
    Template(crate::id::TemplateId),
    Unparsed(usize),
}
