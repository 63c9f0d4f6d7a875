//! The labels agree with the data: every incident's signal stays below its
//! threshold from onset until the labelled failure time and reaches it
//! exactly then; memory reaches its limit at the OOM time and the instance
//! restarts; pools saturate; cascades start at the root cause; nothing
//! outside a labelled incident crosses any failure threshold; traps hold
//! no failure; logs shift during incidents.

mod common;

use common::{Run, two_day_fleet};
use forewarn_core::HumanDuration;
use forewarn_core::contracts::LogLevel;
use forewarn_sim::{IncidentKind, Metric, SimConfig, TrapKind};
use proptest::prelude::*;

fn runs() -> Vec<Run> {
    [11, 12, 13]
        .iter()
        .map(|&s| Run::new(&two_day_fleet(s)))
        .collect()
}

/// Every incident's signal stays below its threshold from onset until the
/// failure step, reaches it exactly then, and really climbs before.
fn check_signals_cross_at_failure(run: &Run) {
    for inc in &run.labels.incidents {
        let (on, fail) = (run.step(inc.onset), run.step(inc.failure));
        assert!(on < fail && inc.failure < inc.recovery, "{}", inc.id);
        assert_eq!(inc.signal.metric, inc.kind.signal());
        for inst in run.instances_of(&inc.service, &inc.instance) {
            let v = run.get(&inc.service, &inst, inc.signal.metric.name());
            let t = inc.signal.threshold;
            assert!(
                v[fail] >= t,
                "{} {inst}: {} < {t} at failure",
                inc.id,
                v[fail]
            );
            if let Some(k) = (on..fail).find(|&k| v[k] >= t) {
                panic!(
                    "{} {inst}: {} >= {t} at step {k}, before failure {fail}",
                    inc.id, v[k]
                );
            }
            let (early, late) = (v[on.saturating_sub(1)], v[fail - 1]);
            assert!(
                late > early,
                "{} {inst}: no climb ({early} -> {late})",
                inc.id
            );
        }
    }
}

#[test]
fn every_kind_is_present_and_signals_cross_exactly_at_the_failure_time() {
    for run in runs() {
        for kind in IncidentKind::ALL {
            assert!(
                run.labels.incidents.iter().any(|i| i.kind == kind),
                "seed {}: no {kind}",
                run.labels.seed
            );
        }
        check_signals_cross_at_failure(&run);
    }
}

#[test]
fn memory_reaches_the_limit_at_the_oom_time_then_the_instance_restarts() {
    for run in runs() {
        for inc in run
            .labels
            .incidents
            .iter()
            .filter(|i| i.kind == IncidentKind::MemoryLeak)
        {
            let inst = inc.instance.clone().expect("a leak hits one instance");
            let rss = run.get(&inc.service, &inst, "memory_rss_bytes");
            let limit = run.get(&inc.service, &inst, "memory_limit_bytes");
            let f = run.step(inc.failure);
            assert_eq!(rss[f], limit[f], "{}", inc.id);
            assert!(rss[f - 1] < limit[f - 1]);
            assert!(
                rss[f + 1] < 0.7 * limit[f + 1],
                "{}: no restart after OOM",
                inc.id
            );
            let oom = run.logs.iter().any(|l| {
                l.instance == inst
                    && l.message.contains("OOMKilled")
                    && l.ts >= inc.failure
                    && l.ts < inc.recovery
            });
            assert!(oom, "{}: no OOM log line", inc.id);
        }
    }
}

#[test]
fn pools_really_saturate_and_disks_really_fill() {
    for run in runs() {
        for inc in &run.labels.incidents {
            let f = run.step(inc.failure);
            let (used, cap) = match inc.kind {
                IncidentKind::PoolExhaustion => ("connections_open", "connections_max"),
                IncidentKind::DiskFill => ("disk_used_bytes", "disk_capacity_bytes"),
                _ => continue,
            };
            for inst in run.instances_of(&inc.service, &inc.instance) {
                let (u, c) = (
                    run.get(&inc.service, &inst, used),
                    run.get(&inc.service, &inst, cap),
                );
                assert_eq!(u[f], c[f], "{}", inc.id);
                // Saturated until recovery.
                for k in f..run.step(inc.recovery) {
                    assert_eq!(u[k], c[k], "{} step {k}", inc.id);
                }
            }
        }
    }
}

