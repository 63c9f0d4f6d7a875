//! Model fitting: the trend forecasters ([`trend`]) and the cluster models
//! ([`anomaly`]), with every choice not in the pipeline file in
//! [`FitConfig`].

pub mod anomaly;
pub mod config;
pub mod trend;

pub use config::{AnomalyFit, FitConfig, TrendFit};
