//! Grouping tests: a cascade in onset order is one episode rooted at its
//! deepest service; unrelated services and far-apart times are separate;
//! any arrival order, any partitioning and any watermark schedule give
//! the batch episodes; a checkpoint round-trips.

use forewarn_core::contracts::{IssueKind, Severity};
use forewarn_core::graph::DependencyGraph;
use proptest::prelude::*;

use crate::{Checkpoint, Closer, Correlator, Incident, Options, Watermarks, correlate};
use forewarn_core::contracts::IssueStatus;

const T0: i64 = 1_700_000_000_000;
const MIN: i64 = 60_000;

fn graph() -> DependencyGraph {
    DependencyGraph::new([
        ("gateway", vec!["api".to_string()]),
        ("api", vec!["db".into(), "cache".into()]),
        ("workers", vec!["queue".into()]),
        ("billing", vec![]),
    ])
}

fn inc(id: &str, service: &str, onset_ms: i64) -> Incident {
    Incident {
        id: id.into(),
        service: service.into(),
        kind: "latency_degradation".into(),
        onset_ms,
        observed: false,
        severity: Severity::Warning,
        probability: 0.8,
        horizon_s: 3600.0,
        recommended_action: None,
    }
}

fn chain() -> Vec<Incident> {
    vec![
        inc("i-db", "db", T0),
        inc("i-api", "api", T0 + 5 * MIN),
        inc("i-gw", "gateway", T0 + 9 * MIN),
    ]
}

fn summary(eps: &[crate::Episode]) -> Vec<(String, String, Vec<String>)> {
    eps.iter()
        .map(|e| {
            (
                e.id.clone(),
                e.root_cause_service.clone(),
                e.members.iter().map(|m| m.id.clone()).collect(),
            )
        })
        .collect()
}

#[test]
fn a_chain_degrading_in_onset_order_is_one_episode_rooted_at_the_database() {
    let eps = correlate(&graph(), Options::default(), chain());
    assert_eq!(eps.len(), 1, "{eps:?}");
    let e = &eps[0];
    assert_eq!(e.root_cause_service, "db");
    assert_eq!(e.members.len(), 3);
    assert!(e.is_cascade());
    let issue = e.issue();
    assert_eq!(issue.kind, IssueKind::CascadingFailure);
    assert_eq!(issue.service, "db");
    assert_eq!(issue.root_cause_service.as_deref(), Some("db"));
    assert_eq!(issue.opened_at.timestamp_millis(), T0);
    assert_eq!(issue.evidence.len(), 3);
    let ep = issue.episode.as_ref().unwrap();
    assert_eq!(ep.id, e.id);
    let ids: Vec<&str> = ep.members.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["i-db", "i-api", "i-gw"]);
    // The correlator never takes its own output back in.
    assert!(Incident::from_issue(&issue).is_none());
    // Ids are content hashes: the same members, the same ids.
    let again = correlate(&graph(), Options::default(), chain());
    assert_eq!(again[0].id, e.id);
    assert_eq!(again[0].issue().id, issue.id);
}

#[test]
fn the_root_is_named_even_when_its_callers_open_first_within_the_window() {
    // The callers alarm first (their symptoms show sooner); the db is
    // still the frontier (no anomalous dependency of its own), but the
    // episode starts with the caller, and the db joins it.
    let eps = correlate(
        &graph(),
        Options::default(),
        vec![
            inc("i-api", "api", T0),
            inc("i-db", "db", T0 + 2 * MIN),
            inc("i-gw", "gateway", T0 + 3 * MIN),
        ],
    );
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0].root_cause_service, "db");
}

#[test]
fn unrelated_services_and_far_apart_times_are_separate_episodes() {
    let mut incs = chain();
    incs.push(inc("i-bill", "billing", T0 + MIN));
    incs.push(inc("i-work", "workers", T0 + 2 * MIN));
    incs.push(inc("i-db-later", "db", T0 + 5 * 60 * MIN));
    let eps = correlate(&graph(), Options::default(), incs);
    let s = summary(&eps);
    assert_eq!(eps.len(), 4, "{s:?}");
    let roots: Vec<&str> = eps.iter().map(|e| e.root_cause_service.as_str()).collect();
    assert_eq!(roots, ["db", "billing", "workers", "db"]);
    assert!(!eps[1].is_cascade() && eps[1].members.len() == 1);
    // The shared db is no reason to group callers of different
    // dependencies: cache and db are not related to each other.
    let eps = correlate(
        &graph(),
        Options::default(),
        vec![inc("a", "db", T0), inc("b", "cache", T0 + MIN)],
    );
    assert_eq!(eps.len(), 2);
}

