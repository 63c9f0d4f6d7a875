//! The multivariate anomaly baseline in the scorer, per instance: a model
//! trained elsewhere (another fleet, the same service name) takes the
//! instance's own level during the warm-up and raises nothing for it; a
//! fault after the warm-up still opens one `metric_anomaly`, which resolves
//! when the fault ends and does not re-open from the same episode; an
//! instance missing one of the model's metrics is scored on the others;
//! a spread wider than the warm-up saw (a daily peak after a quiet night)
//! is learned within hours instead of alarming.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{IssueKind, IssueStatus, MetricSample, PredictedIssue};
use forewarn_models::artifact::Model;
use forewarn_models::cluster::ClusterModel;
use forewarn_scorer::{Events, Scorer, ScorerOptions};

const METRICS: [&str; 3] = ["a", "b", "c"];

/// Uniform noise in [-1, 1), a hash of (i, j) (splitmix64).
fn noise(i: i64, j: usize) -> f64 {
    let mut z = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (j as u64 + 1);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// The model of `svc`, "trained" on uniform noise around (10, 100, 5).
fn model() -> Model {
    let mean = vec![10.0, 100.0, 5.0];
    let scale = vec![0.577, 5.77, 0.577];
    let mut m = ClusterModel {
        features: METRICS.iter().map(|m| format!("{m}.1m.mean")).collect(),
        mean: mean.clone(),
        scale: scale.clone(),
        centroids: vec![vec![0.0; 3]],
        top_share: 0.3,
        rank: 0,
        half_life_s: 3.0 * 86_400.0,
        calibration: vec![0.0, 1.0],
        growth_half_life_s: forewarn_models::cluster::DEFAULT_GROWTH_HALF_LIFE_S,
    };
    let (mu, sd) = (&mean, &scale);
    let rows: Vec<f64> = (0..20_000)
        .flat_map(|i| (0..3).map(move |j| mu[j] + sd[j] * 1.73 * noise(i, j)))
        .collect();
    let mut scores = m.training_scores(&rows);
    scores.sort_by(f64::total_cmp);
    m.calibration = (0..=1000)
        .map(|q| scores[(q * (scores.len() - 1)) / 1000])
        .collect();
    assert!(m.problems().is_empty(), "{:?}", m.problems());
    Model {
        services: BTreeMap::from([("svc".to_string(), m)]),
        ..Model::default()
    }
}

fn scorer(warmup: &str) -> Scorer {
    scorer_with(warmup, model())
}

fn scorer_with(warmup: &str, model: Model) -> Scorer {
    let yaml = include_str!("../../../pipelines/default.yaml")
        .replace("    warmup: 2h\n", &format!("    warmup: {warmup}\n"));
    let pipeline = forewarn_config::load_str(&yaml).unwrap();
    assert_eq!(
        pipeline.models.anomaly.warmup,
        warmup.parse().unwrap(),
        "the default pipeline's anomaly warm-up line was not replaced"
    );
    Scorer::new(pipeline, model, ScorerOptions::default()).unwrap()
}

fn start() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap()
}

/// Feed `minutes` of 10 s samples; `value(step, metric)` gives each value
/// (`None`: not reported).
fn feed(
    sc: &mut Scorer,
    minutes: i64,
    value: impl Fn(i64, usize) -> Option<f64>,
) -> Vec<PredictedIssue> {
    let mut out = Events::default();
    for step in 0..minutes * 6 {
        let t = start() + TimeDelta::seconds(10 * step);
        for (j, metric) in METRICS.iter().enumerate() {
            let Some(v) = value(step, j) else { continue };
            let s = MetricSample {
                schema_version: 1,
                ts: t,
                service: "svc".into(),
                instance: "svc-0".into(),
                metric: (*metric).into(),
                value: v,
                labels: BTreeMap::new(),
            };
            sc.on_metric(&s, &mut out).unwrap();
        }
    }
    out.issues
        .into_iter()
        .filter(|e| e.kind == IssueKind::MetricAnomaly)
        .collect()
}

fn opened(events: &[PredictedIssue]) -> Vec<i64> {
    events
        .iter()
        .filter(|e| e.status == IssueStatus::Open)
        .map(|e| (e.detected_at - start()).num_minutes())
        .collect()
}

/// This instance runs at (60, 300, 25): far from the trained (10, 100, 5)
/// in every metric, as a same-named service of another fleet does.
fn elsewhere(step: i64, j: usize) -> f64 {
    [60.0, 300.0, 25.0][j] + [0.577, 5.77, 0.577][j] * 1.73 * noise(step, j)
}

#[test]
fn a_model_trained_elsewhere_takes_the_instance_level_in_its_warm_up() {
    let events = feed(&mut scorer("1h"), 5 * 60, |s, j| Some(elsewhere(s, j)));
    assert_eq!(opened(&events), Vec::<i64>::new(), "{events:#?}");
    // Without a warm-up the same feed alarms on the level alone, as soon as
    // the windows have filled.
    let events = feed(&mut scorer("0s"), 5 * 60, |s, j| Some(elsewhere(s, j)));
    let at = opened(&events);
    assert!(!at.is_empty() && at[0] <= 61, "{at:?}");
}

