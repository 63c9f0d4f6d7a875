//! The structural pass of pipeline validation: the file against the JSON
//! Schema derived from [`PipelineConfig`] (unknown keys, wrong types,
//! unknown enum values, missing fields), each problem with its dotted
//! path, and what to do with each offending key so the semantic pass can
//! still run on the rest.

use std::sync::OnceLock;

use serde_json::Value;

use super::Problem;
use crate::pipeline::PipelineConfig;

fn schema_validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let mut schema = schemars::schema_for!(PipelineConfig).to_value();
        flatten_const_choices(&mut schema);
        jsonschema::validator_for(&schema).expect("the derived pipeline schema compiles")
    })
}

/// schemars writes a documented enum as `oneOf` of `const`s, which fails
/// with a vague message; an `enum` of the same values names them all.
fn flatten_const_choices(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            let consts: Option<Vec<Value>> =
                map.get("oneOf").and_then(Value::as_array).and_then(|alts| {
                    alts.iter()
                        .map(|a| {
                            a.get("const")
                                .or_else(|| a.get("enum").and_then(|e| e.get(0)))
                                .cloned()
                        })
                        .collect()
                });
            if let Some(values) = consts {
                map.remove("oneOf");
                map.insert("enum".into(), Value::Array(values));
            }
            map.values_mut().for_each(flatten_const_choices);
        }
        Value::Array(items) => items.iter_mut().for_each(flatten_const_choices),
        _ => {}
    }
}

/// What to do with a key a structural problem is about, before the
/// semantic pass.
pub(super) enum Offending {
    /// Leave it out.
    Remove(String),
    /// Read this value instead.
    Replace(String, Value),
}

/// Remove the value at `pointer` (a key of an object, an item of an
/// array, whose dotted path goes to `shifted`); false for the root.
pub(super) fn remove_climbing(value: &mut Value, pointer: &str, shifted: &mut Vec<String>) -> bool {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return false;
    };
    let array_path = dotted(value, parent);
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => map
            .remove(&key.replace("~1", "/").replace("~0", "~"))
            .is_some(),
        Some(Value::Array(items)) => match key.parse::<usize>() {
            Ok(i) if i < items.len() => {
                items.remove(i);
                shifted.push(array_path);
                true
            }
            _ => false,
        },
        _ => false,
    }
}

/// Structural problems, and what to do with the keys they are about.
pub(super) fn structural(value: &Value) -> (Vec<Problem>, Vec<Offending>) {
    let mut out = Vec::new();
    let mut offending = Vec::new();
    for e in schema_validator().iter_errors(value) {
        let pointer = e.instance_path().to_string();
        let path = dotted(value, &pointer);
        if pointer.starts_with("/thresholds/")
            && matches!(
                e.kind(),
                jsonschema::error::ValidationErrorKind::Minimum { .. }
                    | jsonschema::error::ValidationErrorKind::Maximum { .. }
            )
        {
            out.push(Problem {
                path,
                message: format!("must be a probability within [0, 1], got {}", e.instance()),
            });
            offending.push(Offending::Remove(pointer));
            continue;
        }
        match e.kind() {
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                for key in unexpected {
                    out.push(Problem {
                        path: join(&path, key),
                        message: "unknown key".into(),
                    });
                    let key = key.replace('~', "~0").replace('/', "~1");
                    offending.push(Offending::Remove(format!("{pointer}/{key}")));
                }
                continue;
            }
            jsonschema::error::ValidationErrorKind::Enum { options } => {
                let allowed: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(Problem {
                    path,
                    message: format!(
                        "unknown value {}; expected one of: {}",
                        e.instance(),
                        allowed.join(", ")
                    ),
                });
                if let Some(first) = options.as_array().and_then(|a| a.first()) {
                    offending.push(Offending::Replace(pointer, first.clone()));
                    continue;
                }
            }
            _ => out.push(Problem {
                path: if path.is_empty() {
                    "(root)".into()
                } else {
                    path
                },
                message: e.to_string(),
            }),
        }
        offending.push(Offending::Remove(pointer));
    }
    (out, offending)
}

/// Remove the value at a JSON pointer (a key of an object; an item of an
/// array stays, so the paths of the others do not move).
pub(super) fn remove_at(value: &mut Value, pointer: &str) {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    if let Some(Value::Object(map)) = value.pointer_mut(parent) {
        map.remove(&key);
    }
}

pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// A JSON pointer into `root` as a dotted path: `/a/0/b` becomes `a[0].b`.
pub(super) fn dotted(root: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut node = Some(root);
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        match node {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{seg}]"));
                node = seg.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            other => {
                out = join(&out, &seg);
                node = other.and_then(|v| v.get(&seg));
            }
        }
    }
    out
}

/// Health checks given as a bare string, each a problem that says what to
/// write instead; removed from `value`.
pub(super) fn bare_health_checks(value: &mut Value) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some(Value::Object(services)) = value.get_mut("services") {
        for (name, service) in services.iter_mut() {
            if let Value::Object(s) = service
                && let Some(Value::String(text)) = s.get("health_check")
            {
                out.push(Problem {
                    path: format!("services.{name}.health_check"),
                    message: crate::health::bare_string_hint(text),
                });
                s.remove("health_check");
            }
        }
    }
    out
}
