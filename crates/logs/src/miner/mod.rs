//! The online miner: [`TemplateMiner`], its per-message result [`Match`],
//! and its persisted form [`MinerState`].

mod engine;
mod state;
#[cfg(test)]
mod tests;

pub use engine::{Match, TemplateMiner};
pub use state::MinerState;