#[test]
fn cascades_start_at_the_root_cause_and_spread_upstream() {
    let mut seen = 0;
    for run in runs() {
        let roots = run.labels.incidents.iter().filter(|i| {
            i.kind == IncidentKind::CascadingFailure && i.service == i.root_cause_service
        });
        for root in roots {
            seen += 1;
            assert_eq!(root.cascade_id.as_deref(), Some(root.id.as_str()));
            let members: Vec<_> = run
                .labels
                .incidents
                .iter()
                .filter(|i| i.cascade_id == root.cascade_id && i.id != root.id)
                .collect();
            assert!(
                !members.is_empty(),
                "{}: cascade reaches no caller",
                root.id
            );
            let mut chain = vec![root.service.clone()];
            for up in members {
                assert_eq!(up.root_cause_service, root.service);
                assert!(up.onset > root.onset, "{}: onset before the root's", up.id);
                assert!(
                    up.failure >= root.failure,
                    "{}: fails before the root",
                    up.id
                );
                // It calls the previous service of the chain.
                let deps = &run.labels.service(&up.service).unwrap().depends_on;
                assert!(
                    deps.contains(chain.last().unwrap()),
                    "{} does not call {chain:?}",
                    up.service
                );
                chain.push(up.service.clone());
                // The root's latency departs from normal before the caller's.
                let first_rise = |svc: &str| {
                    let inst = &run.labels.service(svc).unwrap().instances[0];
                    let p99 = run.get(svc, inst, "latency_p99_ms");
                    let on = run.step(root.onset);
                    let base = p99[on.saturating_sub(30)..on]
                        .iter()
                        .cloned()
                        .fold(0.0, f64::max);
                    (on..p99.len())
                        .find(|&k| p99[k] > 1.5 * base)
                        .unwrap_or(usize::MAX)
                };
                assert!(
                    first_rise(&root.service) < first_rise(&up.service),
                    "{}",
                    up.id
                );
            }
        }
    }
    assert!(seen >= 3, "only {seen} cascades");
}

/// Whether `service`/`instance` is inside a labelled incident at step `k`.
fn in_incident(run: &Run, service: &str, instance: &str, k: usize) -> bool {
    run.labels.incidents.iter().any(|i| {
        i.service == service
            && i.instance.as_deref().is_none_or(|x| x == instance)
            && run.step(i.onset) <= k
            && k < run.step(i.recovery)
    })
}

/// No failure threshold is reached outside a labelled incident.
fn check_no_unlabelled_failure(run: &Run) {
    let t = run.labels.thresholds;
    for svc in &run.labels.services {
        for inst in &svc.instances {
            let checks = [
                (Metric::CpuUtilization, t.cpu_saturation),
                (Metric::GcPauseMs, t.gc_pause_ms),
                (Metric::ErrorRate, t.error_rate_slo),
                (Metric::LatencyP99Ms, svc.slo_latency_p99_ms),
                (Metric::MemoryRssBytes, svc.memory_limit_bytes),
                (Metric::DiskUsedBytes, svc.disk_capacity_bytes),
                (Metric::ConnectionsOpen, svc.connections_max),
            ];
            for (m, limit) in checks {
                for (k, &v) in run.get(&svc.name, inst, m.name()).iter().enumerate() {
                    if v >= limit && !in_incident(run, &svc.name, inst, k) {
                        panic!(
                            "{}/{inst} {m} = {v} >= {limit} at step {k}, unlabelled",
                            svc.name
                        );
                    }
                }
            }
        }
    }
}

/// No incident overlaps a trap on the same service.
fn check_traps_hold_no_incident(run: &Run) {
    for trap in &run.labels.traps {
        for inc in run
            .labels
            .incidents
            .iter()
            .filter(|i| i.service == trap.service)
        {
            assert!(
                inc.recovery <= trap.start || inc.onset >= trap.end,
                "{} overlaps {}",
                inc.id,
                trap.id
            );
        }
    }
}

#[test]
fn nothing_crosses_a_failure_threshold_outside_labelled_incidents() {
    for run in runs() {
        check_no_unlabelled_failure(&run);
    }
}

