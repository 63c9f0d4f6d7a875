//! The crate's error type. Variants are named by the stage that failed:
//! validating a model's configuration, or binding a model to the feature
//! vector it reads.

/// Everything that can go wrong while building or running a model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of its allowed range. `path` is the
    /// dotted path of the field, relative to the model's config.
    #[error("invalid config at {path}: {message}")]
    Config {
        /// Dotted path of the field, e.g. `suppression.half_life`.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// The feature vector does not hold a feature the model needs.
    #[error("feature {feature} is missing from the feature spec: {message}")]
    Features {
        /// The feature id, `window.feature`.
        feature: String,
        /// Why it could not be bound.
        message: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
