//! Latency and error-rate SLIs (time slices) from a known sequence of
//! samples, computed by hand below: SLI, error budget and burn rates;
//! and the same samples in any order, replayed or applied one by one,
//! give the same report and snapshots.
//!
//! Pipeline: `web` has `latency_p99_ms: 500` (objective 0.9) and
//! `error_rate: 0.05` (objective 0.8) over 1 day; `features.expected_interval`
//! is 60 s, so a sample covers at most 180 s. Time 0 is epoch
//! 1_700_000_000 s; the report range is [0, 3100).

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::MetricSample;
use forewarn_ledger::{Entry, Ledger, LedgerOptions, Report, SloStatus};

const PIPELINE: &str = r#"
version: 1
sources:
  metrics: { topic: sli.metrics, format: json }
sinks:
  predictions: sli.predictions
features:
  windows:
    - { name: 5m, length: 5m, panes: 5 }
  features: [mean]
  expected_interval: 60s
roles:
  latency_p99: p99_ms
  error_rate: failed_share
services:
  web:
    slo: { latency_p99_ms: 500, latency_objective: 0.9, error_rate: 0.05, error_rate_objective: 0.8, period: 1d }
  db:
    depends_on: []
"#;

fn t(s: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(1_700_000_000 + s)
}

fn sample(metric: &str, instance: &str, at: i64, value: f64) -> Entry {
    Entry::Sample(MetricSample {
        schema_version: 1,
        ts: t(at),
        service: "web".into(),
        instance: instance.into(),
        metric: metric.into(),
        value,
        labels: Default::default(),
    })
}

fn entries() -> Vec<Entry> {
    let mut e = Vec::new();
    // Latency (threshold 500 ms), slices capped at 180 s:
    // web-0: [0,60) good, [60,120) good, [120,180) bad, [180,240) bad,
    //   [240,420) good (capped: the next sample is at 1000), [1000,1060)
    //   good, [1060,1240) bad (capped), [3000,3100) bad (open, cut at the
    //   range end): measured 760, bad 60+60+180+100 = 400.
    // web-1: [0,60) bad, [60,240) good (open, capped): measured 240, bad 60.
    for (at, v) in [
        (0, 100.0),
        (60, 200.0),
        (120, 900.0),
        (180, 800.0),
        (240, 100.0),
        (1000, 100.0),
        (1060, 700.0),
        (3000, 900.0),
    ] {
        e.push(sample("p99_ms", "web-0", at, v));
    }
    for (at, v) in [(0, 600.0), (60, 100.0)] {
        e.push(sample("p99_ms", "web-1", at, v));
    }
    // Error rate (threshold 0.05; equal is within):
    // web-0: [0,60) good, [60,120) good (0.05), [120,180) bad,
    //   [180,240) good, [240,420) good (capped), [2950,3100) bad (open):
    //   measured 570, bad 60+150 = 210.
    // web-1: [30,90) bad, [90,270) good (open, capped): measured 240, bad 60.
    for (at, v) in [
        (0, 0.01),
        (60, 0.05),
        (120, 0.2),
        (180, 0.01),
        (240, 0.01),
        (2950, 0.3),
    ] {
        e.push(sample("failed_share", "web-0", at, v));
    }
    for (at, v) in [(30, 0.5), (90, 0.0)] {
        e.push(sample("failed_share", "web-1", at, v));
    }
    // Another metric: ignored.
    e.push(sample("cpu_utilization", "web-0", 100, 0.5));
    e
}

fn options() -> LedgerOptions {
    let pipeline = forewarn_config::load_str(PIPELINE).expect("the test pipeline is valid");
    LedgerOptions {
        count_from: Some(t(0)),
        until: Some(t(3100)),
        ..LedgerOptions::from_pipeline(&pipeline)
    }
}

fn report_of(entries: Vec<Entry>) -> Report {
    Ledger::replay(options(), entries).report(t(0), t(3100), &[])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn slo<'a>(r: &'a Report, service: &str, name: &str) -> &'a SloStatus {
    let s = r.services.iter().find(|s| s.service == service).unwrap();
    s.slos.iter().find(|s| s.name == name).unwrap()
}

fn rates(s: &SloStatus) -> Vec<(f64, f64)> {
    s.burn_rates
        .iter()
        .map(|b| (b.long_rate.unwrap(), b.short_rate.unwrap()))
        .collect()
}

fn assert_rates(s: &SloStatus, want: [(f64, f64); 4]) {
    let got = rates(s);
    for (g, w) in got.iter().zip(want) {
        assert!(close(g.0, w.0) && close(g.1, w.1), "{got:?} != {want:?}");
    }
}

