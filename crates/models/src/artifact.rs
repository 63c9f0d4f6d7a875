//! Versioned model artifacts: `models/<name>/<version>/` holds `model.json`
//! (the fitted parameters) and `metadata.toml` (what they were fitted on and
//! how well). Versions are whole numbers; loading a name picks the highest.
//!
//! A model is bound to the feature spec it was trained with: loading checks
//! the spec hash against the pipeline's and refuses a mismatch with both
//! hashes in the message. Every failure is an [`ArtifactError`] naming the
//! file; nothing here panics on bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cluster::ClusterModel;
use crate::trend::TrendParams;

/// What a model was trained on and how well it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Model name (the directory under `models/`).
    pub name: String,
    /// Version (the directory under the name).
    pub version: u32,
    /// `forewarn` version that trained it.
    pub crate_version: String,
    /// Hash of the feature spec the features were computed with.
    pub feature_spec_hash: String,
    /// Seed of every random choice in training.
    pub seed: u64,
    /// Training data: files, rows, time range, content hash.
    pub training: TrainingData,
    /// Training metrics (name → value), e.g. `trend.memory_rss_bytes.mae_30m`.
    pub metrics: BTreeMap<String, f64>,
}

/// The data a model was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingData {
    /// Input files as given.
    pub files: Vec<String>,
    /// XXH3-128 of the input files' bytes, in order.
    pub hash: String,
    /// Rows read.
    pub rows: u64,
    /// Series folded through the feature engine.
    pub series: u64,
    /// First event time (RFC 3339).
    pub from: String,
    /// Last event time (RFC 3339).
    pub to: String,
}

/// The fitted parameters. `Model::default()` is the untrained model:
/// default trend parameters for every metric and no cluster model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Trend parameters per metric name.
    pub trend: BTreeMap<String, TrendParams>,
    /// Trend parameters for metrics without their own.
    pub default_trend: TrendParams,
    /// Multivariate anomaly model per service.
    pub services: BTreeMap<String, ClusterModel>,
    /// Model for services not seen in training (fitted on all of them).
    pub fallback: Option<ClusterModel>,
}

impl Model {
    /// Trend parameters for `metric`.
    pub fn trend_for(&self, metric: &str) -> &TrendParams {
        self.trend.get(metric).unwrap_or(&self.default_trend)
    }

    /// Cluster model for `service`.
    pub fn cluster_for(&self, service: &str) -> Option<&ClusterModel> {
        self.services.get(service).or(self.fallback.as_ref())
    }
}

/// A loaded artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// Where it was loaded from (or will be saved to).
    pub dir: PathBuf,
    /// Metadata.
    pub metadata: Metadata,
    /// Fitted parameters.
    pub model: Model,
}

/// Why an artifact could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not what it should be.
    #[error("{}: corrupt model artifact: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// No version directory under a model name.
    #[error("{}: no model versions (expected {}/<N>/model.json)", dir.display(), dir.display())]
    NoVersions {
        /// The model directory.
        dir: PathBuf,
    },
    /// The model was trained with other features than the pipeline computes.
    #[error(
        "{}: model was trained with feature spec {found}, the pipeline computes {expected}; retrain it with this pipeline (forewarn train --pipeline ...)",
        dir.display()
    )]
    FeatureSpecMismatch {
        /// The artifact directory.
        dir: PathBuf,
        /// The pipeline's feature-spec hash.
        expected: String,
        /// The artifact's.
        found: String,
    },
}

