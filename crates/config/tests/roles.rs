//! Metric roles: a pipeline without a `roles` section gets today's names,
//! the capacity rules name the memory, disk, connections and queue roles,
//! a renamed fleet needs the pipeline only, and every broken role is
//! reported with its path.

use forewarn_config::{Capacity, SloRole, TrendRule, load_str, problems};
use forewarn_core::contracts::IssueKind;

const DEFAULT: &str = include_str!("../../../pipelines/default.yaml");

const MINIMAL: &str = r#"
version: 1
sources:
  metrics: { topic: m }
features:
  windows: [{ name: 1m, length: 1m, panes: 3 }]
"#;

#[test]
fn defaults_are_the_simulators_names() {
    let p = load_str(DEFAULT).unwrap();
    let m = p.roles_map();
    assert_eq!(m.latency_p99, "latency_p99_ms");
    assert_eq!(m.error_rate, "error_rate");
    assert_eq!(
        (m.cpu.metric.as_str(), m.cpu.limit, m.cpu.level),
        ("cpu_utilization", 1.0, 0.95)
    );
    let cap = |used, limit| {
        Some(Capacity {
            used,
            limit: Some(limit),
        })
    };
    assert_eq!(m.memory, cap("memory_rss_bytes", "memory_limit_bytes"));
    assert_eq!(m.disk, cap("disk_used_bytes", "disk_capacity_bytes"));
    assert_eq!(m.connections, cap("connections_open", "connections_max"));
    assert_eq!(
        m.queue,
        Some(Capacity {
            used: "queue_depth",
            limit: None
        })
    );
    // A file without `roles` (every pipeline written before it) reads the same.
    let bare = load_str(MINIMAL).unwrap();
    assert_eq!(bare.roles, p.roles);
}

#[test]
fn every_role_metric_has_its_trend_rule() {
    let p = load_str(DEFAULT).unwrap();
    let issue = |m: &str| p.trend_rule(m).map(|r| r.issue());
    assert_eq!(issue("memory_rss_bytes"), Some(IssueKind::MemoryExhaustion));
    assert_eq!(issue("queue_depth"), Some(IssueKind::QueueBacklog));
    assert_eq!(issue("cpu_utilization"), Some(IssueKind::CpuSaturation));
    assert_eq!(
        p.trend_rule("latency_p99_ms"),
        Some(TrendRule::Slo(SloRole::LatencyP99))
    );
    assert_eq!(issue("error_rate"), Some(IssueKind::ErrorRateIncrease));
    assert_eq!(issue("latency_p50_ms"), None);
    assert_eq!(issue("memory_limit_bytes"), None);
    let cpu = p.trend_rule("cpu_utilization").unwrap();
    assert_eq!(cpu.fixed_limit(None), Some(0.95));
    let api = &p.services["api"];
    assert_eq!(
        p.trend_rule("latency_p99_ms")
            .unwrap()
            .fixed_limit(Some(api)),
        Some(500.0)
    );
    assert_eq!(
        p.trend_rule("memory_rss_bytes")
            .unwrap()
            .fixed_limit(Some(api)),
        Some(4294967296.0)
    );
}

#[test]
fn a_renamed_fleet_is_a_pipeline_change() {
    let yaml = format!(
        "{MINIMAL}{}",
        r#"
models:
  trend:
    capacity:
      - { metric: container_memory_working_set_bytes, limit_metric: container_spec_memory_limit_bytes, limit: memory_bytes, issue: memory_exhaustion }
    saturation:
      - { metric: gpu_utilization_percent, limit: 100, issue: cpu_saturation }
roles:
  latency_p99: http_server_request_duration_p99_ms
  error_rate: http_server_error_ratio
  cpu: { metric: node_cpu_utilisation_percent, limit: 100, level: 0.9 }
"#
    );
    let p = load_str(&yaml).unwrap_or_else(|e| panic!("{e}"));
    let m = p.roles_map();
    assert_eq!(m.latency_p99, "http_server_request_duration_p99_ms");
    assert_eq!(
        m.memory.map(|c| c.used),
        Some("container_memory_working_set_bytes")
    );
    assert_eq!(m.disk, None);
    assert_eq!(
        p.trend_rule("node_cpu_utilisation_percent")
            .unwrap()
            .fixed_limit(None),
        Some(90.0)
    );
    assert_eq!(
        p.trend_rule("gpu_utilization_percent")
            .unwrap()
            .fixed_limit(None),
        Some(95.0)
    );
    assert_eq!(p.trend_rule("cpu_utilization"), None);
    assert_eq!(p.trend_rule("latency_p99_ms"), None);
}

#[test]
fn broken_roles_are_all_reported_with_their_paths() {
    let yaml = format!(
        "{MINIMAL}{}",
        r#"
models:
  trend:
    capacity:
      - { metric: queue_depth, limit: queue_depth, issue: queue_backlog }
    saturation:
      - { metric: gpu, limit: 0, level: 1.5, issue: cpu_saturation }
      - { metric: queue_depth, issue: cpu_saturation }
roles:
  latency_p99: " "
  error_rate: gpu
  cpu: { metric: cpu, limit: -100, level: 0 }
"#
    );
    let got: Vec<String> = problems(&yaml).iter().map(|p| p.to_string()).collect();
    let paths: Vec<&str> = got.iter().map(|p| p.split(": ").next().unwrap()).collect();
    for want in [
        "roles.cpu.limit",
        "roles.cpu.level",
        "models.trend.saturation[0].limit",
        "models.trend.saturation[0].level",
        "models.trend.saturation[1].metric",
        "roles.latency_p99",
        "roles.error_rate",
    ] {
        assert!(paths.contains(&want), "missing {want} in {got:#?}");
    }
    assert_eq!(got.len(), 7, "{got:#?}");
    assert!(
        got.iter()
            .any(|p| p.contains("\"gpu\" is already named by models.trend.saturation[0].metric")),
        "{got:#?}"
    );
    // A forecast gated above saturation could never warn ahead.
    let yaml =
        format!("{MINIMAL}roles: {{ cpu: {{ metric: cpu, level: 0.9, forecast_from: 0.95 }} }}\n");
    let got: Vec<String> = problems(&yaml).iter().map(|p| p.to_string()).collect();
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0].starts_with("roles.cpu.forecast_from: must not exceed level (0.9)"),
        "{got:#?}"
    );
    // An unknown role is an unknown key.
    let yaml = format!("{MINIMAL}roles: {{ gc_pause: gc_pause_ms }}\n");
    let got: Vec<String> = problems(&yaml).iter().map(|p| p.to_string()).collect();
    assert_eq!(got, ["roles.gc_pause: unknown key"]);
}