#[test]
fn an_incident_outside_the_window_starts_its_own_episode() {
    let o = Options {
        window_ms: 10 * MIN,
    };
    let eps = correlate(
        &graph(),
        o,
        vec![inc("a", "db", T0), inc("b", "api", T0 + 11 * MIN)],
    );
    assert_eq!(eps.len(), 2);
    assert_eq!(eps[1].root_cause_service, "api");
}

#[test]
fn repeats_are_one_incident() {
    let mut incs = chain();
    incs.extend(chain());
    let eps = correlate(&graph(), Options::default(), incs);
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0].members.len(), 3);
}

#[test]
fn a_root_on_another_partition_that_reports_last_is_still_named() {
    // The callers' partition delivers everything first; the db's partition
    // is slower. Its silence holds the watermark, so the callers wait, and
    // the episode names the db once it arrives.
    let g = graph();
    let mut wm = Watermarks::new(5 * MIN);
    wm.register("p/0");
    wm.register("p/1");
    let mut c = Correlator::new(Options::default());
    let mut out = Vec::new();
    for i in [
        inc("i-api", "api", T0 + 5 * MIN),
        inc("i-gw", "gateway", T0 + 9 * MIN),
        inc("i-api-later", "api", T0 + 3 * 60 * MIN),
    ] {
        wm.observe("p/0", i.onset_ms);
        c.push(&g, i);
        if let Some(w) = wm.current() {
            out.extend(c.advance(&g, w));
        }
    }
    assert!(out.is_empty(), "nothing is decided while p/1 is silent");
    assert_eq!(wm.current(), None);
    wm.observe("p/1", T0);
    c.push(&g, inc("i-db", "db", T0));
    wm.observe("p/1", T0 + 4 * 60 * MIN);
    out.extend(c.advance(&g, wm.current().unwrap()));
    assert_eq!(
        summary(&out).len(),
        1,
        "the cascade is decided; api at 3 h is not yet"
    );
    out.extend(c.finish(&g));
    assert_eq!(c.counts().late, 0);
    let s = summary(&out);
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!(s[0].1, "db");
    assert_eq!(s[0].2, ["i-db", "i-api", "i-gw"]);
    assert_eq!(s[1].1, "api", "the later api incident stands alone");
}

#[test]
fn a_cascade_resolves_when_its_last_member_does() {
    let g = graph();
    let mut c = Correlator::new(Options::default());
    let mut closer = Closer::default();
    for i in chain() {
        closer.track(&i);
        c.push(&g, i);
    }
    // The db clears before the episode is decided, the others after.
    assert!(closer.resolve("i-db", T0 + 20 * MIN).is_none());
    let eps = c.advance(&g, T0 + 40 * MIN);
    assert_eq!(eps.len(), 1);
    assert!(closer.decided(&eps[0]).is_none());
    assert_eq!(closer.open(), 1);
    assert!(closer.resolve("i-gw", T0 + 70 * MIN).is_none());
    assert!(closer.resolve("unknown", T0 + 71 * MIN).is_none());
    let r = closer
        .resolve("i-api", T0 + 60 * MIN)
        .expect("the last member resolved");
    assert_eq!(r.status, IssueStatus::Resolved);
    assert_eq!((r.id.as_str(), r.revision), (eps[0].issue().id.as_str(), 1));
    assert_eq!(r.detected_at.timestamp_millis(), T0 + 70 * MIN);
    assert_eq!(closer.open(), 0);
    assert!(Incident::from_issue(&r).is_none(), "never taken back in");
}

