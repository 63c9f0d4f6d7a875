//! The pipeline validator reports every problem of a broken file at once,
//! each with its dotted path, and accepts the shipped pipelines.

use forewarn_config::{load_str, problems};

const DEFAULT: &str = include_str!("../../../pipelines/default.yaml");

#[test]
fn shipped_default_pipeline_is_valid() {
    let p = load_str(DEFAULT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.features.windows.len(), 3);
    assert_eq!(p.services["api"].depends_on, ["db", "cache", "queue"]);
    assert_eq!(p.thresholds.probability, 0.7);
}

#[test]
fn broken_pipeline_lists_all_problems_with_paths() {
    let yaml = r#"
version: 1
sources:
  metrics: { topic: m, format: json, colour: red }
features:
  windows:
    - { name: 1m, length: 1m, panes: 7 }
    - { name: 5s, length: 5s, panes: 1 }
  expected_interval: 10s
models:
  logs: { masks: ["blk_\\d+", "(unclosed"] }
thresholds:
  probability: 1.5
services:
  api:
    depends_on: [db, ghost]
    limits: { memory_bytes: -5, disk_bytes: 0 }
    recovery_strategy: restart
  db:
    depends_on: [api]
    slo: { error_rate: 2 }
  web:
    limit: { memory_bytes: 1 }
"#;
    let got: Vec<String> = problems(yaml).iter().map(|p| p.to_string()).collect();
    let paths: Vec<&str> = got.iter().map(|p| p.split(": ").next().unwrap()).collect();
    for want in ["sources.metrics.colour", "services.web.limit"] {
        assert!(paths.contains(&want), "missing {want} in {got:#?}");
    }
    // Unknown keys stop typed parsing; fix them and every semantic problem shows.
    let fixed = yaml
        .replace(", colour: red", "")
        .replace("limit: { memory_bytes: 1 }", "limits: { memory_bytes: 1 }");
    let got: Vec<String> = problems(&fixed).iter().map(|p| p.to_string()).collect();
    let paths: Vec<&str> = got.iter().map(|p| p.split(": ").next().unwrap()).collect();
    for want in [
        "features.windows[0].panes",
        "features.windows[1].length",
        "thresholds.probability",
        "services.api.depends_on[1]",
        "services.api.limits.memory_bytes",
        "services.api.limits.disk_bytes",
        "services.db.slo.error_rate",
        "models.logs.masks[1]",
        "services",
    ] {
        assert!(paths.contains(&want), "missing {want} in {got:#?}");
    }
    assert!(
        got.iter()
            .any(|p| p.contains("dependency cycle: api -> db -> api")),
        "{got:#?}"
    );
    assert!(
        got.iter().any(|p| p.contains("unknown service \"ghost\"")),
        "{got:#?}"
    );
    assert!(
        !paths.contains(&"models.logs.masks[0]"),
        "a valid mask is not a problem: {got:#?}"
    );
}

#[test]
fn wrong_types_and_enum_values_are_reported_together() {
    let yaml = r#"
version: 1
sources:
  metrics: { topic: m, format: avro }
features:
  windows: [{ name: 1m, length: soon }]
  features: [mean, median]
services:
  api: { auto_retry: maybe }
"#;
    let got: Vec<String> = problems(yaml).iter().map(|p| p.to_string()).collect();
    let paths: Vec<&str> = got.iter().map(|p| p.split(": ").next().unwrap()).collect();
    for want in [
        "sources.metrics.format",
        "features.windows[0].length",
        "features.features[1]",
        "services.api.auto_retry",
    ] {
        assert!(paths.contains(&want), "missing {want} in {got:#?}");
    }
}

#[test]
fn yaml_syntax_error_names_line_and_column() {
    let got = problems("version: 1\nsources: [unclosed\n");
    assert_eq!(got.len(), 1);
    assert!(got[0].path.starts_with("(line "), "{got:?}");
}

#[test]
fn thresholds_out_of_range_are_reported_with_the_other_problems() {
    let yaml = r#"
version: 1
sources:
  metrics: { topic: m, format: json }
features:
  windows:
    - { name: 1m, length: 1m, panes: 7 }
thresholds:
  hysteresis: -0.1
  per_kind: { memory_exhaustion: 1.2, disk_exhaustion: 0.8 }
"#;
    let got: Vec<String> = problems(yaml).iter().map(|p| p.to_string()).collect();
    let paths: Vec<&str> = got.iter().map(|p| p.split(": ").next().unwrap()).collect();
    for want in [
        "thresholds.hysteresis",
        "thresholds.per_kind.memory_exhaustion",
        // A semantic problem: the typed config is still checked.
        "features.windows[0].panes",
    ] {
        assert!(paths.contains(&want), "missing {want} in {got:#?}");
    }
    assert!(
        !paths.contains(&"thresholds.per_kind.disk_exhaustion"),
        "{got:#?}"
    );
}

