//! Leave-systems-out evaluation of the system-independent defaults.
//!
//! A miner's defaults (masks, word rule, similarity threshold, depth) are
//! what a user gets for a log source nobody tuned settings for. Scoring them
//! on the systems they were chosen on flatters them, so [`cross_validate`]
//! chooses them on some systems and scores them on the others:
//!
//! - every system's messages are cut from its raw lines with its own log
//!   format (how lines are split into header and message is not a tuned
//!   parameter); no per-system regex, threshold or depth is used;
//! - for every way of picking half of the systems (rounded down) as the
//!   train fold — with 8 systems, the 70 train sets of 4, so each 4/4
//!   partition is used both ways — the [`Candidate`] of the grid with the
//!   best mean accuracy on the train fold (ties: the better worst train
//!   system, then grid order) is scored on each held-out system;
//! - a system's held-out accuracy is its mean over the folds that hold it
//!   out (35 of 70 with 8 systems), and its worst over them is reported too.
//!
//! The report also scores the shipped defaults ([`MinerConfig::default`])
//! and each system's own settings on every system, beside Drain's
//! published figure.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::evaluate::score;
use super::loghub::{LabelledLog, load_system};
use super::settings::load_settings;
use crate::config::MinerConfig;
use crate::error::{Error, Result};
use crate::similarity::Similarity;

/// Drain's published grouping accuracy on each of the 16 Loghub-2k systems
/// (logpai/logparser, `logparser/Drain/README.md`, "Benchmark").
pub const DRAIN_PUBLISHED: [(&str, f64); 16] = [
    ("HDFS", 0.9975),
    ("Hadoop", 0.9475),
    ("Spark", 0.9200),
    ("Zookeeper", 0.9665),
    ("OpenStack", 0.7325),
    ("BGL", 0.9625),
    ("Apache", 1.0000),
    ("Linux", 0.6900),
    ("Android", 0.9110),
    ("HealthApp", 0.7800),
    ("HPC", 0.8870),
    ("Mac", 0.7865),
    ("OpenSSH", 0.7885),
    ("Proxifier", 0.5270),
    ("Thunderbird", 0.9550),
    ("Windows", 0.9970),
];

/// Drain's published grouping accuracy on `system`, if listed.
pub fn drain_published(system: &str) -> Option<f64> {
    DRAIN_PUBLISHED
        .iter()
        .find(|(s, _)| *s == system)
        .map(|&(_, a)| a)
}

/// How the miner compares two different words at one position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WordRule {
    /// Drain's rule: a plain miss (`strict_words: false`).
    Loose,
    /// A veto (`strict_words: true, value_slots: false`).
    Strict,
    /// A veto, except in value slots (`strict_words: true, value_slots:
    /// true`), the shipped default.
    StrictValueSlots,
}

/// One system-independent configuration of the grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Name of the mask set.
    pub masks_name: &'static str,
    /// The masks.
    pub masks: Vec<String>,
    /// Similarity threshold.
    pub similarity_threshold: f64,
    /// Tree depth.
    pub depth: usize,
    /// Word rule.
    pub words: WordRule,
}

impl Candidate {
    /// Short name, e.g. `generic st=0.5 depth=4 strict_value_slots`.
    pub fn name(&self) -> String {
        let words = match self.words {
            WordRule::Loose => "loose",
            WordRule::Strict => "strict",
            WordRule::StrictValueSlots => "strict_value_slots",
        };
        format!(
            "{} st={} depth={} {words}",
            self.masks_name, self.similarity_threshold, self.depth
        )
    }

    /// The miner config (other fields default).
    pub fn config(&self) -> Result<MinerConfig> {
        Ok(MinerConfig {
            depth: self.depth,
            similarity_threshold: Similarity::try_from(self.similarity_threshold)
                .map_err(|e| Error::Config(e.to_string()))?,
            masks: self.masks.clone(),
            strict_words: self.words != WordRule::Loose,
            value_slots: self.words == WordRule::StrictValueSlots,
            ..MinerConfig::default()
        })
    }
}

/// The masks the pipeline shipped before these defaults (IPv4 with port,
/// UUIDs, hex ids of 8 or more digits).
const PIPELINE_MASKS: [&str; 3] = [
    r"(\d+\.){3}\d+(:\d+)?",
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
    r"\b(0x)?[0-9a-fA-F]{8,}\b",
];

