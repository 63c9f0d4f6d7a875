//! A known sequence of events (tests/data/known-*.jsonl, time 0 is
//! 2023-11-14T22:13:20Z, epoch 1_700_000_000 s) folded into the ledger
//! gives exactly the figures computed by hand below; and the same events
//! in any order, fed at once or one by one, give the same report.
//!
//! The sequence, in seconds from time 0 (report range [0, 10000)):
//!
//! | t     | service | event |
//! |-------|---------|-------|
//! | 0     | api, db | health_up 1 (first seen) |
//! | 1000  | api | P1 memory_exhaustion opens, horizon 3600 s, failure predicted at 1600 (window to 4600) |
//! | 1100  | api | restart for P1 skipped: shadow mode |
//! | 1300  | api | P1 revision 1 (p 0.95) |
//! | 1600  | api | crashed: incident I1 starts (P1 preceded it: lead 600 s, detected ahead: TTD 0) |
//! | 1610  | api | forewarn watch restarted it |
//! | 1900  | api | recovered: I1 ends, TTR 300 s, automatic (a watch restart) |
//! | 3000  | api | P2 disk_exhaustion opens, horizon 1800 s (window to 4800) |
//! | 3100  | api | audit log: restart for P2 started, finished (succeeded); 3400 verified (cleared) |
//! | 4800  |     | P2's window ends with no failure: outage prevented |
//! | 5000  | api | P3 cpu_saturation opens, horizon 600 s; no action; 5600 window over: false alarm |
//! | 6000  | api | health_up 0: incident I2 starts |
//! | 6060  | api | P4 service_down (observed): I2 detected, TTD 60 s |
//! | 6600  | api | health_up 1: I2 ends, TTR 600 s, not automatic (no restart, no action) |
//! | 8000  | api | oom_killed: incident I3 starts, still open at 10000 |
//! | 9000  | db  | P6 queue_backlog opens, horizon 3600 s: pending at 10000 |
//! | 9100  | db  | scale for P6 skipped: cooldown |
//! | 9500  | api | P5 latency_degradation opens during I3: during outage, I3 detected, TTD 1500 s |
//! | 10500 | api | recovered (after the range: ignored) |
//!
//! And api's latency (threshold 500 ms) and error-rate (0.05) samples of
//! api-0, at most 180 s each (3 x the pipeline's 60 s expected interval):
//! latency 100 at 0, 900 at 60, 100 at 120; error rate 0.01 at 0 and 60;
//! a cpu sample at 0 (not a role's: ignored).

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_ledger::{Entry, Ledger, LedgerOptions, PredictionClass, Report, Status};

const EVENTS: &str = include_str!("data/known-events.jsonl");
const AUDIT: &str = include_str!("data/known-audit.jsonl");
const PIPELINE: &str = include_str!("data/known-pipeline.yaml");

fn t(s: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(1_700_000_000 + s)
}

fn entries() -> Vec<Entry> {
    EVENTS
        .lines()
        .chain(AUDIT.lines())
        .map(|l| Entry::from_json(l).expect(l))
        .collect()
}

fn options() -> LedgerOptions {
    let pipeline = forewarn_config::load_str(PIPELINE).expect("the test pipeline is valid");
    LedgerOptions {
        count_from: Some(t(0)),
        until: Some(t(10_000)),
        ..LedgerOptions::from_pipeline(&pipeline)
    }
}