#[test]
fn traps_contain_no_labelled_failure_and_do_look_alarming() {
    for run in runs() {
        for kind in TrapKind::ALL {
            assert!(run.labels.traps.iter().any(|t| t.kind == kind), "no {kind}");
        }
        for trap in &run.labels.traps {
            for inc in run
                .labels
                .incidents
                .iter()
                .filter(|i| i.service == trap.service)
            {
                assert!(
                    inc.recovery <= trap.start || inc.onset >= trap.end,
                    "{} overlaps {}",
                    inc.id,
                    trap.id
                );
            }
            let (a, b) = (run.step(trap.start), run.step(trap.end));
            let inst = &run.labels.service(&trap.service).unwrap().instances[0];
            match trap.kind {
                TrapKind::NightlyBatch => {
                    let q = run.get(&trap.service, inst, "queue_depth");
                    let before = q[a.saturating_sub(60)..a]
                        .iter()
                        .cloned()
                        .fold(0.0, f64::max);
                    assert!(
                        q[a..b].iter().cloned().fold(0.0, f64::max) > 2.0 * before,
                        "{}",
                        trap.id
                    );
                }
                TrapKind::PlannedDeploy => {
                    let rss = run.get(&trap.service, inst, "memory_rss_bytes");
                    let low = rss[a..b].iter().cloned().fold(f64::MAX, f64::min);
                    assert!(low < 0.85 * rss[a - 1], "{}: no restart visible", trap.id);
                    // The deploy's log lines come in order: deploy, stop, start.
                    let first = |needle: &str| {
                        run.logs
                            .iter()
                            .position(|l| {
                                l.service == trap.service
                                    && l.ts >= trap.start
                                    && l.ts < trap.end
                                    && l.message.contains(needle)
                            })
                            .unwrap_or_else(|| panic!("{}: no {needle:?} line", trap.id))
                    };
                    assert!(first("deploying") < first("SIGTERM"), "{}", trap.id);
                    assert!(first("SIGTERM") < first("starting"), "{}", trap.id);
                }
                TrapKind::SeasonalPeak => {
                    let rps = run.get(&trap.service, inst, "requests_per_second");
                    let mid = (a + b) / 2;
                    let before = rps[a.saturating_sub(5)..a].iter().sum::<f64>() / 5.0;
                    assert!(rps[mid] > 1.1 * before, "{}: no surge", trap.id);
                }
            }
        }
    }
}

#[test]
fn log_mix_shifts_towards_errors_during_incidents() {
    let run = Run::new(&two_day_fleet(11));
    let (mut inside, mut inside_bad, mut outside, mut outside_bad) = (0, 0, 0, 0);
    for l in &run.logs {
        let k = run.step(l.ts);
        let bad = matches!(l.level, LogLevel::Warn | LogLevel::Error | LogLevel::Fatal);
        if in_incident(&run, &l.service, &l.instance, k) {
            inside += 1;
            inside_bad += usize::from(bad);
        } else {
            outside += 1;
            outside_bad += usize::from(bad);
        }
    }
    let (share_in, share_out) = (
        inside_bad as f64 / inside as f64,
        outside_bad as f64 / outside as f64,
    );
    assert!(share_in > 3.0 * share_out, "{share_in} vs {share_out}");
    assert!(
        run.logs.windows(2).all(|w| w[0].ts <= w[1].ts),
        "logs out of order"
    );
    assert!(outside > 1000, "too few routine lines: {outside}");
}

#[test]
fn short_runs_still_place_scaled_scenarios() {
    let cfg = SimConfig {
        services: 6,
        duration: "90m".parse().unwrap(),
        interval: "10s".parse().unwrap(),
        ..SimConfig::default()
    };
    let run = Run::new(&cfg);
    assert!(
        run.labels.incidents.len() >= 4,
        "{}",
        run.labels.incidents.len()
    );
    assert_eq!(run.get("db", "db-0", "cpu_utilization").len(), 540);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    /// The label invariants hold for any fleet size, instance count,
    /// interval, duration and seed.
    #[test]
    fn label_invariants_hold_for_any_fleet(
        services in 1usize..24,
        instances in 1usize..3,
        interval_s in prop::sample::select(vec![15i64, 30, 60, 300]),
        hours in 6i64..60,
        seed in any::<u64>(),
    ) {
        let mut cfg = SimConfig {
            services,
            instances_per_service: instances,
            interval: HumanDuration::from_secs(interval_s),
            duration: HumanDuration::from_secs(hours * 3600),
            seed,
            ..SimConfig::default()
        };
        cfg.scenarios.incidents_per_service_day = 0.5;
        let run = Run::new(&cfg);
        check_signals_cross_at_failure(&run);
        check_no_unlabelled_failure(&run);
        check_traps_hold_no_incident(&run);
    }
}
