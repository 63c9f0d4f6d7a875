//! Root-cause ranking: the scorer ranks within its own partitions with
//! the dependency graph of [`forewarn_core::graph`], which the fleet
//! correlator (`forewarn-correlate`) shares; re-exported here under its
//! old path.

pub use forewarn_core::graph::{Candidate, DependencyGraph};
