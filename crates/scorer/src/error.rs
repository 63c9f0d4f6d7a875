//! The crate's error type. Building a [`Scorer`](crate::Scorer) binds the
//! pipeline and the model to each other (feature windows, cluster models'
//! features, log masks) and restoring one reads a checkpoint back; each
//! variant names the stage that failed and keeps what caused it.

use forewarn_features::SpecProblem;

/// Everything that can stop a scorer from being built or restored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The pipeline's `features` section does not compile.
    #[error("features: {}", problems(.0))]
    Features(Vec<SpecProblem>),
    /// The univariate detector's own feature window does not compile.
    #[error("univariate detector: {}", problems(.0))]
    DetectorFeatures(Vec<SpecProblem>),
    /// A cluster model reads a feature the pipeline does not compute.
    #[error("cluster feature {feature:?}: {reason}")]
    ClusterModel {
        /// The model's feature id, `metric.window.feature`.
        feature: String,
        /// Why it cannot be bound to the pipeline's windows.
        reason: String,
    },
    /// A mask of `models.logs.masks` does not compile.
    #[error("models.logs.masks: {0}")]
    LogMasks(#[source] forewarn_logs::Error),
    /// A checkpoint's state cannot be put back.
    #[error("checkpoint: {0}")]
    Checkpoint(#[source] forewarn_logs::Error),
}

fn problems(p: &[SpecProblem]) -> String {
    p.iter()
        .map(|x| format!("{}: {}", x.path, x.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