/// A fleet of incidents: several chains and loners over a day.
fn fleet() -> Vec<Incident> {
    let services = [
        "db", "api", "gateway", "cache", "queue", "workers", "billing",
    ];
    (0..40)
        .map(|i| {
            let s = services[(i * 7 + i / 3) % services.len()];
            inc(
                &format!("i{i:02}"),
                s,
                T0 + (i as i64) * 7 * MIN + (i as i64 % 4) * MIN,
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Streaming over any number of partitions, any arrival order and any
    /// watermark schedule (within the allowed lateness) gives the batch
    /// episodes.
    #[test]
    fn any_arrival_order_and_partitioning_gives_the_batch_episodes(
        seed in any::<u64>(),
        partitions in 1usize..6,
        checkpoint_at in 0usize..40,
    ) {
        let g = graph();
        let incs = fleet();
        let batch = summary(&correlate(&g, Options::default(), incs.clone()));
        prop_assert!(batch.iter().any(|b| b.2.len() > 1), "the fleet has episodes to group");
        // Partition by a hash of the service; each partition in onset order
        // (as a scorer emits), interleaved at random.
        let mut parts: Vec<Vec<Incident>> = vec![Vec::new(); partitions];
        for i in &incs {
            let h = i.service.bytes().map(u64::from).sum::<u64>() as usize;
            parts[h % partitions].push(i.clone());
        }
        let lateness = 5 * MIN;
        let mut wm = Watermarks::new(lateness);
        for p in 0..partitions {
            wm.register(&format!("p/{p}"));
        }
        let mut c = Correlator::new(Options::default());
        let mut out = Vec::new();
        let mut cursor = vec![0usize; partitions];
        let mut state = seed;
        let mut delivered = 0;
        loop {
            let live: Vec<usize> = (0..partitions).filter(|p| cursor[*p] < parts[*p].len()).collect();
            if live.is_empty() {
                break;
            }
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let p = live[(state >> 33) as usize % live.len()];
            let i = parts[p][cursor[p]].clone();
            cursor[p] += 1;
            wm.observe(&format!("p/{p}"), i.onset_ms);
            c.push(&g, i);
            if cursor[p] == parts[p].len() {
                wm.set_idle(&format!("p/{p}"), true);
            }
            if let Some(w) = wm.current() {
                out.extend(c.advance(&g, w));
            }
            delivered += 1;
            if delivered == checkpoint_at {
                // Save and restore mid-stream: the same result.
                let cp = Checkpoint {
                    offsets: Default::default(),
                    watermarks: wm.clone(),
                    correlator: c.clone(),
                    closer: Default::default(),
                };
                let back: Checkpoint = serde_json::from_str(&serde_json::to_string(&cp).unwrap()).unwrap();
                prop_assert_eq!(&back, &cp);
                c = back.correlator;
                wm = back.watermarks;
            }
        }
        out.extend(c.finish(&g));
        prop_assert_eq!(c.counts().late, 0);
        prop_assert_eq!(summary(&out), batch);
    }
}

/// The chain delivered at real-time speed on two partitions (wall clock:
/// start + onset - T0), then nothing: event time moves on with the wall
/// clock once both are quiet, so the last episode is decided at first
/// onset + window + lateness (wall), as the batch run decides it; what
/// arrives after with an onset behind the watermark is late.
#[test]
fn the_last_episode_is_decided_when_every_partition_is_quiet() {
    use std::time::{Duration, Instant};

    use crate::Silence;

    let g = graph();
    let lateness = 10 * MIN;
    let (mut c, mut wm) = (
        Correlator::new(Options::default()),
        Watermarks::new(lateness),
    );
    let mut silence = Silence::new(Duration::from_secs(10));
    let start = Instant::now();
    let at = |wall_ms: i64| start + Duration::from_millis(wall_ms as u64);
    wm.register("p/0");
    wm.register("p/1");
    let mut out = Vec::new();
    for (i, p) in chain().into_iter().zip(["p/0", "p/1", "p/0"]) {
        let wall = i.onset_ms - T0;
        silence.heard(p, at(wall));
        wm.observe(p, i.onset_ms);
        c.push(&g, i);
        if let Some(w) = silence.watermark(&mut wm, at(wall)) {
            out.extend(c.advance(&g, w));
        }
    }
    // The last record at 9 min; the episode (first onset 0, window 30
    // min) is decided once newest (9) + silence - lateness (10) >= 30.
    let mut step = |wall: i64| {
        let w = silence.watermark(&mut wm, at(wall)).unwrap();
        c.advance(&g, w)
    };
    assert!(step(9 * MIN + 9_000).is_empty(), "p/0 not idle yet");
    assert!(step(20 * MIN).is_empty());
    assert!(step(40 * MIN - 1_000).is_empty(), "one second early");
    out.extend(step(40 * MIN));
    assert_eq!(
        summary(&out),
        summary(&correlate(&g, Options::default(), chain())),
        "decided without a later event, as in the batch run"
    );
    assert_eq!(c.pending(), 0);
    assert_eq!(c.counts().late, 0);
    // An incident arriving now with an earlier onset is late.
    silence.heard("p/1", at(40 * MIN + 1_000));
    wm.observe("p/1", T0 + 20 * MIN);
    c.push(&g, inc("i-cache", "cache", T0 + 20 * MIN));
    assert_eq!(c.counts().late, 1);
    // While a partition delivers, event time is the clocks' again.
    let w = silence.watermark(&mut wm, at(40 * MIN + 2_000)).unwrap();
    assert_eq!(w, T0 + 30 * MIN, "held where it was, never back");
}