fn report_of(entries: Vec<Entry>) -> Report {
    Ledger::replay(options(), entries).report(t(0), t(10_000), &[])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn figures_are_the_hand_computed_ones() {
    let r = report_of(entries());
    assert_eq!(
        r.intake.out_of_range, 1,
        "the recovery at 10500 is after the range"
    );
    let api = r.services.iter().find(|s| s.service == "api").unwrap();
    let f = &api.figures;
    // Observed 0..10000 = 10000 s; down I1 300 + I2 600 + I3 (8000..10000) 2000 = 2900 s.
    assert_eq!(f.observed_s, 10_000.0);
    assert_eq!(f.down_s, 2_900.0);
    assert!(close(f.uptime.unwrap(), 0.71), "{:?}", f.uptime); // 1 - 2900/10000
    assert_eq!((f.incidents, f.incidents_open), (3, 1));
    // Predicted ahead: I1 only, lead 1600 - 1000 = 600 s.
    assert_eq!(f.predicted_ahead, 1);
    assert_eq!(f.lead_time_s.mean, Some(600.0));
    // MTTD = (0 + 60 + 1500) / 3 = 520 s.
    assert_eq!((f.detected, f.undetected), (3, 0));
    assert!(close(f.time_to_detect_s.mean.unwrap(), 520.0));
    // MTTR = (300 + 600) / 2 = 450 s; median of {300, 600} = 450.
    assert_eq!(f.time_to_recover_s.count, 2);
    assert_eq!(f.time_to_recover_s.mean, Some(450.0));
    assert_eq!(f.time_to_recover_s.median, Some(450.0));
    assert_eq!(f.time_to_recover_s.max, Some(600.0));
    // Histogram: 300 s in "≤ 5 min", 600 s in "≤ 15 min".
    let hist: Vec<u64> = f.recovery_histogram.iter().map(|b| b.count).collect();
    assert_eq!(hist, vec![0, 1, 1, 0, 0, 0, 0]);
    // Recovered automatically: I1 (watch restart), not I2: 1 of 2.
    assert_eq!(f.recovered_automatically, 1);
    assert_eq!(f.recovered_automatically_share, Some(0.5));
    // Predictions: P1 ahead, P2 prevented, P3 false alarm, P5 during
    // the outage (P4 is observed, not a prediction).
    assert_eq!(f.predictions, 4);
    assert_eq!(
        (
            f.outages_prevented,
            f.false_alarms,
            f.pending,
            f.during_outage,
            f.not_confirmed
        ),
        (1, 1, 0, 1, 0)
    );
    // Actions: P2's restart taken and succeeded; P1's skipped (shadow mode).
    assert_eq!(
        (f.actions.taken, f.actions.succeeded, f.actions.failed),
        (1, 1, 0)
    );
    assert_eq!(f.actions.skipped, 1);
    assert_eq!(f.actions.skipped_by_reason.get("shadow mode"), Some(&1));
    // The evidence of the prevented outage.
    assert_eq!(api.prevented.len(), 1);
    let p = &api.prevented[0];
    assert_eq!(p.issue_id, "2".repeat(32));
    assert_eq!(p.window_end, t(4800));
    assert_eq!(p.actions.len(), 1);
    assert_eq!(p.actions[0].verified, Some(true));
    let classes: Vec<PredictionClass> = api.predictions.iter().map(|p| p.class).collect();
    assert_eq!(
        classes,
        vec![
            PredictionClass::PredictedAhead,
            PredictionClass::OutagePrevented,
            PredictionClass::FalseAlarm,
            PredictionClass::Observed,
            PredictionClass::DuringOutage,
        ]
    );
    assert_eq!(
        api.incidents[0].recovery_actions,
        vec!["forewarn watch restarted it"]
    );
    assert_eq!(api.incidents[1].cause, "health_down");
    assert_eq!(api.incidents[2].cause, "oom_killed");
}

#[test]
fn slo_budget_and_burn_rates_are_the_hand_computed_ones() {
    let r = report_of(entries());
    let api = r.services.iter().find(|s| s.service == "api").unwrap();
    let slo = &api.slos[0];
    // api: 90 % over 1 day. Observed 10000 s of the day, 2900 down:
    // SLI 0.71; budget 0.1 x 86400 = 8640 s; consumed (1 - 0.71) x 86400
    // = 25056 s; left 8640 - 25056 = -16416 s, ratio -16416/8640 = -1.9.
    assert_eq!(slo.objective, 0.9);
    assert_eq!(slo.period_s, 86_400.0);
    assert!(close(slo.sli.unwrap(), 0.71));
    assert!(close(slo.budget_total_s, 8_640.0));
    assert!(close(slo.budget_consumed_s, 25_056.0));
    assert!(close(slo.budget_left_s, -16_416.0));
    assert!(close(slo.budget_left_ratio, -1.9));
    // Windows scaled by 1d/30d: 1h/5m -> 120 s/10 s, 6h/30m -> 720 s/60 s,
    // 1d/2h -> 2880 s/240 s, 3d/6h -> 8640 s/720 s. I3 is down from 8000
    // to the end (10000), so every window up to 2000 s is all down: burn
    // (1 - 0)/0.1 = 10. 2880 s: 2000 down, burn (2000/2880)/0.1 =
    // 6.944...; 8640 s ([1360, 10000)): 300 + 600 + 2000 = 2900 down,
    // burn (2900/8640)/0.1 = 3.356...
    let w: Vec<(f64, f64)> = slo
        .burn_rates
        .iter()
        .map(|b| (b.long_s, b.short_s))
        .collect();
    assert_eq!(
        w,
        vec![
            (120.0, 10.0),
            (720.0, 60.0),
            (2880.0, 240.0),
            (8640.0, 720.0)
        ]
    );
    let rates: Vec<(f64, f64)> = slo
        .burn_rates
        .iter()
        .map(|b| (b.long_rate.unwrap(), b.short_rate.unwrap()))
        .collect();
    let want = [
        (10.0, 10.0),
        (10.0, 10.0),
        (2000.0 / 2880.0 / 0.1, 10.0),
        (2900.0 / 8640.0 / 0.1, 10.0),
    ];
    for (got, want) in rates.iter().zip(want) {
        assert!(
            close(got.0, want.0) && close(got.1, want.1),
            "{got:?} != {want:?}"
        );
    }
    // Factors 14.4, 6, 3, 1: the first pair (10 < 14.4) does not fire.
    let firing: Vec<bool> = slo.burn_rates.iter().map(|b| b.firing).collect();
    assert_eq!(firing, vec![false, true, true, true]);
    assert!(close(slo.fastest_burn_rate.unwrap(), 10.0));
    // Latency: [0,60) good, [60,120) bad, [120,300) good (capped at
    // 180 s): measured 300 s, bad 60 s, SLI 1 - 60/300 = 0.8; objective
    // 0.99 (default) over 1 day: budget 0.01 x 86400 = 864 s, consumed
    // 0.2 x 86400 = 17280 s, left -16416 s. Error rate: [0,60) and
    // [60,240) good: SLI 1, budget untouched.
    let names: Vec<&str> = api.slos.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["availability", "latency", "error_rate"]);
    let latency = &api.slos[1];
    assert_eq!((latency.observed_s, latency.down_s), (300.0, 60.0));
    assert!(close(latency.sli.unwrap(), 0.8));
    assert!(close(latency.budget_left_s, 864.0 - 17_280.0));
    assert_eq!(api.slos[2].sli, Some(1.0));
    assert_eq!(api.slos[2].budget_left_ratio, 1.0);
    assert_eq!(r.intake.other_metrics, 1);
    // db: default 99.9 % over 30 days, never down: budget untouched.
    let db = r.services.iter().find(|s| s.service == "db").unwrap();
    assert_eq!(db.slos[0].objective, 0.999);
    assert_eq!(db.slos[0].budget_left_ratio, 1.0);
    assert_eq!(db.figures.pending, 1);
    assert_eq!(
        db.figures.actions.skipped_by_reason.get("cooldown"),
        Some(&1)
    );
    // The fleet: 2900 down of 20000 observed.
    assert!(close(r.fleet.uptime.unwrap(), 0.855));
    assert_eq!((r.fleet.incidents, r.fleet.predictions), (3, 5));
    assert_eq!(r.fleet.actions.skipped, 2);
}

