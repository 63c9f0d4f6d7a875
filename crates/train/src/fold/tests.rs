//! Tests of the fold: equivalence with `batch::fold` on awkward input,
//! tick semantics and the trend trace.

use forewarn_features::{Feature, FeatureSpec, SeriesKey, batch};

use super::*;

fn ramp(n: i64, every_ms: i64) -> Series {
    let points = (0..n).map(|i| (i * every_ms, i as f64)).collect();
    Series::new(SeriesKey::new("s", "0", "m"), points)
}

/// The obvious version: `batch::fold`, copying the chosen features after
/// every applied sample and walking every tick.
fn reference(
    spec: &CompiledSpec,
    s: &Series,
    p: &SnapshotPlan,
    tp: &TracePlan,
) -> (Snapshots, Trace) {
    let c = p.cadence_ms;
    let from = s.ts[0].max(p.start_ms);
    let mut next = (from + c - 1).div_euclid(c) * c;
    let mut prev: Option<(i64, Vec<f64>)> = None;
    let (mut snaps, mut trace) = (Snapshots::default(), Trace::default());
    let emit = |until: i64,
                incl: bool,
                next: &mut i64,
                prev: &Option<(i64, Vec<f64>)>,
                out: &mut Snapshots| {
        while *next < until || (incl && *next == until) {
            if let Some((t, f)) = prev
                && *next - t <= p.max_stale_ms
                && (*next / c) % p.stride == 0
            {
                out.ticks.push(*next);
                out.values.extend_from_slice(f);
            }
            *next += c;
        }
    };
    let value = std::cell::Cell::new(0.0);
    let points = s.points().inspect(|x| value.set(x.1));
    let mut since = 0usize;
    batch::fold(spec, spec.is_counter(&s.key.metric), points, |ts, f| {
        emit(ts, false, &mut next, &prev, &mut snaps);
        let t = prev.as_ref().map_or(ts, |(t, _)| (*t).max(ts));
        prev = Some((t, p.subset.iter().map(|&i| f[i]).collect()));
        trace.ts.push(ts);
        trace.values.push(value.get());
        if ts - s.ts[0] >= tp.warmup_ms {
            if since.is_multiple_of(tp.eval_every) {
                trace
                    .evals
                    .push((trace.ts.len() - 1, tp.se_index.map_or(f64::NAN, |i| f[i])));
            }
            since += 1;
        }
    });
    if let Some((t, _)) = &prev {
        emit(*t, true, &mut next, &prev, &mut snaps);
    }
    (snaps, trace)
}

#[test]
fn reads_exactly_what_batch_fold_gives_on_awkward_input() {
    let spec = FeatureSpec::default_set().compile().unwrap();
    let subset = ["5m.mean", "5m.p95", "1h.slope", "1m.last"]
        .map(|n| spec.feature_names().iter().position(|f| f == n).unwrap())
        .to_vec();
    let tp = TracePlan {
        se_index: spec.index_of("1h", Feature::SlopeStderr),
        eval_every: 7,
        warmup_ms: 600_000,
    };
    for metric in ["latency_ms", "requests_total"] {
        let mut points = Vec::new();
        let mut counter = 0.0;
        for i in 0..3000i64 {
            let t = i * 10_000 + (i * 7919) % 3000 + if i > 1500 { 1_800_000 } else { 0 };
            counter += (i % 13) as f64;
            if i == 2000 {
                counter = 5.0; // reset
            }
            let v = if metric == "requests_total" {
                counter
            } else {
                ((i % 97) as f64).sqrt()
            };
            points.push((t, if i % 211 == 5 { f64::NAN } else { v }));
            if i % 101 == 0 {
                points.push((t, v)); // exact duplicate
            }
        }
        let s = Series::new(SeriesKey::new("s", "0", metric), points);
        for stride in [1, 3] {
            let plan = SnapshotPlan {
                subset: subset.clone(),
                cadence_ms: 60_000,
                stride,
                start_ms: s.ts[0] + 3_600_000,
                max_stale_ms: 120_000,
            };
            let got = fold_series(&spec, &s, Some(&plan), Some(&tp));
            let (snaps, trace) = reference(&spec, &s, &plan, &tp);
            let same = |a: &[f64], b: &[f64]| {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
            };
            let g = got.snapshots.unwrap();
            assert!(g.ticks.len() > 100, "{metric}");
            assert_eq!(g.ticks, snaps.ticks, "{metric} stride {stride}");
            assert!(same(&g.values, &snaps.values), "{metric} stride {stride}");
            let t = got.trace.unwrap();
            assert_eq!(
                (t.ts.clone(), t.evals.len()),
                (trace.ts.clone(), trace.evals.len())
            );
            assert!(same(&t.values, &trace.values));
            let (a, b): (Vec<f64>, Vec<f64>) = t
                .evals
                .iter()
                .zip(&trace.evals)
                .map(|(x, y)| (x.1, y.1))
                .unzip();
            assert!(same(&a, &b));
            assert!(got.stats.non_finite > 0 && got.stats.duplicates > 0);
        }
    }
}

#[test]
fn snapshots_take_the_features_at_or_before_each_tick() {
    let spec = FeatureSpec::default_set().compile().unwrap();
    let last = spec.index_of("1m", Feature::Last).unwrap();
    let plan = SnapshotPlan {
        subset: vec![last],
        cadence_ms: 60_000,
        stride: 2,
        start_ms: 0,
        max_stale_ms: 120_000,
    };
    // One sample every 25 s for 10 minutes; a gap; then two more.
    let mut s = ramp(25, 25_000);
    s.ts.extend([1_200_000, 1_225_000]);
    s.values.extend([100.0, 101.0]);
    let f = fold_series(&spec, &s, Some(&plan), None).snapshots.unwrap();
    // Ticks at even minutes; at T the last sample ≤ T is floor(T/25 s),
    // until it is over 2 minutes old (780 s onwards).
    assert_eq!(
        f.ticks,
        [
            0, 120_000, 240_000, 360_000, 480_000, 600_000, 720_000, 1_200_000
        ]
    );
    assert_eq!(f.values, [0.0, 4.0, 9.0, 14.0, 19.0, 24.0, 24.0, 100.0]);
}

#[test]
fn trace_keeps_values_and_evaluates_after_warmup() {
    let spec = FeatureSpec::default_set().compile().unwrap();
    let se = spec.index_of("1h", Feature::SlopeStderr);
    let plan = TracePlan {
        se_index: se,
        eval_every: 10,
        warmup_ms: 100_000,
    };
    let mut s = ramp(50, 10_000);
    s.values[3] = f64::NAN; // rejected by the engine
    let t = fold_series(&spec, &s, None, Some(&plan)).trace.unwrap();
    assert_eq!(t.ts.len(), 49);
    assert_eq!(t.values[3], 4.0);
    assert_eq!(
        t.evals.iter().map(|e| t.ts[e.0]).collect::<Vec<_>>(),
        [100_000, 200_000, 300_000, 400_000]
    );
    assert!(
        t.evals.iter().all(|e| e.1 >= 0.0 && e.1 < 1e-9),
        "a ramp fits exactly"
    );
}
