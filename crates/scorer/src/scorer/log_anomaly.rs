//! The log-anomaly evaluator: when a service's log minute closes with a
//! belief (see [`crate::logs`]), the belief is held (it decays
//! [`LOG_DECAY_PER_MIN`] a minute, so a one-minute spike lasts past the
//! tracker's minimum duration) and passed on with its evidence: the log
//! features, the template behind it with example lines, and the service's
//! other open incidents. Driven by log minutes, not by samples.

use forewarn_core::contracts::{Evidence, IssueKind, PredictedIssue};

use super::signal::Stamp;
use crate::incidents::Signal;
use crate::logs::{Belief, Logs};

/// How fast a log-anomaly probability decays between minutes: a minute at
/// 1.0 stays over the default 0.9 threshold for two minutes (past the
/// tracker's one-minute minimum) and resolves four minutes later.
const LOG_DECAY_PER_MIN: f64 = 0.05;

/// The signal, if any, of `service`'s minute ending at `end_ms` that
/// closed with `belief`; `open` are the tracker's open incidents.
pub(crate) fn judge<'a>(
    logs: &mut Logs,
    stamp: &Stamp,
    open: impl Iterator<Item = &'a PredictedIssue>,
    service: &str,
    end_ms: i64,
    belief: Option<Belief>,
) -> Option<Signal> {
    let b = belief?;
    let threshold = stamp.policy.threshold(IssueKind::LogAnomaly);
    let st = logs.service_mut(service)?;
    let minutes = (end_ms - st.held_ms).max(0) as f64 / 60_000.0;
    let decayed = st.held - LOG_DECAY_PER_MIN * minutes;
    if b.probability >= decayed {
        st.held = b.probability;
        st.why = Some(b);
    } else {
        st.held = decayed;
    }
    st.held_ms = end_ms;
    let (probability, was) = (st.held, st.engaged);
    let why = st.why.clone()?;
    let (emit, engaged) = stamp.worth_emitting(IssueKind::LogAnomaly, probability, was);
    st.engaged = engaged;
    if !emit {
        return None;
    }
    let total: f64 = why.parts.iter().map(|p| p.3).sum::<f64>().max(1e-9);
    let mut evidence: Vec<Evidence> = why
        .parts
        .iter()
        .map(|(feature, value, baseline, strength)| Evidence {
            feature: feature.clone(),
            value: *value,
            baseline: Some(*baseline),
            contribution: strength / total,
        })
        .collect();
    let mut related: Vec<&PredictedIssue> = open
        .filter(|i| i.service == service && i.kind != IssueKind::LogAnomaly)
        .collect();
    related.sort_by(|a, b| a.id.cmp(&b.id));
    evidence.extend(related.into_iter().map(|i| {
        let kind = serde_json::to_value(i.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let target = if i.instance.is_empty() {
            String::new()
        } else {
            format!(".{}", i.instance)
        };
        Evidence {
            feature: format!("open_issue.{kind}{target}"),
            value: i.probability,
            baseline: None,
            contribution: 0.0,
        }
    }));
    Some(Signal {
        service: service.to_string(),
        evidence,
        // The template of the minute the belief comes from, when that
        // minute was anomalous.
        log: why.log.filter(|_| why.probability >= threshold),
        ..stamp.anomaly_signal("logs", IssueKind::LogAnomaly, end_ms, probability)
    })
}
