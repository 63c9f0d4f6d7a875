//! The pipeline file: what to read, which windows and features to keep, which
//! models and thresholds to apply, where to publish, and how each service is
//! run (dependencies, limits, SLOs, recovery).
//!
//! Layout:
//! - [`health`]: a service's health check ([`HealthCheck`]: HTTP, TCP or
//!   a command).
//! - [`pipeline`]: the typed configuration ([`PipelineConfig`] and its parts).
//! - [`probability`]: [`Probability`], a number checked to be within
//!   [0, 1], for the thresholds.
//! - [`roles`]: which metric plays each role the models rely on
//!   ([`Roles`]) and the bounded utilisation metrics ([`SaturationRule`]).
//! - [`slo`]: a service's objectives ([`Slo`]): forecast thresholds and
//!   the availability objective of reliability reports.
//! - [`trend_rules`]: roles and capacity rules resolved: what a metric's
//!   trend runs into ([`TrendRule`]) and every role's metrics
//!   ([`RolesMap`]).
//! - [`validate`]: whole-file validation that collects every problem with its
//!   dotted path ([`Problem`]): YAML syntax, unknown keys and wrong types
//!   (from the JSON Schema derived from the types), then semantic rules
//!   (impossible windows, negative limits, dangling service references).
//!
//! ```
//! let yaml = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../pipelines/default.yaml")).unwrap();
//! let pipeline = forewarn_config::load_str(&yaml).unwrap();
//! assert!(pipeline.services.contains_key("gateway"));
//! ```

pub mod health;
pub mod pipeline;
pub mod probability;
pub mod roles;
pub mod slo;
pub mod trend_rules;
pub mod validate;

use std::path::Path;

pub use pipeline::*;
pub use probability::{NotAProbability, Probability};
pub use roles::{Bounded, Roles, SaturationRule};
pub use trend_rules::{Capacity, RolesMap, SloRole, TrendRule};
pub use validate::{Problem, Problems, load_str, problems};

/// Read, parse and validate a pipeline file. Every problem is returned at
/// once; a missing or unreadable file is one problem at path `(file)`.
pub fn load(path: &Path) -> Result<PipelineConfig, Problems> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Problems(vec![Problem {
            path: "(file)".into(),
            message: format!("cannot read {}: {e}", path.display()),
        }])
    })?;
    load_str(&text)
}
