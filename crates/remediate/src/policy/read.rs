//! Reading a policy file: every problem at once, each at the dotted path
//! of its key. A key that does not read is reported and left out, and
//! reading goes on, so the checks of [`Policy::check`] run on the rest.

use forewarn_core::contracts::{IssueKind, RecommendedAction};

use super::{Policy, Problems};

impl Policy {
    /// Parse and check policy text. Every problem at once, each with the
    /// dotted path of its key: a key that does not read is reported and
    /// left out (its default applies) and reading goes on, so the checks
    /// of what did read run too.
    pub fn parse(text: &str) -> Result<Self, Problems> {
        if text.trim().is_empty() {
            return Err(Problems(vec![
                "(file): empty; a policy needs at least `version: 1`".into(),
            ]));
        }
        let mut value: serde_json::Value =
            serde_norway::from_str(text).map_err(|e| Problems(vec![format!("(file): {e}")]))?;
        let mut out = Vec::new();
        // Chains are keyed by kind: a bad kind or action is named here, by
        // its key, and left out (the typed pass cannot name map keys).
        chain_problems(&mut value, &mut out);
        super::advice::key_problems(&mut value, &mut out);
        let policy = loop {
            match serde_path_to_error::deserialize::<_, Policy>(&value) {
                Ok(p) => break Some(p),
                Err(e) => {
                    let message = e.inner().to_string();
                    // An unknown key is reported at its map: name the key.
                    let unknown = message
                        .strip_prefix("unknown field `")
                        .and_then(|m| m.split_once('`'))
                        .map(|(k, _)| k.to_string());
                    let at = e.path().to_string();
                    let path = match (&unknown, at.as_str()) {
                        (Some(k), ".") => k.clone(),
                        (Some(k), _) => format!("{at}.{k}"),
                        (None, _) => at.clone(),
                    };
                    out.push(format!("{path}: {message}"));
                    let removed = remove_path(&mut value, e.path(), unknown.as_deref());
                    if !removed || out.len() > 100 {
                        break None;
                    }
                }
            }
        };
        if let Some(p) = &policy
            && let Err(Problems(more)) = p.check()
        {
            out.extend(more);
        }
        match policy {
            Some(p) if out.is_empty() => Ok(p),
            _ => Err(Problems(out)),
        }
    }
}

/// Check every `services.*.chains` entry of the raw policy: a kind or an
/// action that does not exist is reported at its path and left out.
fn chain_problems(value: &mut serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    let Some(Value::Object(services)) = value.get_mut("services") else {
        return;
    };
    for (service, sp) in services.iter_mut() {
        let Some(Value::Object(chains)) = sp.get_mut("chains") else {
            continue;
        };
        chains.retain(|kind, chain| {
            let path = format!("services.{service}.chains.{kind}");
            if serde_json::from_value::<IssueKind>(Value::String(kind.clone())).is_err() {
                out.push(format!("{path}: unknown kind of issue `{kind}`"));
                return false;
            }
            if let Value::Array(actions) = chain {
                let mut i = 0;
                actions.retain(|a| {
                    let ok = serde_json::from_value::<RecommendedAction>(a.clone()).is_ok();
                    if !ok {
                        out.push(format!(
                            "{path}[{i}]: unknown action {a}; expected one of restart, reconnect, scale, retry, failover, notify"
                        ));
                    }
                    i += 1;
                    ok
                });
            }
            true
        });
    }
}

/// Remove the key `path` names from `value` (or its key `unknown`, for
/// an unknown key reported at its map); false when there is none.
fn remove_path(
    value: &mut serde_json::Value,
    path: &serde_path_to_error::Path,
    unknown: Option<&str>,
) -> bool {
    use serde_path_to_error::Segment;
    let extra = unknown.map(|k| Segment::Map { key: k.to_string() });
    let segments: Vec<&Segment> = path
        .iter()
        .filter(|s| !matches!(s, Segment::Unknown))
        .chain(extra.as_ref())
        .collect();
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut node = value;
    for s in parents {
        let next = match s {
            Segment::Map { key } | Segment::Enum { variant: key } => node.get_mut(key.as_str()),
            Segment::Seq { index } => node.get_mut(*index),
            Segment::Unknown => None,
        };
        match next {
            Some(n) => node = n,
            None => return false,
        }
    }
    match (last, node) {
        (Segment::Map { key }, serde_json::Value::Object(map)) => {
            map.remove(key.as_str()).is_some()
        }
        (Segment::Seq { index }, serde_json::Value::Array(items)) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}