#[test]
fn the_snapshot_shows_status_countdowns_and_plain_incidents() {
    let ledger = Ledger::replay(options(), entries());
    let s = ledger.snapshot(t(9_990));
    let api = s.services.iter().find(|s| s.service == "api").unwrap();
    assert_eq!(api.status, Status::Down);
    assert_eq!(api.down_since, Some(t(8000)));
    let ids: Vec<&str> = api.open_issues.iter().map(|i| &i.id[..1]).collect();
    assert_eq!(ids, vec!["4", "5"], "P4 (observed) and P5 open");
    assert_eq!(api.recent_incidents.len(), 3);
    assert_eq!(
        api.recent_incidents[1].summary,
        "Unavailable for 10 min (its health check failed). Recovered."
    );
    assert_eq!(
        api.recent_incidents[2].summary,
        "Unavailable for 5 min (the process crashed). Recovered automatically."
    );
    let db = s.services.iter().find(|s| s.service == "db").unwrap();
    assert_eq!(db.status, Status::Degraded, "P6 is open");
    // P6 has no predicted failure time: no countdown.
    assert_eq!(db.open_issues[0].countdown_s, None);
    // P1's countdown, seen at 1500: failure predicted at 1650 (rev 1).
    let early = ledger.snapshot(t(1500));
    let api = early.services.iter().find(|s| s.service == "api").unwrap();
    assert_eq!(api.open_issues[0].countdown_s, Some(150.0));
}

