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
