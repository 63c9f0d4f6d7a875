//! Tests of the cluster model: scoring, calibration, learning, warm-up.
use super::*;

fn model() -> ClusterModel {
    ClusterModel {
        features: vec!["a".into(), "b".into(), "c".into()],
        mean: vec![10.0, 100.0, 0.0],
        scale: vec![1.0, 10.0, 1.0],
        centroids: vec![vec![0.0, 0.0, 0.0]],
        top_share: 0.5,
        rank: 0,
        half_life_s: 3600.0,
        calibration: vec![0.0, 0.5, 1.0, 2.0, 4.0],
        growth_half_life_s: DEFAULT_GROWTH_HALF_LIFE_S,
    }
}

#[test]
fn score_is_the_mean_of_the_largest_deviations() {
    let m = model();
    assert!(m.problems().is_empty(), "{:?}", m.problems());
    let s = m.score(&[10.0, 100.0, 0.0]);
    assert_eq!((s.distance, s.probability), (0.0, 0.0));
    // z = (3, 4, 0); top 50 % of 3 features = 2 → mean(4, 3) = 3.5.
    let s = m.score(&[13.0, 140.0, 0.0]);
    assert!((s.distance - 3.5).abs() < 1e-12, "{s:?}");
    assert!((s.contributions.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!((s.contributions[1] - 16.0 / 25.0).abs() < 1e-12);
    assert!((m.calibrate(1.5) - 0.625).abs() < 1e-12);
    assert_eq!(m.calibrate(100.0), 1.0);
}

#[test]
fn a_ranked_score_is_the_kth_largest_deviation_so_one_burst_cannot_raise_it() {
    let m = ClusterModel {
        features: (0..10).map(|i| format!("f{i}")).collect(),
        mean: vec![0.0; 10],
        scale: vec![1.0; 10],
        centroids: vec![vec![0.0; 10]],
        rank: 2,
        ..model()
    };
    let mut one = vec![0.0; 10];
    one[0] = 50.0;
    assert_eq!(m.score(&one).distance, 0.0, "one feature alone scores 0");
    let mut two = vec![0.0; 10];
    two[..2].copy_from_slice(&[50.0, 6.0]);
    assert!((m.score(&two).distance - 6.0).abs() < 1e-12);
    // Missing features are left out; fewer features than the rank: the
    // smallest deviation there is.
    let lone = ClusterModel {
        features: vec!["a".into()],
        mean: vec![0.0],
        scale: vec![1.0],
        centroids: vec![vec![0.0]],
        rank: 2,
        ..model()
    };
    assert!((lone.score(&[3.0]).distance - 3.0).abs() < 1e-12);
    let mut gap = two.clone();
    gap[1] = f64::NAN;
    assert_eq!(m.score(&gap).distance, 0.0);
}

#[test]
fn one_feature_alone_cannot_make_a_high_score_but_several_can() {
    let m = ClusterModel {
        features: (0..10).map(|i| format!("f{i}")).collect(),
        mean: vec![0.0; 10],
        scale: vec![1.0; 10],
        centroids: vec![vec![0.0; 10]],
        top_share: 0.3,
        rank: 0,
        ..model()
    };
    let mut one = vec![0.0; 10];
    one[0] = 9.0;
    let mut three = vec![0.0; 10];
    three[..3].copy_from_slice(&[4.0, 4.0, 4.0]);
    assert!((m.score(&one).distance - 3.0).abs() < 1e-12);
    assert!((m.score(&three).distance - 4.0).abs() < 1e-12);
}

#[test]
fn tail_p_values_keep_falling_beyond_the_training_range() {
    // 101 quantiles of an exponential(1) distribution.
    let calibration: Vec<f64> = (0..=100)
        .map(|i| {
            let p = f64::from(i) / 100.0;
            -(1.0 - p.min(0.995)).ln()
        })
        .collect();
    let m = ClusterModel {
        calibration,
        ..model()
    };
    assert!((m.p_value(m.calibration[50]) - 0.5).abs() < 1e-9);
    let (p10, p12, p20) = (m.p_value(10.0), m.p_value(12.0), m.p_value(20.0));
    assert!(p10 > p12 && p12 > p20 && p20 > 0.0, "{p10} {p12} {p20}");
    // Exponential(1): P(D ≥ 10) = e^-10, recovered within a factor 3.
    assert!(
        p10 > (-10f64).exp() / 3.0 && p10 < (-10f64).exp() * 3.0,
        "{p10}"
    );
    let s = |d: f64| (1.0 - m.p_value(d) / ALPHA).clamp(0.0, 1.0);
    assert_eq!(s(m.calibration[99]), 0.0);
    // P(D ≥ ln 10⁴) = 10⁻⁴ for exponential(1): probability 0.9.
    assert!((s(1e4f64.ln()) - 0.9).abs() < 0.05, "{}", s(1e4f64.ln()));
    assert!(s(15.0) > 0.99);
}

#[test]
fn missing_values_are_left_out_and_named() {
    let m = model();
    let s = m.score(&[f64::NAN, 140.0, 0.0]);
    // Deviations (4, 0) of the two present; top 50 % of 2 = 1.
    assert!((s.distance - 4.0).abs() < 1e-12, "{s:?}");
    assert_eq!(s.missing, vec![0]);
    assert_eq!(s.contributions[0], 0.0);
}

#[test]
fn normal_vectors_are_learned_and_abnormal_ones_are_not() {
    let m = ClusterModel {
        calibration: (0..=100).map(|i| f64::from(i) / 10.0).collect(),
        ..model()
    };
    // A lasting shift of feature a by 2 training deviations: normal at
    // the learning level (score 1 of at most 10), so it is absorbed.
    let mut st = m.state();
    let shifted = [12.0, 100.0, 0.0];
    let before = m.score_with(&mut st.clone(), &shifted, 0.0).distance;
    for _ in 0..48 {
        m.score_with(&mut st, &shifted, 600.0);
    }
    let after = m.score_with(&mut st.clone(), &shifted, 0.0).distance;
    assert!(after < before / 2.0, "{before} -> {after}");
    assert_eq!(st.learned, 48);
    // An extreme vector (beyond every training score) teaches nothing.
    let mut st = m.state();
    m.score_with(&mut st, &[1000.0, 100.0, 0.0], 600.0);
    assert_eq!(st, m.state());
    // Without elapsed time nothing is learned either.
    let mut st = m.state();
    m.score_with(&mut st, &shifted, 0.0);
    assert_eq!(st, m.state());
}

#[test]
fn warm_up_moves_the_level_to_the_instance_and_keeps_the_spread() {
    let m = model();
    let mut st = m.state();
    // An instance running 50 training deviations above on feature a.
    for n in 0..4_u32 {
        m.absorb_level(
            &mut st,
            &[60.0 + f64::from(n % 2), 100.0, 0.0],
            u64::from(n),
        );
    }
    assert!((st.centroids[0][0] - 50.5).abs() < 1e-12, "{st:?}");
    assert_eq!(st.var, vec![1.0; 3]);
    // Its own level scores as normal, a move from it does not.
    assert!(
        m.score_with(&mut st.clone(), &[60.5, 100.0, 0.0], 0.0)
            .distance
            < 0.3
    );
    assert!(
        m.score_with(&mut st.clone(), &[70.5, 140.0, 0.0], 0.0)
            .distance
            > 5.0
    );
}

#[test]
fn inconsistent_models_are_described() {
    let mut m = model();
    m.scale[1] = 0.0;
    m.centroids.push(vec![1.0]);
    m.calibration = vec![2.0, 1.0];
    m.top_share = 0.0;
    assert_eq!(m.problems().len(), 4, "{:?}", m.problems());
}

#[test]
fn the_spread_widens_within_hours_and_narrows_over_days() {
    let m = ClusterModel {
        half_life_s: 3.0 * 86_400.0,
        ..model()
    };
    assert_eq!(m.growth_half_life_s, 12.0 * 3600.0);
    // Feature a swings ±1.5 training deviations for 12 hours, one vector a
    // minute: a spread wider than the unit variance of training, and each
    // vector scores normal (p ≥ LEARN_ALPHA), so it is learned.
    let mut st = m.state();
    for n in 0..720 {
        let a = if n % 2 == 0 { 11.5 } else { 8.5 };
        let s = m.score_with(&mut st, &[a, 100.0, 0.0], 60.0);
        assert!(s.p_value >= LEARN_ALPHA, "{s:?}");
    }
    let wide = st.var[0];
    // Half-way from 1 toward the swing's 2.25 in one growth half-life
    // (the centroid barely moves: the swing is symmetric).
    assert!(wide > 1.5 && wide < 1.8, "{wide}");
    // Then 12 quiet hours narrow it only by the slow half-life.
    for _ in 0..720 {
        m.score_with(&mut st, &[10.0, 100.0, 0.0], 60.0);
    }
    let quiet = st.var[0];
    let slow = 0.5_f64.powf(12.0 / 72.0);
    assert!(
        quiet < wide && quiet > wide * slow * 0.99,
        "{wide} → {quiet}"
    );
    // With the growth half-life as slow as the narrowing one, the same
    // swing widens it far less.
    let slow_model = ClusterModel {
        growth_half_life_s: m.half_life_s,
        ..m.clone()
    };
    let mut st = slow_model.state();
    for n in 0..720 {
        let a = if n % 2 == 0 { 11.5 } else { 8.5 };
        slow_model.score_with(&mut st, &[a, 100.0, 0.0], 60.0);
    }
    assert!(st.var[0] < 1.2, "{}", st.var[0]);
}

#[test]
fn a_sparse_vector_widens_the_spread_as_one_minute_of_vectors_would() {
    let m = ClusterModel {
        half_life_s: 3.0 * 86_400.0,
        ..model()
    };
    // The swing of the test above for the same 12 hours, sampled every 5
    // minutes: 144 vectors, each one observation.
    let swing = |elapsed_s: f64| {
        let mut st = m.state();
        for n in 0..144 {
            let a = if n % 2 == 0 { 11.5 } else { 8.5 };
            m.score_with(&mut st, &[a, 100.0, 0.0], elapsed_s);
        }
        st.var[0]
    };
    let sparse = swing(300.0);
    let minutes = swing(60.0);
    // As much as 144 one-minute vectors widen it (the centroid moves with
    // the full 5 minutes, but the swing is symmetric), not as 12 hours of
    // them (1.5-1.8 above).
    assert!(sparse > 1.0 && sparse < 1.3, "{sparse}");
    assert!(
        (sparse - minutes).abs() < 0.01 * minutes,
        "{sparse} vs {minutes}"
    );
}

#[test]
fn a_lone_spike_widens_its_feature_as_a_fifteen_sigma_deviation_would() {
    // Ranked by the second-largest deviation: a vector in which only `a`
    // jumps is normal and learned, however far `a` jumps.
    let m = ClusterModel {
        rank: 2,
        half_life_s: 3.0 * 86_400.0,
        calibration: (0..=100).map(|i| f64::from(i) / 10.0).collect(),
        ..model()
    };
    let learn = |a: f64| {
        let mut st = m.state();
        let s = m.score_with(&mut st, &[10.0 + a, 100.0, 0.0], 60.0);
        assert_eq!((s.distance, st.learned), (0.0, 1), "{s:?}");
        st
    };
    let spike = learn(80.0);
    // Uncapped, 80² × the step's weight (about 1e-3) would take the
    // variance from 1 to about 7.
    assert!(spike.var[0] > 1.1 && spike.var[0] < 1.3, "{:?}", spike.var);
    assert_eq!(spike.var, learn(MAX_LEARN_DEV).var);
    assert!(
        learn(10.0).var[0] < spike.var[0],
        "below the cap it counts in full"
    );
    // So a fault that then moves `a` and `b` 6 σ still scores 6.
    let fault = [16.0, 160.0, 0.0];
    let s = m.score_with(&mut spike.clone(), &fault, 0.0);
    assert!(s.distance > 5.0, "{s:?}");
}