#[test]
fn schema_and_semantic_mistakes_are_all_reported_in_one_round() {
    // Four structural mistakes (unknown key, wrong type, unknown enum value,
    // malformed duration) and three semantic ones (probability out of
    // range, unknown service, negative limit): all seven at once.
    let yaml = r#"
version: 1
sources:
  metrics: { topic: m, format: avro }
features:
  windows: [{ name: 1m, length: soon }, { name: 5m, length: 5m }]
thresholds:
  probability: 1.7
  surprise: true
services:
  api:
    auto_retry: maybe
    depends_on: [ghost]
    limits: { memory_bytes: -5 }
"#;
    let got: Vec<String> = problems(yaml).iter().map(|p| p.to_string()).collect();
    let paths: Vec<&str> = got.iter().map(|p| p.split(": ").next().unwrap()).collect();
    for want in [
        "sources.metrics.format",
        "features.windows[0].length",
        "thresholds.surprise",
        "services.api.auto_retry",
        "thresholds.probability",
        "services.api.depends_on",
        "services.api.limits.memory_bytes",
    ] {
        assert!(
            paths.iter().any(|p| p.starts_with(want)),
            "missing {want} in {got:#?}"
        );
    }
}

fn minimal_with_service(service: &str) -> String {
    format!(
        r#"
version: 1
sources:
  metrics: {{ topic: m }}
features:
  windows:
    - {{ name: 1m, length: 1m, panes: 3 }}
  expected_interval: 10s
services:
  api:
{service}
"#
    )
}

#[test]
fn health_checks_take_http_tcp_command_and_the_older_url() {
    use forewarn_config::HealthProbe;
    let cases = [
        (
            r#"    health_check: { http: "http://127.0.0.1:8080/health", interval: 5s, timeout: 1s, failures_before_hung: 4 }"#,
            HealthProbe::Http("http://127.0.0.1:8080/health".into()),
        ),
        (
            r#"    health_check: { url: "http://127.0.0.1:8080/healthz" }"#,
            HealthProbe::Http("http://127.0.0.1:8080/healthz".into()),
        ),
        (
            r#"    health_check: { tcp: "127.0.0.1:5432" }"#,
            HealthProbe::Tcp("127.0.0.1:5432".into()),
        ),
        (
            r#"    health_check: { command: ["pg_isready", "-q"] }"#,
            HealthProbe::Command(vec!["pg_isready".into(), "-q".into()]),
        ),
    ];
    for (yaml, want) in cases.clone() {
        let p = load_str(&minimal_with_service(yaml)).unwrap_or_else(|e| panic!("{yaml}: {e}"));
        let h = p.services["api"].health_check.clone().unwrap();
        assert_eq!(h.probe(), Some(want), "{yaml}");
    }
    let p = load_str(&minimal_with_service(cases[0].0)).unwrap();
    let h = p.services["api"].health_check.clone().unwrap();
    assert_eq!(h.failures_before_hung, 4);
    assert_eq!(h.interval.to_string(), "5s");
    let p = load_str(&minimal_with_service(cases[2].0)).unwrap();
    let h = p.services["api"].health_check.clone().unwrap();
    assert_eq!(h.failures_before_hung, 3, "default");
    assert_eq!(p.sinks.service_events, "forewarn.service-events");
}

#[test]
fn bare_string_health_checks_are_refused_with_what_to_write() {
    let got = problems(&minimal_with_service("    health_check: /health"));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0].path, "services.api.health_check");
    assert!(
        got[0]
            .message
            .contains(r#"{http: "http://127.0.0.1:PORT/health"}"#),
        "{}",
        got[0].message
    );
    let got = problems(&minimal_with_service("    health_check: custom"));
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].message.contains("{command: ["), "{}", got[0].message);
    assert!(got[0].message.contains("{tcp: "), "{}", got[0].message);
    // Other problems of the file are still reported beside it.
    let got = problems(&minimal_with_service(
        "    health_check: /health\n    limits: { memory_bytes: -1 }",
    ));
    let paths: Vec<&str> = got.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "services.api.health_check",
            "services.api.limits.memory_bytes"
        ]
    );
}

