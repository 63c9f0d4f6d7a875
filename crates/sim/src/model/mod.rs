//! The metric model: per-service constants, per-instance normal behaviour,
//! scheduled effects (incidents, traps, restarts) and the per-step update
//! of one service.

pub(crate) mod effects;
pub(crate) mod instance;
pub(crate) mod params;
pub(crate) mod service;