#[test]
fn latency_sli_budget_and_burn_rates_are_the_hand_computed_ones() {
    let r = report_of(entries());
    assert_eq!(r.intake.other_metrics, 1);
    let web = r.services.iter().find(|s| s.service == "web").unwrap();
    let names: Vec<&str> = web.slos.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["availability", "latency", "error_rate"]);
    let names: Vec<&str> = web.burn_down.iter().map(|b| b.slo.as_str()).collect();
    assert_eq!(names, ["availability", "latency", "error_rate"]);
    let s = slo(&r, "web", "latency");
    assert_eq!(s.threshold, Some(500.0));
    assert_eq!((s.objective, s.period_s), (0.9, 86_400.0));
    // Measured 760 + 240 = 1000 s, bad 400 + 60 = 460 s: SLI 0.54.
    assert_eq!((s.observed_s, s.down_s), (1000.0, 460.0));
    assert!(close(s.sli.unwrap(), 0.54));
    // Budget 0.1 x 86400 = 8640 s; consumed 0.46 x 86400 = 39744 s; left
    // 8640 - 39744 = -31104 s, ratio -31104 / 8640 = -3.6.
    assert!(close(s.budget_total_s, 8_640.0));
    assert!(close(s.budget_consumed_s, 39_744.0));
    assert!(close(s.budget_left_s, -31_104.0));
    assert!(close(s.budget_left_ratio, -3.6));
    // Windows scaled by 1d/30d: 120/10, 720/60, 2880/240, 8640/720 s,
    // ending at 3100. Every window up to 720 s holds only web-0's open
    // bad slice [3000, 3100): burn (1 - 0) / 0.1 = 10. 2880 s ([220,
    // 3100)): web-0 [220,240) bad 20, [240,420) good 180, [1000,1060) good
    // 60, [1060,1240) bad 180, [3000,3100) bad 100; web-1 [220,240) good
    // 20: bad 300 of 560, burn (300/560)/0.1 = 5.357...; 8640 s: all,
    // burn 0.46/0.1 = 4.6.
    assert_rates(
        s,
        [
            (10.0, 10.0),
            (10.0, 10.0),
            (300.0 / 560.0 / 0.1, 10.0),
            (0.46 / 0.1, 10.0),
        ],
    );
    // Factors 14.4, 6, 3, 1: all but the first pair fire.
    let firing: Vec<bool> = s.burn_rates.iter().map(|b| b.firing).collect();
    assert_eq!(firing, vec![false, true, true, true]);
    assert_eq!(s.alerts.len(), 3);
    assert!(close(s.fastest_burn_rate.unwrap(), 10.0));
    // db has no thresholds: availability only.
    let db = r.services.iter().find(|s| s.service == "db");
    assert!(db.is_none_or(|db| db.slos.len() == 1));
}

#[test]
fn error_rate_sli_budget_and_burn_rates_are_the_hand_computed_ones() {
    let r = report_of(entries());
    let s = slo(&r, "web", "error_rate");
    assert_eq!(s.threshold, Some(0.05));
    assert_eq!(s.objective, 0.8);
    // Measured 570 + 240 = 810 s, bad 210 + 60 = 270 s: SLI 2/3.
    assert_eq!((s.observed_s, s.down_s), (810.0, 270.0));
    assert!(close(s.sli.unwrap(), 2.0 / 3.0));
    // Budget 0.2 x 86400 = 17280 s; consumed 1/3 x 86400 = 28800 s; left
    // -11520 s, ratio -2/3.
    assert!(close(s.budget_total_s, 17_280.0));
    assert!(close(s.budget_consumed_s, 28_800.0));
    assert!(close(s.budget_left_s, -11_520.0));
    assert!(close(s.budget_left_ratio, -2.0 / 3.0));
    // Up to 720 s back from 3100 only web-0's bad [2950, 3100) is
    // measured: burn 1/0.2 = 5. 2880 s ([220, 3100)): web-0 [220,240)
    // good 20, [240,420) good 180, [2950,3100) bad 150; web-1 [220,270)
    // good 50: bad 150 of 400, burn (150/400)/0.2 = 1.875. 8640 s: all,
    // (270/810)/0.2 = 5/3.
    assert_rates(s, [(5.0, 5.0), (5.0, 5.0), (1.875, 5.0), (5.0 / 3.0, 5.0)]);
    let firing: Vec<bool> = s.burn_rates.iter().map(|b| b.firing).collect();
    assert_eq!(firing, vec![false, false, false, true]);
    assert!(close(s.fastest_burn_rate.unwrap(), 5.0));
    // The Markdown and HTML list one row per SLO.
    for text in [r.markdown(), r.html()] {
        assert!(text.contains("latency ≤ 500 ms"), "{text}");
        assert!(text.contains("error_rate ≤ 0.05"), "{text}");
    }
}

fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[test]
fn any_order_replayed_or_applied_gives_the_same_slis() {
    let want = serde_json::to_string(&report_of(entries())).unwrap();
    for seed in [3, 11, 99] {
        let mut e = entries();
        shuffle(&mut e, seed);
        assert_eq!(
            serde_json::to_string(&report_of(e)).unwrap(),
            want,
            "seed {seed}"
        );
    }
    assert_eq!(serde_json::to_string(&report_of(entries())).unwrap(), want);
    // Applied one by one, neighbours swapped (within the reorder buffer).
    let replayed = Ledger::replay(options(), entries());
    let mut e = entries();
    e.sort_by_key(|x| x.ts());
    for pair in e.chunks_mut(2) {
        pair.reverse();
    }
    let mut live = Ledger::new(options());
    for x in e {
        live.apply(x);
    }
    for at in [t(150), t(1100), t(3099)] {
        let (a, b) = (live.snapshot(at), replayed.snapshot(at));
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::to_value(&b).unwrap()
        );
    }
    let snap = replayed.snapshot(t(3099));
    let web = snap.services.iter().find(|s| s.service == "web").unwrap();
    assert_eq!(web.slos.len(), 3);
}