fn read(path: &Path) -> Result<String, ArtifactError> {
    std::fs::read_to_string(path).map_err(|source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write(path: &Path, text: &str) -> Result<(), ArtifactError> {
    std::fs::write(path, text).map_err(|source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Numeric version directories under `dir`, ascending.
fn versions(dir: &Path) -> Vec<u32> {
    let mut v: Vec<u32> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("model.json").is_file())
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    v.sort_unstable();
    v
}

impl Artifact {
    /// Load `dir`: either one version (`models/default/3`) or a name
    /// (`models/default`, whose highest version is used).
    pub fn load(dir: &Path) -> Result<Self, ArtifactError> {
        let version_dir = if dir.join("model.json").is_file() {
            dir.to_path_buf()
        } else {
            let v = versions(dir);
            let last = v.last().ok_or_else(|| ArtifactError::NoVersions {
                dir: dir.to_path_buf(),
            })?;
            dir.join(last.to_string())
        };
        let meta_path = version_dir.join("metadata.toml");
        let metadata: Metadata =
            toml::from_str(&read(&meta_path)?).map_err(|e| ArtifactError::Corrupt {
                path: meta_path.clone(),
                reason: e.to_string(),
            })?;
        let model_path = version_dir.join("model.json");
        let model: Model =
            serde_json::from_str(&read(&model_path)?).map_err(|e| ArtifactError::Corrupt {
                path: model_path.clone(),
                reason: e.to_string(),
            })?;
        let mut problems = Vec::new();
        for (name, m) in model
            .services
            .iter()
            .chain(model.fallback.iter().map(|m| (&metadata.name, m)))
        {
            problems.extend(
                m.problems()
                    .into_iter()
                    .map(|p| format!("services.{name}: {p}")),
            );
        }
        for (metric, p) in model
            .trend
            .iter()
            .chain([(&"default".to_string(), &model.default_trend)])
        {
            problems.extend(
                p.problems()
                    .into_iter()
                    .map(|(f, m)| format!("trend.{metric}.{f}: {m}")),
            );
        }
        if !problems.is_empty() {
            return Err(ArtifactError::Corrupt {
                path: model_path,
                reason: problems.join("; "),
            });
        }
        Ok(Self {
            dir: version_dir,
            metadata,
            model,
        })
    }

    /// Load and check that the model was trained with `feature_spec_hash`.
    pub fn load_for(dir: &Path, feature_spec_hash: &str) -> Result<Self, ArtifactError> {
        let a = Self::load(dir)?;
        if a.metadata.feature_spec_hash != feature_spec_hash {
            return Err(ArtifactError::FeatureSpecMismatch {
                dir: a.dir,
                expected: feature_spec_hash.to_string(),
                found: a.metadata.feature_spec_hash,
            });
        }
        Ok(a)
    }

    /// Save as the next version under `models_dir/<metadata.name>/`; sets
    /// `metadata.version` and `dir`. Returns the version directory.
    pub fn save_next(&mut self, models_dir: &Path) -> Result<PathBuf, ArtifactError> {
        let name_dir = models_dir.join(&self.metadata.name);
        let next = versions(&name_dir).last().map_or(1, |v| v + 1);
        self.metadata.version = next;
        let dir = name_dir.join(next.to_string());
        std::fs::create_dir_all(&dir).map_err(|source| ArtifactError::Io {
            path: dir.clone(),
            source,
        })?;
        let model =
            serde_json::to_string_pretty(&self.model).map_err(|e| ArtifactError::Corrupt {
                path: dir.join("model.json"),
                reason: e.to_string(),
            })?;
        let meta = toml::to_string(&self.metadata).map_err(|e| ArtifactError::Corrupt {
            path: dir.join("metadata.toml"),
            reason: e.to_string(),
        })?;
        write(&dir.join("model.json"), &(model + "\n"))?;
        write(&dir.join("metadata.toml"), &meta)?;
        self.dir = dir.clone();
        Ok(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact() -> Artifact {
        Artifact {
            dir: PathBuf::new(),
            metadata: Metadata {
                name: "unit".into(),
                version: 0,
                crate_version: "0.1.0".into(),
                feature_spec_hash: "abc".into(),
                seed: 7,
                training: TrainingData {
                    files: vec!["x.csv".into()],
                    hash: "00".into(),
                    rows: 10,
                    series: 2,
                    from: "2026-01-01T00:00:00Z".into(),
                    to: "2026-01-02T00:00:00Z".into(),
                },
                metrics: BTreeMap::from([("trend.mae".into(), 0.5)]),
            },
            model: Model {
                trend: BTreeMap::from([("memory_rss_bytes".into(), TrendParams::default())]),
                default_trend: TrendParams::default(),
                services: BTreeMap::new(),
                fallback: None,
            },
        }
    }

    fn tmp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("forewarn-artifact-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn saves_versions_and_loads_the_newest() {
        let root = tmp("versions");
        let mut a = artifact();
        assert_eq!(a.save_next(&root).unwrap(), root.join("unit/1"));
        a.model.default_trend.alpha = 0.5;
        assert_eq!(a.save_next(&root).unwrap(), root.join("unit/2"));
        let loaded = Artifact::load(&root.join("unit")).unwrap();
        assert_eq!(loaded.metadata.version, 2);
        assert_eq!(loaded.model, a.model);
        assert_eq!(
            Artifact::load(&root.join("unit/1"))
                .unwrap()
                .metadata
                .version,
            1
        );
    }

    #[test]
    fn refuses_mismatched_spec_and_corrupt_files_with_clear_errors() {
        let root = tmp("errors");
        let mut a = artifact();
        let dir = a.save_next(&root).unwrap();
        let e = Artifact::load_for(&dir, "other").unwrap_err().to_string();
        assert!(
            e.contains("feature spec abc") && e.contains("computes other"),
            "{e}"
        );

        std::fs::write(dir.join("model.json"), "{\"trend\": 3").unwrap();
        let e = Artifact::load(&dir).unwrap_err().to_string();
        assert!(e.contains("model.json: corrupt model artifact"), "{e}");

        std::fs::write(dir.join("metadata.toml"), "name = 1").unwrap();
        assert!(
            Artifact::load(&dir)
                .unwrap_err()
                .to_string()
                .contains("metadata.toml")
        );

        let e = Artifact::load(&root.join("missing"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no model versions"), "{e}");
    }

    #[test]
    fn invalid_parameters_are_corrupt() {
        let root = tmp("invalid");
        let mut a = artifact();
        a.model.default_trend.alpha = 2.0;
        let dir = a.save_next(&root).unwrap();
        let e = Artifact::load(&dir).unwrap_err().to_string();
        assert!(e.contains("trend.default.alpha"), "{e}");
    }
}
