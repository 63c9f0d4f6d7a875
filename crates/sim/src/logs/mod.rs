//! Log lines: realistic templates per role with variable parts (ids,
//! durations, hosts, paths), incident-specific templates whose share grows
//! as an incident progresses, event lines (restarts, deploys, OOM kills,
//! batch jobs), and the per-instance emitter that picks how many lines and
//! which.

pub(crate) mod emitter;
pub(crate) mod incident;
pub(crate) mod templates;
pub(crate) mod vars;
