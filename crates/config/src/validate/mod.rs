//! Whole-file validation. Three passes, each collecting every problem it
//! finds, so a user fixes a broken file in one round:
//!
//! 1. YAML syntax (one problem with its line and column; nothing else can be
//!    checked past it).
//! 2. Structure, against the JSON Schema derived from [`PipelineConfig`]:
//!    unknown keys, wrong types, unknown enum values, missing fields
//!    ([`schema`]). Each offending key is then left out (or read as an
//!    allowed value), so the next pass still runs on everything else.
//! 3. Semantics, on the typed config: window and feature rules
//!    ([`FeatureSpec::validate`](forewarn_features::FeatureSpec::validate)),
//!    negative or zero limits, thresholds out of range, service references
//!    that name no service, dependency cycles, metric roles that are empty,
//!    named twice or out of bounds.

use std::fmt;

use serde_json::Value;

use crate::pipeline::PipelineConfig;

mod schema;

use schema::{Offending, bare_health_checks, remove_at, remove_climbing, structural};

/// One problem: the dotted path of the offending key and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path, e.g. `services.api.limits.memory_bytes` or `features.windows[1].panes`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// Parse and validate pipeline YAML.
pub fn load_str(yaml: &str) -> Result<PipelineConfig, Problems> {
    let (config, problems) = check(yaml);
    match (config, problems.is_empty()) {
        (Some(c), true) => Ok(c),
        _ => Err(Problems(problems)),
    }
}

/// Every problem of pipeline YAML; empty when it is valid.
pub fn problems(yaml: &str) -> Vec<Problem> {
    check(yaml).1
}

fn check(yaml: &str) -> (Option<PipelineConfig>, Vec<Problem>) {
    if yaml.trim().is_empty() {
        let message = "empty; a pipeline needs at least `version: 1` and \
                       `sources.metrics: { topic, format }` (see pipelines/default.yaml)";
        return (
            None,
            vec![Problem {
                path: "(file)".into(),
                message: message.into(),
            }],
        );
    }
    let value: Value = match serde_norway::from_str(yaml) {
        Ok(v) => v,
        Err(e) => {
            let path = e
                .location()
                .map(|l| format!("(line {}, column {})", l.line(), l.column()))
                .unwrap_or_else(|| "(file)".into());
            return (
                None,
                vec![Problem {
                    path,
                    message: format!("invalid YAML: {e}"),
                }],
            );
        }
    };
    // A health check written as a bare string (`/health`, `custom`) is
    // explained and left out, so everything else is still checked.
    let mut value = value;
    let mut out = bare_health_checks(&mut value);
    let (structural, offending) = structural(&value);
    out.extend(structural);
    // Every key reported above is left out (its default applies) or, for
    // an unknown enum value, read as the first value allowed, so the typed
    // config, and with it every semantic problem, is still checked: one
    // round fixes the file. When what is left still does not make a config
    // (a required key went), the section it was in goes, a level at a
    // time.
    for o in &offending {
        match o {
            Offending::Remove(pointer) => remove_at(&mut value, pointer),
            Offending::Replace(pointer, with) => {
                if let Some(v) = value.pointer_mut(pointer) {
                    *v = with.clone();
                }
            }
        }
    }
    // Arrays an item was taken out of: the paths of their other items moved.
    let mut shifted: Vec<String> = Vec::new();
    let config = loop {
        match serde_path_to_error::deserialize::<_, PipelineConfig>(&value) {
            Ok(c) => break c,
            Err(e) => {
                let pointer: String = e
                    .path()
                    .iter()
                    .map(|s| match s {
                        serde_path_to_error::Segment::Seq { index } => format!("/{index}"),
                        serde_path_to_error::Segment::Map { key }
                        | serde_path_to_error::Segment::Enum { variant: key } => {
                            format!("/{}", key.replace('~', "~0").replace('/', "~1"))
                        }
                        serde_path_to_error::Segment::Unknown => String::new(),
                    })
                    .collect();
                if !remove_climbing(&mut value, &pointer, &mut shifted) {
                    // The schema pass explains structural errors better;
                    // only add serde's message when it found nothing.
                    if out.is_empty() {
                        out.push(Problem {
                            path: "(file)".into(),
                            message: e.into_inner().to_string(),
                        });
                    }
                    return (None, out);
                }
            }
        }
    };
    let before = out.len();
    semantic(&config, &mut out);
    // Semantic problems inside an array that lost an item would name the
    // wrong items: they are found in the next round instead.
    let mut i = before;
    while i < out.len() {
        if shifted
            .iter()
            .any(|s| out[i].path.starts_with(&format!("{s}[")))
        {
            out.remove(i);
        } else {
            i += 1;
        }
    }
    (Some(config), out)
}