/// The stated grid, in its tie-breaking order: mask set (`generic`:
/// [`DEFAULT_MASKS`](crate::DEFAULT_MASKS), `pipeline`: the three masks the
/// pipeline shipped before, `none`) × similarity threshold (0.5, 0.4, 0.6,
/// 0.7) × depth (4, 3, 5) × word rule (loose, strict, strict with value
/// slots): 108 candidates. Drain's defaults (0.5, depth 4) come first, so
/// ties go to them.
pub fn default_grid() -> Vec<Candidate> {
    let mask_sets: [(&'static str, Vec<String>); 3] = [
        ("generic", crate::config::default_masks()),
        (
            "pipeline",
            PIPELINE_MASKS.iter().map(|m| (*m).to_owned()).collect(),
        ),
        ("none", Vec::new()),
    ];
    let mut out = Vec::new();
    for (masks_name, masks) in &mask_sets {
        for st in [0.5, 0.4, 0.6, 0.7] {
            for depth in [4, 3, 5] {
                for words in [
                    WordRule::Loose,
                    WordRule::Strict,
                    WordRule::StrictValueSlots,
                ] {
                    out.push(Candidate {
                        masks_name,
                        masks: masks.clone(),
                        similarity_threshold: st,
                        depth,
                        words,
                    });
                }
            }
        }
    }
    out
}

/// Every split of `n` systems (by index) into a train fold of `n / 2` and a
/// test fold of the rest, in lexicographic order of the train fold. With
/// an even `n`, each partition appears both ways.
pub fn splits(n: usize) -> Vec<(Vec<usize>, Vec<usize>)> {
    fn rec(start: usize, n: usize, k: usize, cur: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if cur.len() == k {
            out.push(cur.clone());
            return;
        }
        for i in start..n {
            cur.push(i);
            rec(i + 1, n, k, cur, out);
            cur.pop();
        }
    }
    let mut trains = Vec::new();
    if n >= 2 {
        rec(0, n, n / 2, &mut Vec::new(), &mut trains);
    }
    trains
        .into_iter()
        .map(|train| {
            let test = (0..n).filter(|i| !train.contains(i)).collect();
            (train, test)
        })
        .collect()
}

/// One fold: the candidate chosen on `train` and its scores on `test`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fold {
    /// Systems the candidate was chosen on.
    pub train: Vec<String>,
    /// Held-out systems.
    pub test: Vec<String>,
    /// Name of the chosen candidate.
    pub chosen: String,
    /// Its mean accuracy on the train fold.
    pub train_mean: f64,
    /// Its accuracy on each held-out system.
    pub scores: BTreeMap<String, f64>,
    /// Their mean.
    pub test_mean: f64,
}

/// One system's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvSystem {
    /// Mean held-out accuracy over the folds that hold the system out.
    pub held_out: f64,
    /// Worst held-out accuracy over those folds.
    pub held_out_min: f64,
    /// Accuracy of the shipped defaults (`MinerConfig::default()`), no
    /// per-system settings: chosen with this system in view.
    pub shipped: f64,
    /// Accuracy with the system's own settings (regexes, threshold, depth).
    pub own_settings: f64,
    /// Drain's published figure, if listed.
    pub drain: Option<f64>,
}

/// The leave-systems-out report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvReport {
    /// Number of candidates in the grid.
    pub candidates: usize,
    /// Every fold.
    pub folds: Vec<Fold>,
    /// Per-system results.
    pub systems: BTreeMap<String, CvSystem>,
    /// Mean of the systems' held-out accuracies (equal to the mean of the
    /// folds' test means).
    pub held_out_mean: f64,
    /// Mean of the systems' shipped-default accuracies.
    pub shipped_mean: f64,
    /// Mean of the systems' own-settings accuracies.
    pub own_settings_mean: f64,
    /// The candidate chosen on all systems at once.
    pub chosen_on_all: String,
    /// How many folds chose each candidate.
    pub chosen_counts: BTreeMap<String, usize>,
}

/// Index of the best candidate on `systems` (columns of `acc`): highest
/// mean, then highest minimum, then the earliest.
fn choose(acc: &[Vec<f64>], systems: &[usize]) -> (usize, f64) {
    let mut best: Option<(usize, f64, f64)> = None;
    for (c, row) in acc.iter().enumerate() {
        let mean = systems.iter().map(|&s| row[s]).sum::<f64>() / systems.len() as f64;
        let min = systems
            .iter()
            .map(|&s| row[s])
            .fold(f64::INFINITY, f64::min);
        match best {
            Some((_, m, w)) if mean < m || (mean == m && min <= w) => {}
            _ => best = Some((c, mean, min)),
        }
    }
    best.map(|(c, m, _)| (c, m)).unwrap_or((0, 0.0))
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { 0.0 } else { s / n as f64 }
}

