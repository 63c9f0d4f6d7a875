//! The leave-systems-out protocol on the real Loghub-2k data
//! (`forewarn_logs::accuracy::cross_validate`): the system-independent
//! defaults are chosen on every train fold of 4 systems and scored on the
//! other 4. Asserts the held-out mean, per-system floors slightly under the
//! measured values (see the README, "Log templates"), Drain's published figure for every
//! held-out system, and that the shipped `MinerConfig::default()` is the
//! candidate the protocol picks on all 8.
//!
//! Data: `$FOREWARN_SHARED/datasets/loghub-2k`, by default the `shared`
//! directory beside the workspace. Missing data skips the test, except
//! under `CI=true`, where it fails.

mod common;

use common::loghub_dir;

use forewarn_logs::MinerConfig;
use forewarn_logs::accuracy::{cross_validate, default_grid};

/// Measured held-out accuracy (mean over the 35 folds holding the system
/// out, worst fold) and the floors asserted for them.
const FLOORS: [(&str, f64, f64); 8] = [
    // system, mean floor (measured), worst-fold floor (measured)
    ("Apache", 0.995, 0.995),    // 1.0000, 1.0000
    ("BGL", 0.985, 0.980),       // 0.9901, 0.9845
    ("HDFS", 0.995, 0.995),      // 0.9975, 0.9975
    ("Hadoop", 0.985, 0.985),    // 0.9895, 0.9890
    ("Linux", 0.905, 0.870),     // 0.9124, 0.8775
    ("OpenStack", 0.995, 0.995), // 1.0000, 1.0000
    ("Spark", 0.990, 0.990),     // 0.9982, 0.9975
    ("Zookeeper", 0.990, 0.990), // 0.9945, 0.9945
];

#[test]
fn leave_systems_out_defaults_beat_drain_on_every_held_out_system() {
    let Some(dir) = loghub_dir() else { return };
    let grid = default_grid();
    let report = cross_validate(&dir, &dir.join("settings.json"), &grid).expect("protocol runs");
    for (name, s) in &report.systems {
        eprintln!(
            "{name:<10} held-out {:.4} (worst {:.4})  shipped {:.4}  own settings {:.4}  Drain {:?}",
            s.held_out, s.held_out_min, s.shipped, s.own_settings, s.drain
        );
    }
    eprintln!(
        "mean held-out {:.4}, shipped {:.4}, own settings {:.4}; chosen on all: {}",
        report.held_out_mean, report.shipped_mean, report.own_settings_mean, report.chosen_on_all
    );

    assert_eq!(report.folds.len(), 70, "every 4/4 split, both ways");
    assert_eq!(report.systems.len(), 8);
    assert!(
        report.held_out_mean >= 0.98,
        "held-out mean {:.4} (measured 0.9853) is below 0.98",
        report.held_out_mean
    );
    for (system, mean_floor, worst_floor) in FLOORS {
        let s = &report.systems[system];
        let drain = s.drain.expect("published figure");
        assert!(
            s.held_out + 1e-9 >= drain,
            "{system}: held-out {:.4} is below Drain's {drain:.4}",
            s.held_out
        );
        assert!(
            s.held_out >= mean_floor,
            "{system}: held-out {:.4} is below its floor {mean_floor}",
            s.held_out
        );
        assert!(
            s.held_out_min >= worst_floor,
            "{system}: worst fold {:.4} is below its floor {worst_floor}",
            s.held_out_min
        );
        assert!(
            s.shipped + 1e-9 >= drain,
            "{system}: shipped defaults {:.4} are below Drain's {drain:.4}",
            s.shipped
        );
    }

    // The shipped default is what the protocol chooses on all 8 systems.
    let chosen = grid
        .iter()
        .find(|c| c.name() == report.chosen_on_all)
        .expect("chosen from the grid");
    assert_eq!(chosen.config().unwrap(), MinerConfig::default());
}
