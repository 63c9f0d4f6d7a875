//! Test support: the labels of a small simulated fleet, written by the
//! simulator to a scratch directory and read back.

use forewarn_sim::{Labels, OutputFormat, SimConfig};

/// The labels `forewarn simulate --services N --duration D --interval I`
/// writes (CSV output, default seed).
pub(crate) fn simulated_labels(services: usize, duration: &str, interval: &str) -> Labels {
    let dir = std::env::temp_dir().join(format!(
        "forewarn-harness-sim-{services}-{duration}-{interval}-{}",
        std::process::id()
    ));
    let cfg = SimConfig {
        services,
        duration: duration.parse().unwrap(),
        interval: interval.parse().unwrap(),
        output: forewarn_sim::OutputConfig {
            format: OutputFormat::Csv,
            ..Default::default()
        },
        ..SimConfig::default()
    };
    forewarn_sim::simulate(&cfg, &dir, false).unwrap();
    let labels = Labels::read(&dir.join("labels.json")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    labels
}
