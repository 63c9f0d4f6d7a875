//! Tests of the detector as a whole: score bounds, checkpoint and restore,
//! determinism, and behaviour on synthetic series (a step, a spike, a flat
//! line, pure noise, a broken daily pattern).

use forewarn_features::{CompiledSpec, SeriesWindows};

use super::*;

/// Five minutes, the most common NAB sampling interval.
const STEP_MS: i64 = 300_000;
/// The score at which the tests call a sample an alarm. NAB's optimised
/// standard-profile threshold for the defaults is lower (about 0.25); the
/// tests use both.
const ALARM: f64 = 0.5;
const NAB_THRESHOLD: f64 = 0.25;

/// xorshift64* uniform in [0, 1).
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng(seed);
    (0..n).map(|_| 100.0 + rng.normal()).collect()
}

fn spec() -> CompiledSpec {
    DetectorConfig::default().feature_spec().compile().unwrap()
}

/// `(ts, value, features before the value)` for every sample, through the
/// production windows.
fn inputs(values: &[f64]) -> Vec<(i64, f64, Vec<f64>)> {
    let spec = spec();
    let mut w = SeriesWindows::new(&spec, false);
    let mut scratch = Vec::new();
    let mut features = vec![f64::NAN; spec.width()];
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let ts = i as i64 * STEP_MS;
            let row = (ts, v, features.clone());
            if w.push(&spec, ts, v).is_ok() {
                w.features_into(&spec, &mut scratch, &mut features);
            }
            row
        })
        .collect()
}

fn scores(values: &[f64]) -> Vec<f64> {
    let points = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as i64 * STEP_MS, v));
    score_series(&DetectorConfig::default(), points).unwrap()
}

fn alarm_share(s: &[f64], threshold: f64) -> f64 {
    s.iter().filter(|&&x| x >= threshold).count() as f64 / s.len() as f64
}

#[test]
fn scores_lie_in_the_unit_interval() {
    let mut rng = Rng(3);
    let mut walk = 0.0;
    let series: Vec<Vec<f64>> = vec![
        noise(3000, 1),
        (0..3000).map(|i| (i as f64 / 40.0).sin() * 1e9).collect(),
        (0..3000)
            .map(|_| if rng.uniform() < 0.01 { 1e6 } else { 0.0 })
            .collect(),
        (0..3000)
            .map(|_| {
                walk += rng.normal();
                walk
            })
            .collect(),
        vec![-5.0; 3000],
    ];
    for s in &series {
        for x in scores(s) {
            assert!((0.0..1.0).contains(&x), "{x}");
        }
    }
    // Non-finite values score 0 and change nothing.
    let spec = spec();
    let mut d = UnivariateDetector::new(DetectorConfig::default(), &spec).unwrap();
    let before = d.clone();
    assert_eq!(d.step(0, f64::NAN, &vec![f64::NAN; spec.width()]), 0.0);
    assert_eq!(d, before);
}

#[test]
fn checkpoint_and_restore_resumes_identically() {
    let mut values = noise(6000, 11);
    values[4000] = 130.0;
    for v in &mut values[5000..] {
        *v += 8.0;
    }
    let rows = inputs(&values);
    let spec = spec();
    let mut straight = UnivariateDetector::new(DetectorConfig::default(), &spec).unwrap();
    let expected: Vec<f64> = rows
        .iter()
        .map(|(t, v, f)| straight.step(*t, *v, f))
        .collect();

    for cut in [0, 1, 150, 2500, 4000] {
        let mut first = UnivariateDetector::new(DetectorConfig::default(), &spec).unwrap();
        let mut got: Vec<f64> = rows[..cut]
            .iter()
            .map(|(t, v, f)| first.step(*t, *v, f))
            .collect();
        let json = serde_json::to_string(&first).unwrap();
        drop(first);
        let mut restored: UnivariateDetector = serde_json::from_str(&json).unwrap();
        got.extend(rows[cut..].iter().map(|(t, v, f)| restored.step(*t, *v, f)));
        let first_diff = got.iter().zip(&expected).position(|(a, b)| a != b);
        assert_eq!(first_diff, None, "cut at {cut}: scores differ");
        assert!(restored == straight, "cut at {cut}: final states differ");
    }
}

