//! Fleet-level correlation. When a database degrades its callers alarm
//! too; an operator wants one incident that names the database, not a
//! storm. The scorer ranks root causes only among the services of its own
//! partitions; this crate sees every service's incidents (predicted
//! issues and failures observed by `forewarn watch`), groups those of one
//! episode by the dependency graph, onset order and time, names the root
//! cause with the graph's ranking ([`forewarn_core::graph`], shared with
//! the scorer), and turns each episode spanning several services into one
//! `cascading_failure` issue whose `episode` field lists the members.
//!
//! Grouping is a pure, deterministic function of the *set* of incidents
//! (see [`correlator`] for the rule): the batch backtest ([`correlate`])
//! and the streaming `forewarn correlate` ([`Correlator`] driven by
//! [`Watermarks`]) give the same episodes, with the same ids, whatever
//! the number of partitions and scorer instances and the order in which
//! their events arrive. Ids are content hashes: an episode's is the hash
//! of its member ids, its issue's the hash of the episode id.
//!
//! Layout:
//! - [`incident`]: [`Incident`], what is grouped, from predicted issues
//!   and service events (the correlator's own output is skipped).
//! - [`correlator`]: [`Correlator`], the grouping in event time, and the
//!   batch [`correlate`].
//! - [`episode`]: [`Episode`]: id, root cause, the `cascading_failure`
//!   issue.
//! - [`closer`]: [`Closer`], a cascade's resolution once its members
//!   resolved.
//! - [`watermark`]: [`Watermarks`], event time across input partitions.
//! - [`silence`]: [`Silence`], quiet partitions in wall time, and event
//!   time moving on when every one is quiet.
//! - [`checkpoint`]: [`Checkpoint`], the streaming state saved to a file.
//! - [`error`]: the crate's [`Error`].
//!
//! ```
//! use forewarn_core::graph::DependencyGraph;
//! use forewarn_correlate::{Incident, Options, correlate};
//! use forewarn_core::contracts::Severity;
//!
//! let graph = DependencyGraph::new([("api", vec!["db".to_string()])]);
//! let inc = |id: &str, service: &str, onset_ms| Incident {
//!     id: id.into(), service: service.into(), kind: "latency_degradation".into(),
//!     onset_ms, observed: false, severity: Severity::Warning, probability: 0.9,
//!     horizon_s: 0.0, recommended_action: None,
//! };
//! let t = 1_700_000_000_000;
//! let episodes = correlate(&graph, Options::default(), [inc("b", "api", t + 60_000), inc("a", "db", t)]);
//! assert_eq!(episodes.len(), 1);
//! assert_eq!(episodes[0].root_cause_service, "db");
//! assert!(episodes[0].is_cascade());
//! ```

pub mod checkpoint;
pub mod closer;
pub mod correlator;
pub mod episode;
pub mod error;
pub mod incident;
pub mod silence;
pub mod watermark;

#[cfg(test)]
mod tests;

pub use checkpoint::Checkpoint;
pub use closer::Closer;
pub use correlator::{Correlator, Counts, DEFAULT_WINDOW_MS, Options, correlate};
pub use episode::{Episode, episode_id, root_cause};
pub use error::{Error, Result};
pub use incident::Incident;
pub use silence::Silence;
pub use watermark::{DEFAULT_LATENESS_MS, Watermarks};

use forewarn_config::PipelineConfig;
use forewarn_core::graph::DependencyGraph;

/// The dependency graph of a pipeline's `services.*.depends_on`.
pub fn graph(pipeline: &PipelineConfig) -> DependencyGraph {
    DependencyGraph::new(
        pipeline
            .services
            .iter()
            .map(|(n, s)| (n.clone(), s.depends_on.clone())),
    )
}
