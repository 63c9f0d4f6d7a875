//! Tests of [`Presence`](super::Presence): cadences learned, silences
//! found at the same event time whatever the interleaving of the inputs.

use super::*;
use forewarn_core::HumanDuration;

impl Presence {
    fn clock_both(&mut self, ts: i64) {
        self.clock(Input::Metrics, ts);
        self.clock(Input::Logs, ts);
    }
}

fn presence(missed: u32) -> Presence {
    Presence::new(&Silence {
        missed_intervals: missed,
        min_silence: HumanDuration::from_secs(30),
    })
}

/// The services that went silent in this step.
fn silent(p: &mut Presence) -> Vec<Silent> {
    p.advance()
        .into_iter()
        .filter_map(|c| match c {
            Change::Silent { silent, .. } => Some(silent),
            Change::Returned { .. } => None,
        })
        .collect()
}

#[test]
fn a_service_that_stops_is_silent_after_the_stated_intervals() {
    let mut p = presence(5);
    for t in 0..10 {
        p.see_metric("api", t * 10_000);
        p.see_metric("db", t * 10_000);
    }
    // api stops at 90 s; db goes on. 5 × 10 s after 90 s is 140 s: the
    // boundary at 150 s is the first past it, judged once both clocks
    // are beyond it.
    for t in 10..16 {
        p.see_metric("db", t * 10_000);
    }
    assert!(silent(&mut p).is_empty(), "150 s is not yet passed");
    p.see_metric("db", 160_000);
    assert_eq!(
        p.advance(),
        vec![Change::Silent {
            silent: Silent {
                service: "api".into(),
                last_ms: 90_000,
                interval_ms: 10_000
            },
            at_ms: 150_000
        }]
    );
    assert!(p.is_silent("api") && !p.is_silent("db"));
    assert!(p.advance().is_empty(), "raised once");
    p.see_metric("api", 165_000);
    p.see_metric("db", 170_000);
    p.see_metric("db", 180_000);
    assert_eq!(
        p.advance(),
        vec![Change::Returned {
            service: "api".into(),
            at_ms: 170_000
        }],
        "its return resolves it at the first boundary after it"
    );
    assert!(!p.is_silent("api"));
}

/// A service whose metrics and logs both stop, read in four orders:
/// metrics 25 minutes ahead of logs (a consumer ahead on one topic), logs
/// ahead of metrics, every log before the first metric (a consumer that
/// fetched one topic's backlog first), and both in time order. The
/// silence opens and resolves at the same boundaries in all four,
/// including when its data returned before the lagging input reached the
/// silence.
#[test]
fn silences_do_not_depend_on_how_the_inputs_interleave() {
    // "api" reports every minute (metrics at :00, a log line at :20) but
    // not in minutes 31-39; "db" goes on, so both clocks move.
    let mut records = Vec::new();
    for m in 0..60i64 {
        let t = m * 60_000;
        records.push((Input::Metrics, "db", t));
        records.push((Input::Logs, "db", t + 30_000));
        if !(31..40).contains(&m) {
            records.push((Input::Metrics, "api", t));
            records.push((Input::Logs, "api", t + 20_000));
        }
    }
    // `lead`: the input read `by` ms ahead of the other; none: both in
    // time order.
    let run = |lead: Option<Input>, by: i64, expect: bool| {
        let mut order = records.clone();
        order.sort_by_key(|&(input, _, t)| match lead {
            Some(l) if input != l => t + by,
            _ => t,
        });
        let mut p = presence(3);
        if expect {
            p.expect(Input::Metrics);
            p.expect(Input::Logs);
        }
        let mut out = Vec::new();
        for (input, service, t) in order {
            p.clock(input, t);
            out.extend(p.advance());
            match input {
                Input::Metrics => p.see_metric(service, t),
                Input::Logs => p.see_log(service, t),
            }
        }
        p.clock_both(3_700_000);
        out.extend(p.advance());
        out
    };
    let want = vec![
        // Metrics due after 30 min + 3 × 60 s, the log minutes after
        // 30 min + 1 min + 3 × 60 s: both overdue from 2040 s.
        Change::Silent {
            silent: Silent {
                service: "api".into(),
                last_ms: 1_800_000,
                interval_ms: 60_000,
            },
            at_ms: 2_050_000,
        },
        Change::Returned {
            service: "api".into(),
            at_ms: 2_400_000,
        },
    ];
    let minutes = 60_000;
    assert_eq!(
        run(Some(Input::Metrics), 25 * minutes, true),
        want,
        "metrics ahead"
    );
    assert_eq!(
        run(Some(Input::Logs), 25 * minutes, true),
        want,
        "logs ahead"
    );
    assert_eq!(
        run(Some(Input::Logs), 61 * minutes, true),
        want,
        "every log first"
    );
    assert_eq!(run(None, 0, true), want, "in time order");
    // Without waiting for the metrics, the logs alone judge api silent
    // at once, and resolve it only when its metrics arrive.
    assert_ne!(run(Some(Input::Logs), 61 * minutes, false), want);
}