#[test]
fn broken_health_checks_name_the_field() {
    let got = problems(&minimal_with_service(
        r#"    health_check: { http: "https://x/health", tcp: "db" }"#,
    ));
    let msgs: Vec<String> = got.iter().map(|p| p.to_string()).collect();
    let paths: Vec<&str> = got.iter().map(|p| p.path.as_str()).collect();
    assert!(paths.contains(&"services.api.health_check"), "{msgs:#?}");
    assert!(
        paths.contains(&"services.api.health_check.http"),
        "{msgs:#?}"
    );
    assert!(
        paths.contains(&"services.api.health_check.tcp"),
        "{msgs:#?}"
    );
    let got = problems(&minimal_with_service(
        r#"    health_check: { command: [], interval: 1s, timeout: 2s, failures_before_hung: 0 }"#,
    ));
    let paths: Vec<&str> = got.iter().map(|p| p.path.as_str()).collect();
    for want in [
        "services.api.health_check.command",
        "services.api.health_check.timeout",
        "services.api.health_check.failures_before_hung",
    ] {
        assert!(paths.contains(&want), "missing {want} in {got:#?}");
    }
    let got = problems(&minimal_with_service(
        r#"    health_check: { tcp: "127.0.0.1:5432", colour: red }"#,
    ));
    assert_eq!(got[0].path, "services.api.health_check.colour");
}

#[test]
fn slo_objectives_default_and_are_checked_with_their_paths() {
    // Without an objective (every pipeline before it existed): 99.9 % over 30 days.
    let p = load_str(DEFAULT).unwrap();
    let slo = &p.services["api"].slo;
    assert_eq!(slo.availability, None);
    assert_eq!(slo.availability_objective(), 0.999);
    assert_eq!(slo.period_or_default().to_string(), "30d");
    // Set: read as written.
    let with = DEFAULT.replace(
        "slo: { latency_p99_ms: 500, error_rate: 0.01 }",
        "slo: { latency_p99_ms: 500, error_rate: 0.01, availability: 0.9995, period: 28d }",
    );
    assert_ne!(
        with, DEFAULT,
        "the default pipeline changed: update this test"
    );
    let p = load_str(&with).unwrap_or_else(|e| panic!("{e}"));
    let slo = &p.services["api"].slo;
    assert_eq!(slo.availability_objective(), 0.9995);
    assert_eq!(slo.period_or_default().as_millis(), 28 * 86_400_000);
    // Out of range: each named by its path.
    let bad = DEFAULT.replace(
        "slo: { latency_p99_ms: 500, error_rate: 0.01 }",
        "slo: { latency_p99_ms: 500, error_rate: 0.01, availability: 1.0, period: 10m }",
    );
    let got: Vec<String> = problems(&bad).iter().map(|p| p.to_string()).collect();
    assert!(
        got.iter()
            .any(|p| p.starts_with("services.api.slo.availability: must be within (0, 1)")),
        "{got:#?}"
    );
    assert!(
        got.iter()
            .any(|p| p.starts_with("services.api.slo.period: must be at least 1h")),
        "{got:#?}"
    );
    // A typo is an unknown key, as everywhere else.
    let typo = DEFAULT.replace(
        "slo: { latency_p99_ms: 500, error_rate: 0.01 }",
        "slo: { latency_p99_ms: 500, error_rate: 0.01, availabilty: 0.99 }",
    );
    let got: Vec<String> = problems(&typo).iter().map(|p| p.to_string()).collect();
    assert!(
        got.iter().any(|p| p.starts_with("services.api.slo")),
        "{got:#?}"
    );
}

#[test]
fn latency_and_error_rate_objectives_default_and_are_checked_with_their_paths() {
    // Absent: 99 % of the measured time within each threshold.
    let p = load_str(DEFAULT).unwrap();
    let slo = &p.services["api"].slo;
    assert_eq!(
        (slo.latency_objective, slo.error_rate_objective),
        (None, None)
    );
    assert_eq!(slo.latency_objective_or_default(), 0.99);
    assert_eq!(slo.error_rate_objective_or_default(), 0.99);
    let with = DEFAULT.replace(
        "slo: { latency_p99_ms: 500, error_rate: 0.01 }",
        "slo: { latency_p99_ms: 500, error_rate: 0.01, latency_objective: 0.95, error_rate_objective: 0.999 }",
    );
    assert_ne!(
        with, DEFAULT,
        "the default pipeline changed: update this test"
    );
    let p = load_str(&with).unwrap_or_else(|e| panic!("{e}"));
    let slo = &p.services["api"].slo;
    assert_eq!(slo.latency_objective_or_default(), 0.95);
    assert_eq!(slo.error_rate_objective_or_default(), 0.999);
    // Out of (0, 1): each named by its path.
    let bad = DEFAULT.replace(
        "slo: { latency_p99_ms: 500, error_rate: 0.01 }",
        "slo: { latency_p99_ms: 500, error_rate: 0.01, latency_objective: 1.0, error_rate_objective: 0 }",
    );
    let got: Vec<String> = problems(&bad).iter().map(|p| p.to_string()).collect();
    for path in ["latency_objective", "error_rate_objective"] {
        assert!(
            got.iter()
                .any(|p| p.starts_with(&format!("services.api.slo.{path}: must be within (0, 1)"))),
            "{path}: {got:#?}"
        );
    }
}