/// A small deterministic shuffle (no RNG dependency): xorshift.
fn shuffle<T>(v: &mut [T], mut seed: u64) {
    for i in (1..v.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

#[test]
fn any_order_and_replays_give_the_same_report() {
    let want = serde_json::to_string(&report_of(entries())).unwrap();
    for seed in [1, 7, 42, 1234] {
        let mut e = entries();
        shuffle(&mut e, seed);
        // Deliveries twice over change nothing either.
        let again: Vec<Entry> = e.iter().take(5).cloned().collect();
        e.extend(again);
        let r = report_of(e);
        let mut got = serde_json::to_value(&r).unwrap();
        // The five copies are dropped as duplicates, or as out of range
        // for a copy of the event after the range, or as another metric
        // for a copy of the cpu sample (the originals of those two are
        // dropped too).
        let dropped = got["intake"]["duplicates"].as_u64().unwrap()
            + got["intake"]["out_of_range"].as_u64().unwrap()
            + got["intake"]["other_metrics"].as_u64().unwrap();
        assert_eq!(dropped, 5 + 1 + 1, "seed {seed}");
        got["intake"] = serde_json::Value::Null;
        let mut want_v: serde_json::Value = serde_json::from_str(&want).unwrap();
        want_v["intake"] = serde_json::Value::Null;
        assert_eq!(got, want_v, "seed {seed}");
    }
    // Replaying twice: byte-identical JSON.
    assert_eq!(serde_json::to_string(&report_of(entries())).unwrap(), want);
}

#[test]
fn applied_one_by_one_out_of_order_equals_replayed() {
    let replayed = Ledger::replay(options(), entries());
    // Arrival order: sorted by time, but every pair of neighbours swapped
    // (within the reorder buffer's 5 minutes of event time, as a
    // consumer of several partitions sees them).
    let mut e = entries();
    e.sort_by_key(|x| x.ts());
    for pair in e.chunks_mut(2) {
        pair.reverse();
    }
    let mut live = Ledger::new(options());
    for x in e {
        live.apply(x);
    }
    for at in [t(1500), t(5000), t(9990)] {
        assert_eq!(
            serde_json::to_value(live.snapshot(at)).unwrap(),
            serde_json::to_value(replayed.snapshot(at)).unwrap()
        );
    }
    assert_eq!(
        serde_json::to_value(live.report(t(0), t(10_000), &[]).fleet).unwrap(),
        serde_json::to_value(replayed.report(t(0), t(10_000), &[]).fleet).unwrap()
    );
}
