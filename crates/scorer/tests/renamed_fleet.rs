//! A fleet whose metrics carry node_exporter, cAdvisor and OpenTelemetry
//! names instead of the simulator's runs with a pipeline mapping only: the
//! pipeline's `roles` and capacity rules name the metrics, no scorer code
//! does. The same simulated fleet (memory leaks, latency creep, error
//! bursts, CPU saturation), scored three ways:
//!
//! 1. simulator names, default pipeline: the reference;
//! 2. renamed, default pipeline: no trend issue at all (nothing is named);
//! 3. renamed, pipeline mapped to the new names: exactly the reference's
//!    events, their evidence naming the new metrics.

use std::collections::BTreeSet;

use forewarn_config::{Limits, PipelineConfig, ServiceConfig, Slo};
use forewarn_core::contracts::{IssueKind, MetricSample, PredictedIssue, RecommendedAction};
use forewarn_models::artifact::Model;
use forewarn_scorer::{Events, Scorer, ScorerOptions};
use forewarn_sim::{Fleet, IncidentMix, Labels, ScenarioConfig, SimConfig};

const DEFAULT_PIPELINE: &str = include_str!("../../../pipelines/default.yaml");

/// Simulator name → the name another collector gives it.
const RENAMES: [(&str, &str); 13] = [
    // node_exporter's recording rule for CPU busy share (0 to 1).
    ("cpu_utilization", "instance:node_cpu_utilisation:rate5m"),
    // cAdvisor.
    ("memory_rss_bytes", "container_memory_working_set_bytes"),
    ("memory_limit_bytes", "container_spec_memory_limit_bytes"),
    ("disk_used_bytes", "container_fs_usage_bytes"),
    ("disk_capacity_bytes", "container_fs_limit_bytes"),
    // OpenTelemetry semantic conventions.
    ("gc_pause_ms", "jvm.gc.duration.max"),
    ("connections_open", "db.client.connection.count"),
    ("connections_max", "db.client.connection.max"),
    ("requests_per_second", "http.server.request.rate"),
    ("error_rate", "http.server.request.error_ratio"),
    ("latency_p50_ms", "http.server.request.duration.p50"),
    ("latency_p99_ms", "http.server.request.duration.p99"),
    ("queue_depth", "messaging.queue.depth"),
];

/// The name another collector gives a simulator metric.
fn renamed(metric: &str) -> String {
    let (_, new) = RENAMES
        .iter()
        .find(|(old, _)| *old == metric)
        .expect("every simulator metric is renamed");
    new.to_string()
}

/// The pipeline change a user makes for the renamed fleet: the roles and
/// the capacity rules' metrics, nothing else.
fn mapped_yaml() -> String {
    let edits = [
        (
            "latency_p99: latency_p99_ms",
            "latency_p99: http.server.request.duration.p99",
        ),
        (
            "error_rate: error_rate\n",
            "error_rate: http.server.request.error_ratio\n",
        ),
        (
            "metric: cpu_utilization,",
            "metric: \"instance:node_cpu_utilisation:rate5m\",",
        ),
        (
            "metric: memory_rss_bytes, limit_metric: memory_limit_bytes",
            "metric: container_memory_working_set_bytes, limit_metric: container_spec_memory_limit_bytes",
        ),
        (
            "metric: disk_used_bytes, limit_metric: disk_capacity_bytes",
            "metric: container_fs_usage_bytes, limit_metric: container_fs_limit_bytes",
        ),
        (
            "metric: connections_open, limit_metric: connections_max",
            "metric: db.client.connection.count, limit_metric: db.client.connection.max",
        ),
        ("metric: queue_depth,", "metric: messaging.queue.depth,"),
    ];
    let mut yaml = DEFAULT_PIPELINE.to_string();
    for (from, to) in edits {
        assert_eq!(
            yaml.matches(from).count(),
            1,
            "{from:?} in the default pipeline"
        );
        yaml = yaml.replace(from, to);
    }
    yaml
}

/// `yaml` with the services of the simulated fleet (limits and SLOs as
/// the labels were drawn with; as `forewarn simulate` writes them).
fn fleet_pipeline(yaml: &str, labels: &Labels) -> PipelineConfig {
    let mut p = forewarn_config::load_str(yaml).unwrap_or_else(|e| panic!("{e}"));
    p.services = labels
        .services
        .iter()
        .map(|s| {
            let c = ServiceConfig {
                depends_on: s.depends_on.clone(),
                auto_retry: false,
                timeout: None,
                health_check: None,
                recovery_strategy: RecommendedAction::Notify,
                limits: Limits {
                    memory_bytes: Some(s.memory_limit_bytes),
                    disk_bytes: Some(s.disk_capacity_bytes),
                    connections: Some(s.connections_max),
                    ..Limits::default()
                },
                slo: Slo {
                    latency_p99_ms: Some(s.slo_latency_p99_ms),
                    error_rate: Some(labels.thresholds.error_rate_slo),
                    ..Slo::default()
                },
            };
            (s.name.clone(), c)
        })
        .collect();
    p
}