#[test]
fn a_service_seen_too_rarely_to_learn_its_interval_is_never_silent() {
    let mut p = presence(5);
    p.see_metric("once", 0);
    p.see_metric("once", 10_000);
    p.clock_both(86_400_000);
    assert!(silent(&mut p).is_empty());
}

#[test]
fn samples_of_one_tick_across_series_are_one_sample() {
    let mut p = presence(5);
    for t in 0..6 {
        for jitter in [0, 3, 250, 700] {
            p.see_metric("api", t * 60_000 + jitter);
        }
    }
    // Last data at 300.7 s, interval 59.3 s: overdue after 597.2 s, so
    // the boundary at 600 s is the first silent one.
    p.clock_both(600_000);
    assert!(silent(&mut p).is_empty(), "600 s itself not yet passed");
    p.clock_both(600_001);
    assert_eq!(silent(&mut p)[0].interval_ms, 59_300);
}

#[test]
fn bursty_logs_are_judged_by_their_longest_gap() {
    let mut p = presence(5);
    // A burst every 3 minutes, 10 lines each.
    for b in 0..10 {
        for l in 0..10 {
            p.see_log("batch", b * 180_000 + l * 100);
        }
    }
    // Due after last minute + 1 min + 5 × 3 min = 1620 s + 960 s.
    let due = 9 * 180_000 + 60_000 + 5 * 180_000;
    p.clock_both(due);
    assert!(silent(&mut p).is_empty());
    p.clock_both(due + 10_001);
    assert_eq!(silent(&mut p).len(), 1);
}

#[test]
fn zero_missed_intervals_turns_the_check_off() {
    let mut p = presence(0);
    for t in 0..10 {
        p.see_metric("api", t * 10_000);
    }
    p.clock_both(10_000_000);
    assert!(silent(&mut p).is_empty());
}

#[test]
fn the_state_round_trips() {
    let mut p = presence(5);
    for t in 0..10 {
        p.see_metric("api", t * 10_000);
    }
    p.clock_both(100_000);
    assert!(p.advance().is_empty());
    let bytes = serde_json::to_vec(p.state()).unwrap();
    let mut q = presence(5);
    q.restore(serde_json::from_slice(&bytes).unwrap());
    q.clock_both(200_000);
    p.clock_both(200_000);
    let (a, b) = (q.advance(), p.advance());
    assert_eq!(a, b);
    assert_eq!(a.len(), 1, "{a:?}");
}

#[test]
fn a_steady_stream_is_seen_as_it_was_hours_back() {
    let mut s = Stream::default();
    for m in 0..300 {
        s.see(m * 60_000, SAME_TICK_MS);
    }
    assert_eq!(s.runs.len(), 1, "one run for a steady cadence");
    match s.as_of(100 * 60_000 + 30_000) {
        Then::Seen(a) => {
            assert_eq!(a.last_ms, 100 * 60_000);
            assert_eq!(a.count, GAPS);
            assert_eq!(a.median_gap(METRIC_GAPS_LEARNED), Some(60_000));
        }
        _ => panic!("a steady stream is known that far back"),
    }
    match s.as_of(2 * 60_000) {
        Then::Seen(a) => assert_eq!((a.last_ms, a.count), (2 * 60_000, 2)),
        _ => panic!("its start is known"),
    }
    assert!(matches!(s.as_of(-1), Then::Nothing));
    // Gaps that all differ, more than are kept: too far back to tell.
    let mut r = Stream::default();
    let mut t = 0;
    for k in 0..200i64 {
        t += 60_000 + (k % 97) * 1_000;
        r.see(t, SAME_TICK_MS);
    }
    assert!(matches!(r.as_of(50 * 60_000), Then::Unknown));
    assert!(matches!(r.as_of(t), Then::Seen(_)));
}