#[test]
fn runs_are_deterministic() {
    let mut values = noise(5000, 5);
    values[3000] = 90.0;
    let a = scores(&values);
    let b = scores(&values);
    assert!(a == b, "two runs differ");
    assert!(a.iter().any(|&s| s > 0.0));
}

#[test]
fn a_step_change_is_detected_at_once() {
    let mut values = noise(4000, 21);
    for v in &mut values[3000..] {
        *v += 10.0;
    }
    let s = scores(&values);
    let first = s[3000..3005].iter().cloned().fold(0.0, f64::max);
    assert!(first > 0.9, "step scored {first}");
    let before = s[..3000].iter().cloned().fold(0.0, f64::max);
    assert!(first > before, "step {first} vs background {before}");
}

#[test]
fn a_spike_is_detected_and_a_repeat_is_not_news() {
    let mut values = noise(4000, 31);
    values[2500] = 115.0;
    values[2501] = 115.0;
    let s = scores(&values);
    assert!(s[2500] > 0.9, "spike scored {}", s[2500]);
    assert!(s[2501] < s[2500]);
    // A dip below everything seen is detected too.
    let mut values = noise(4000, 32);
    values[3100] = 85.0;
    assert!(scores(&values)[3100] > 0.9);
}

#[test]
fn a_flat_line_never_alarms() {
    let s = scores(&[42.0; 5000]);
    assert!(s.iter().all(|&x| x == 0.0));
}

#[test]
fn pure_noise_alarms_rarely() {
    for seed in [41, 42, 43] {
        let s = scores(&noise(8000, seed));
        let strict = alarm_share(&s, ALARM);
        let nab = alarm_share(&s, NAB_THRESHOLD);
        assert!(strict < 0.001, "seed {seed}: {strict} of samples ≥ {ALARM}");
        assert!(
            nab < 0.005,
            "seed {seed}: {nab} of samples ≥ {NAB_THRESHOLD}"
        );
    }
}

#[test]
fn a_missing_daily_peak_is_noticed() {
    // A daily square wave (high 08:00–18:00) with small noise, 20 days,
    // then one day whose peak never comes.
    let mut rng = Rng(51);
    let per_day = 288;
    let values: Vec<f64> = (0..per_day * 21)
        .map(|i| {
            let hour = (i % per_day) / 12;
            let day = i / per_day;
            let high = (8..18).contains(&hour) && day != 19;
            (if high { 80.0 } else { 20.0 }) + rng.normal()
        })
        .collect();
    let s = scores(&values);
    let normal_days = s[per_day * 10..per_day * 19]
        .iter()
        .cloned()
        .fold(0.0, f64::max);
    let odd_day = s[per_day * 19..per_day * 20]
        .iter()
        .cloned()
        .fold(0.0, f64::max);
    assert!(
        odd_day > normal_days,
        "odd day {odd_day} vs normal {normal_days}"
    );
    assert!(odd_day >= NAB_THRESHOLD, "odd day {odd_day}");
}

#[test]
fn config_defaults_parse_and_bad_values_are_reported_with_paths() {
    let parsed: DetectorConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(parsed, DetectorConfig::default());
    let json = serde_json::to_string(&DetectorConfig::default()).unwrap();
    assert_eq!(
        serde_json::from_str::<DetectorConfig>(&json).unwrap(),
        parsed
    );
    assert!(serde_json::from_str::<DetectorConfig>(r#"{"nope": 1}"#).is_err());
    assert!(serde_json::from_str::<DetectorConfig>(r#"{"range": {"tolerance": 0}}"#).is_err());

    let mut bad = DetectorConfig::default();
    bad.context.order = 0;
    bad.seasonal.buckets_per_day = 0;
    bad.suppression.ratio = 0.5;
    bad.range.recent_panes = 11;
    let paths: Vec<String> = bad
        .validate()
        .unwrap_err()
        .into_iter()
        .map(|e| match e {
            crate::Error::Config { path, .. } => path,
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(
        paths,
        [
            "range.recent_panes",
            "context.order",
            "seasonal.buckets_per_day",
            "suppression.ratio"
        ]
    );
    assert!(UnivariateDetector::new(bad, &spec()).is_err());
}

#[test]
fn binding_needs_the_recent_window() {
    let other = forewarn_features::FeatureSpec::default_set()
        .compile()
        .unwrap();
    let err = UnivariateDetector::new(DetectorConfig::default(), &other).unwrap_err();
    assert!(err.to_string().contains("recent.min"), "{err}");
}