/// Run the protocol (see the module docs) on every system of
/// `settings_file` whose data is in `loghub_dir`, with `grid` as the
/// candidates. Only each system's `log_file` and `log_format` are used for
/// the held-out scores.
pub fn cross_validate(
    loghub_dir: &Path,
    settings_file: &Path,
    grid: &[Candidate],
) -> Result<CvReport> {
    if grid.is_empty() {
        return Err(Error::Config("empty candidate grid".into()));
    }
    let settings = load_settings(settings_file)?;
    let names: Vec<String> = settings.keys().cloned().collect();
    let logs: Vec<LabelledLog> = settings
        .iter()
        .map(|(n, s)| load_system(loghub_dir, n, &s.log_file, &s.log_format))
        .collect::<Result<_>>()?;
    // acc[candidate][system]
    let configs: Vec<MinerConfig> = grid.iter().map(Candidate::config).collect::<Result<_>>()?;
    let acc: Vec<Vec<f64>> = configs
        .iter()
        .map(|c| {
            logs.iter()
                .map(|l| score(l, c.clone()).map(|r| r.accuracy))
                .collect::<Result<Vec<f64>>>()
        })
        .collect::<Result<_>>()?;

    let mut folds = Vec::new();
    let mut held: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut chosen_counts = BTreeMap::new();
    for (train, test) in splits(names.len()) {
        let (c, train_mean) = choose(&acc, &train);
        let scores: BTreeMap<String, f64> = test
            .iter()
            .map(|&s| {
                held[s].push(acc[c][s]);
                (names[s].clone(), acc[c][s])
            })
            .collect();
        *chosen_counts.entry(grid[c].name()).or_insert(0) += 1;
        folds.push(Fold {
            train: train.iter().map(|&s| names[s].clone()).collect(),
            test: test.iter().map(|&s| names[s].clone()).collect(),
            chosen: grid[c].name(),
            train_mean,
            test_mean: mean(scores.values().copied()),
            scores,
        });
    }
    let all: Vec<usize> = (0..names.len()).collect();
    let (on_all, _) = choose(&acc, &all);

    let mut systems = BTreeMap::new();
    for (i, (name, s)) in settings.iter().enumerate() {
        let shipped = score(&logs[i], MinerConfig::default())?.accuracy;
        let own_settings = score(&logs[i], s.miner_config()?)?.accuracy;
        systems.insert(
            name.clone(),
            CvSystem {
                held_out: mean(held[i].iter().copied()),
                held_out_min: held[i].iter().copied().fold(f64::INFINITY, f64::min),
                shipped,
                own_settings,
                drain: drain_published(name),
            },
        );
    }
    Ok(CvReport {
        candidates: grid.len(),
        held_out_mean: mean(systems.values().map(|s| s.held_out)),
        shipped_mean: mean(systems.values().map(|s| s.shipped)),
        own_settings_mean: mean(systems.values().map(|s| s.own_settings)),
        chosen_on_all: grid[on_all].name(),
        chosen_counts,
        folds,
        systems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_cover_every_half_both_ways() {
        let s = splits(8);
        assert_eq!(s.len(), 70);
        for (train, test) in &s {
            assert_eq!((train.len(), test.len()), (4, 4));
            assert!(s.iter().any(|(a, b)| a == test && b == train));
        }
        assert_eq!(splits(3).len(), 3);
        assert!(splits(1).is_empty());
    }

    #[test]
    fn choose_prefers_mean_then_minimum_then_order() {
        let acc = vec![
            vec![0.9, 0.5],
            vec![0.7, 0.7],
            vec![0.7, 0.7],
            vec![1.0, 0.0],
        ];
        assert_eq!(choose(&acc, &[0, 1]).0, 1);
        assert_eq!(choose(&acc, &[0]).0, 3);
    }

    #[test]
    fn grid_is_valid_and_holds_the_shipped_default() {
        let grid = default_grid();
        assert_eq!(grid.len(), 108);
        for c in &grid {
            assert!(c.config().unwrap().validate().is_empty(), "{}", c.name());
        }
        assert!(
            grid.iter()
                .any(|c| c.config().unwrap() == MinerConfig::default())
        );
        assert_eq!(drain_published("Proxifier"), Some(0.527));
    }
}