fn semantic(c: &PipelineConfig, out: &mut Vec<Problem>) {
    let mut bad = |path: String, message: String| out.push(Problem { path, message });
    if c.version != 1 {
        bad(
            "version".into(),
            format!("unsupported version {}; this build reads 1", c.version),
        );
    }
    for p in c.features.validate() {
        bad(format!("features.{}", p.path), p.message);
    }
    let t = &c.thresholds;
    let (probability, hysteresis) = (t.probability.get(), t.hysteresis.get());
    if !(probability > 0.0 && probability <= 1.0) {
        bad(
            "thresholds.probability".into(),
            format!("must be within (0, 1], got {probability}"),
        );
    }
    if !(0.0..1.0).contains(&hysteresis) || hysteresis >= probability {
        bad(
            "thresholds.hysteresis".into(),
            format!("must be within [0, probability), got {hysteresis}"),
        );
    }
    for (kind, p) in &t.per_kind {
        if !(p.get() > 0.0 && p.get() <= 1.0) {
            let name = serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from));
            bad(
                format!("thresholds.per_kind.{}", name.unwrap_or_default()),
                format!("must be within (0, 1], got {p}"),
            );
        }
    }
    let trend = &c.models.trend;
    if trend.horizon.is_zero() {
        bad(
            "models.trend.horizon".into(),
            "must be greater than zero".into(),
        );
    }
    for (i, r) in trend.capacity.iter().enumerate() {
        if r.limit_metric.is_none() && r.limit.is_none() {
            bad(
                format!("models.trend.capacity[{i}]"),
                "needs `limit_metric` or `limit` to know what the metric runs into".into(),
            );
        }
    }
    crate::trend_rules::problems(c, &mut bad);
    for (name, s) in &c.services {
        let p = |f: &str| format!("services.{name}.{f}");
        for (i, dep) in s.depends_on.iter().enumerate() {
            if dep == name {
                bad(
                    p(&format!("depends_on[{i}]")),
                    "a service cannot depend on itself".into(),
                );
            } else if !c.services.contains_key(dep) {
                bad(
                    p(&format!("depends_on[{i}]")),
                    format!("unknown service {dep:?}"),
                );
            }
        }
        let limits = [
            ("memory_bytes", s.limits.memory_bytes),
            ("disk_bytes", s.limits.disk_bytes),
            ("connections", s.limits.connections),
            ("queue_depth", s.limits.queue_depth),
            ("cpu_cores", s.limits.cpu_cores),
        ];
        for (field, v) in limits {
            if let Some(v) = v
                && !(v > 0.0 && v.is_finite())
            {
                bad(
                    p(&format!("limits.{field}")),
                    format!("must be a positive number, got {v}"),
                );
            }
        }
        if let Some(v) = s.slo.latency_p99_ms
            && v <= 0.0
        {
            bad(
                p("slo.latency_p99_ms"),
                format!("must be positive, got {v}"),
            );
        }
        if let Some(v) = s.slo.error_rate
            && !(0.0..=1.0).contains(&v)
        {
            bad(
                p("slo.error_rate"),
                format!("must be within [0, 1], got {v}"),
            );
        }
        if let Some(v) = s.slo.availability
            && !(v > 0.0 && v < 1.0)
        {
            bad(
                p("slo.availability"),
                format!("must be within (0, 1), e.g. 0.999, got {v}"),
            );
        }
        for (field, v) in [
            ("latency_objective", s.slo.latency_objective),
            ("error_rate_objective", s.slo.error_rate_objective),
        ] {
            if let Some(v) = v
                && !(v > 0.0 && v < 1.0)
            {
                bad(
                    p(&format!("slo.{field}")),
                    format!("must be within (0, 1), e.g. 0.99, got {v}"),
                );
            }
        }
        if let Some(d) = s.slo.period
            && d.as_millis() < 3_600_000
        {
            bad(
                p("slo.period"),
                format!("must be at least 1h (its burn-rate windows scale with it), got {d}"),
            );
        }
        if s.timeout.is_some_and(|t| t.is_zero()) {
            bad(p("timeout"), "must be greater than zero".into());
        }
        if let Some(h) = &s.health_check {
            for (field, message) in crate::health::problems(h) {
                let path = if field.is_empty() {
                    p("health_check")
                } else {
                    p(&format!("health_check.{field}"))
                };
                bad(path, message);
            }
        }
    }
    for (i, m) in c.models.logs.masks.iter().enumerate() {
        if let Err(e) = forewarn_logs::mask::compile(m) {
            let first = e
                .to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_string();
            bad(
                format!("models.logs.masks[{i}]"),
                format!("not a valid regex: {first}"),
            );
        }
    }
    if c.models.logs.warmup.is_zero() && c.models.logs.enabled {
        bad(
            "models.logs.warmup".into(),
            "must be greater than zero".into(),
        );
    }
    if let Some(cycle) = find_cycle(c) {
        bad(
            "services".into(),
            format!("dependency cycle: {}", cycle.join(" -> ")),
        );
    }
}

/// A dependency cycle among services, if any (depth-first search).
fn find_cycle(c: &PipelineConfig) -> Option<Vec<String>> {
    fn visit<'a>(
        c: &'a PipelineConfig,
        name: &'a str,
        stack: &mut Vec<&'a str>,
        done: &mut std::collections::BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| *s == name) {
            let mut cyc: Vec<String> = stack[i..].iter().map(|s| s.to_string()).collect();
            cyc.push(name.to_string());
            return Some(cyc);
        }
        if !done.insert(name) {
            return None;
        }
        stack.push(name);
        for dep in c
            .services
            .get(name)
            .map(|s| s.depends_on.as_slice())
            .unwrap_or(&[])
        {
            if dep != name
                && let Some(cyc) = visit(c, dep, stack, done)
            {
                return Some(cyc);
            }
        }
        stack.pop();
        None
    }
    let mut done = std::collections::BTreeSet::new();
    c.services
        .keys()
        .find_map(|name| visit(c, name, &mut Vec::new(), &mut done))
}