#[test]
fn a_fault_after_the_warm_up_opens_once_and_does_not_reopen_after_recovery() {
    // From minute 180 to 190, a and b move 8 training deviations.
    let fault = |s: i64, j: usize| {
        let minute = s / 6;
        let shift = if (180..190).contains(&minute) && j < 2 {
            8.0 * [0.577, 5.77, 0.577][j]
        } else {
            0.0
        };
        Some(elsewhere(s, j) + shift)
    };
    let events = feed(&mut scorer("1h"), 5 * 60, fault);
    assert_eq!(opened(&events), vec![180], "{events:#?}");
    let resolved: Vec<i64> = events
        .iter()
        .filter(|e| e.status == IssueStatus::Resolved)
        .map(|e| (e.detected_at - start()).num_minutes())
        .collect();
    assert_eq!(resolved.len(), 1, "{events:#?}");
    let top = &events[0].evidence[0];
    assert!(
        top.feature == "a.1m.mean" || top.feature == "b.1m.mean",
        "{top:?}"
    );
    // The evidence's baseline is the instance's own level, not the model's.
    let baseline = top.baseline.unwrap();
    let own = if top.feature == "a.1m.mean" {
        60.0
    } else {
        300.0
    };
    assert!((baseline - own).abs() / own < 0.02, "{top:?}");
}

#[test]
fn a_model_of_the_same_name_over_other_metrics_gives_way_to_the_pooled_one() {
    // `svc`'s own model was trained on metrics this instance does not
    // report (another fleet's `svc`); the pooled model knows a, b and c.
    let mut m = model();
    let pooled = m.services["svc"].clone();
    let mut named = pooled.clone();
    named.features = ["p", "q", "r"].map(|f| format!("{f}.1m.mean")).to_vec();
    m.services.insert("svc".into(), named);
    m.fallback = Some(pooled);
    let fault = |s: i64, j: usize| {
        let shift = if (180..190).contains(&(s / 6)) && j < 2 {
            8.0 * [0.577, 5.77, 0.577][j]
        } else {
            0.0
        };
        Some(elsewhere(s, j) + shift)
    };
    let events = feed(&mut scorer_with("1h", m.clone()), 4 * 60, fault);
    assert_eq!(opened(&events), vec![180], "{events:#?}");
    // Without the pooled model the named one sees nothing at all.
    m.fallback = None;
    let events = feed(&mut scorer_with("1h", m), 4 * 60, fault);
    assert_eq!(opened(&events), Vec::<i64>::new(), "{events:#?}");
}

#[test]
fn an_instance_without_one_of_the_metrics_is_scored_on_the_others() {
    let fault = |s: i64, j: usize| {
        let minute = s / 6;
        if j == 2 {
            return None;
        }
        let shift = if (180..190).contains(&minute) {
            8.0 * [0.577, 5.77][j]
        } else {
            0.0
        };
        Some(elsewhere(s, j) + shift)
    };
    let events = feed(&mut scorer("1h"), 4 * 60, fault);
    assert_eq!(opened(&events), vec![180], "{events:#?}");
}

/// Standard normal noise, a hash of (i, j) (Box-Muller on two uniforms).
fn gaussian(i: i64, j: usize) -> f64 {
    let u = (noise(i, j) + 1.0) / 2.0;
    let v = (noise(i, j + 7) + 1.0) / 2.0;
    (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// [`model`] trained on normal noise instead of uniform: a calibration
/// with a tail, as real training has (the score is the largest of three
/// deviations: learning stops near 3.6 training deviations, p = 10⁻³, and
/// an alarm needs about 4.1, p = 10⁻⁴).
fn gaussian_model() -> Model {
    let mut m = model();
    let c = m.services.get_mut("svc").unwrap();
    let rows: Vec<f64> = (0..20_000)
        .flat_map(|i| (0..3).map(move |j| gaussian(i, j)))
        .collect();
    let mut scores = ClusterModel {
        mean: vec![0.0; 3],
        scale: vec![1.0; 3],
        ..c.clone()
    }
    .training_scores(&rows);
    scores.sort_by(f64::total_cmp);
    c.calibration = (0..=1000)
        .map(|q| scores[(q * (scores.len() - 1)) / 1000])
        .collect();
    m
}

/// After a quiet warm-up (a night), the instance's `a` and `b` swing wider
/// and wider (a day's traffic): a sine of 20 minutes whose amplitude grows
/// from 0 to 5 training deviations over six hours, then holds; `fault`
/// adds 12 deviations to both from minute 500 to 510.
fn widening(s: i64, j: usize, fault: bool) -> f64 {
    let scale = [0.577, 5.77, 0.577][j];
    let minute = s as f64 / 6.0;
    let grown = ((minute - 120.0) / 360.0).clamp(0.0, 1.0);
    let mut v = [60.0, 300.0, 25.0][j] + scale * gaussian(s, j);
    if j < 2 {
        v += scale * 5.0 * grown * (std::f64::consts::TAU * minute / 20.0).sin();
        if fault && (500.0..510.0).contains(&minute) {
            v += scale * 12.0;
        }
    }
    v
}

#[test]
fn a_spread_wider_than_the_warm_up_saw_is_learned_within_hours() {
    let events = feed(&mut scorer_with("1h", gaussian_model()), 9 * 60, |s, j| {
        Some(widening(s, j, false))
    });
    assert_eq!(opened(&events), Vec::<i64>::new(), "{events:#?}");
    // The same swing alarms when the spread widens only as slowly as the
    // level moves (3 days), as it did before the growth half-life.
    let mut slow = gaussian_model();
    for c in slow.services.values_mut() {
        c.growth_half_life_s = c.half_life_s;
    }
    let events = feed(&mut scorer_with("1h", slow), 9 * 60, |s, j| {
        Some(widening(s, j, false))
    });
    assert!(!opened(&events).is_empty(), "{events:#?}");
    // A fault far beyond the learned swing still opens, once.
    let events = feed(&mut scorer_with("1h", gaussian_model()), 9 * 60, |s, j| {
        Some(widening(s, j, true))
    });
    assert_eq!(opened(&events), vec![500], "{events:#?}");
}