fn fleet() -> (Labels, Vec<MetricSample>) {
    let cfg = SimConfig {
        services: 7,
        duration: "24h".parse().unwrap(),
        interval: "60s".parse().unwrap(),
        seed: 5,
        scenarios: ScenarioConfig {
            mix: IncidentMix {
                memory_leak: 1.0,
                latency_creep: 1.0,
                error_burst: 1.0,
                cpu_saturation: 1.0,
                disk_fill: 0.0,
                pool_exhaustion: 0.0,
                gc_thrash: 0.0,
                cascading_failure: 0.0,
            },
            ..ScenarioConfig::default()
        },
        ..SimConfig::default()
    };
    let fleet = Fleet::new(&cfg).unwrap();
    let labels = fleet.labels().clone();
    (labels, fleet.flat_map(|b| b.metrics).collect())
}

fn score(pipeline: PipelineConfig, samples: &[MetricSample]) -> Events {
    let mut sc = Scorer::new(pipeline, Model::default(), ScorerOptions::default()).unwrap();
    let mut out = Events::default();
    for s in samples {
        sc.on_metric(s, &mut out).unwrap();
    }
    out
}

/// The kinds the trend models raise from named metrics.
const TREND_KINDS: [IssueKind; 7] = [
    IssueKind::MemoryExhaustion,
    IssueKind::DiskExhaustion,
    IssueKind::ConnectionPoolExhaustion,
    IssueKind::QueueBacklog,
    IssueKind::LatencyDegradation,
    IssueKind::ErrorRateIncrease,
    IssueKind::CpuSaturation,
];

fn kinds(e: &Events) -> BTreeSet<IssueKind> {
    e.issues.iter().map(|i| i.kind).collect()
}

/// An event as JSON with the renamed metrics in its evidence named as the
/// simulator names them.
fn with_simulator_names(i: &PredictedIssue) -> String {
    let mut i = i.clone();
    for ev in &mut i.evidence {
        if let Some((old, new)) = RENAMES
            .iter()
            .find(|(_, new)| ev.feature.starts_with(&format!("{new}.")))
        {
            ev.feature = format!("{old}{}", &ev.feature[new.len()..]);
        }
    }
    serde_json::to_string(&i).unwrap()
}

#[test]
fn a_renamed_fleet_needs_only_the_pipeline_mapping() {
    let (labels, samples) = fleet();
    let renamed_samples: Vec<MetricSample> = samples
        .iter()
        .map(|s| MetricSample {
            metric: renamed(&s.metric),
            ..s.clone()
        })
        .collect();
    assert!(renamed_samples.iter().all(|s| s.metric != "cpu_utilization"
        && s.metric != "latency_p99_ms"
        && s.metric != "memory_rss_bytes"));

    let reference = score(fleet_pipeline(DEFAULT_PIPELINE, &labels), &samples);
    let unmapped = score(fleet_pipeline(DEFAULT_PIPELINE, &labels), &renamed_samples);
    let mapped = score(fleet_pipeline(&mapped_yaml(), &labels), &renamed_samples);

    let want = [
        IssueKind::MemoryExhaustion,
        IssueKind::LatencyDegradation,
        IssueKind::CpuSaturation,
    ];
    let got = kinds(&reference);
    eprintln!(
        "reference: {} events, kinds {got:?}; labelled incidents: {:?}",
        reference.issues.len(),
        labels.incidents.iter().map(|i| i.kind).collect::<Vec<_>>()
    );
    for k in want {
        assert!(got.contains(&k), "the reference predicts {k:?}: {got:?}");
    }

    let unmapped_kinds = kinds(&unmapped);
    assert!(
        TREND_KINDS.iter().all(|k| !unmapped_kinds.contains(k)),
        "unmapped names get no trend: {unmapped_kinds:?}"
    );

    assert_eq!(kinds(&mapped), got);
    let a: Vec<String> = reference
        .issues
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .collect();
    let b: Vec<String> = mapped.issues.iter().map(with_simulator_names).collect();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    // Advice too (its rationale names the metric, so compare the rest).
    let advice = |e: &Events| -> Vec<String> {
        e.optimizations
            .iter()
            .map(|o| format!("{} {:?} {} {}", o.id, o.kind, o.service, o.ts))
            .collect()
    };
    assert_eq!(advice(&reference), advice(&mapped));
}
