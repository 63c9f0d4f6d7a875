//! Optimization advice: events that are not about an imminent failure.
//!
//! - **over-provisioned**: an instance's hourly p95 CPU utilisation (of its
//!   limit) stayed at or under `over_provisioned_below` for the last 24
//!   hours;
//! - **scale up ahead**: a load-driven trend (queue backlog, connection
//!   pool, latency) is forecast to cross its limit within the horizon with
//!   probability ≥ 0.5: add capacity before it does;
//! - **timeout below p99**: a service's typical p99 latency over the last
//!   hour exceeds the timeout its callers use (`services.*.timeout`).
//!
//! The [`Advisor`] decides when to repeat itself: once per kind and service
//! per cooldown. Event ids derive from (kind, service, event time), so a
//! replay gives the same ids.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{OptimizationEvent, OptimizationKind};
use forewarn_core::id::content_id;
use serde::{Deserialize, Serialize};

/// CPU utilisation (fraction of the limit) under which a day of hourly p95s
/// counts as over-provisioned.
pub const OVER_PROVISIONED_BELOW: f64 = 0.3;

/// Hours of hourly p95s the over-provisioning rule looks at.
pub const OVER_PROVISIONED_HOURS: usize = 24;

/// Cooldown of the daily kinds of advice.
pub const DAY_MS: i64 = 86_400_000;

/// Remembers when each (kind, service) was last advised.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Advisor {
    until: HashMap<String, i64>,
}

/// A piece of advice before the cooldown check.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    /// What kind.
    pub kind: OptimizationKind,
    /// Service concerned.
    pub service: String,
    /// Event time of the observation.
    pub ts: DateTime<Utc>,
    /// Why, with numbers.
    pub rationale: String,
    /// What following it changes.
    pub expected_effect: String,
}

impl Advisor {
    /// The event for `advice`, unless the same kind was given for the same
    /// service less than `cooldown_ms` ago.
    pub fn offer(&mut self, advice: Advice, cooldown_ms: i64) -> Option<OptimizationEvent> {
        let key = format!("{:?}/{}", advice.kind, advice.service);
        let ts = advice.ts.timestamp_millis();
        if self.until.get(&key).is_some_and(|u| ts < *u) {
            return None;
        }
        self.until.insert(key, ts + cooldown_ms);
        let kind = match advice.kind {
            OptimizationKind::OverProvisioned => "over_provisioned",
            OptimizationKind::ScaleUpAhead => "scale_up_ahead",
            OptimizationKind::TimeoutBelowP99 => "timeout_below_p99",
        };
        Some(OptimizationEvent {
            schema_version: forewarn_core::SCHEMA_VERSION,
            id: content_id(&[kind, &advice.service, &ts.to_string()]),
            ts: advice.ts,
            service: advice.service,
            kind: advice.kind,
            rationale: advice.rationale,
            expected_effect: advice.expected_effect,
        })
    }
}

/// Over-provisioning advice from the last day of hourly p95 CPU
/// utilisations, if they all stayed under [`OVER_PROVISIONED_BELOW`].
pub fn over_provisioned(
    service: &str,
    instance: &str,
    hourly_p95: &[f64],
    cpu_cores: Option<f64>,
    ts: DateTime<Utc>,
) -> Option<Advice> {
    if hourly_p95.len() < OVER_PROVISIONED_HOURS {
        return None;
    }
    let day = &hourly_p95[hourly_p95.len() - OVER_PROVISIONED_HOURS..];
    let peak = day.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !(peak.is_finite() && peak < OVER_PROVISIONED_BELOW) {
        return None;
    }
    // Size so the day's peak p95 would sit at 60 % of the new limit.
    let keep = (peak / 0.6).max(0.05);
    let expected_effect = match cpu_cores {
        Some(c) => format!(
            "lowering the CPU limit from {c} to {:.1} cores keeps p95 under 60 % and frees {:.1} cores",
            c * keep,
            c * (1.0 - keep)
        ),
        None => format!(
            "cutting the CPU allocation to {:.0} % of today's keeps p95 under 60 %",
            100.0 * keep
        ),
    };
    Some(Advice {
        kind: OptimizationKind::OverProvisioned,
        service: service.to_string(),
        ts,
        rationale: format!(
            "hourly p95 CPU of {service}/{instance} stayed at or under {:.0} % of its limit for {OVER_PROVISIONED_HOURS} h",
            100.0 * peak
        ),
        expected_effect,
    })
}

/// Timeout advice when the typical p99 of the last hour exceeds the
/// timeout callers use.
pub fn timeout_below_p99(
    service: &str,
    timeout_ms: f64,
    typical_p99_ms: f64,
    ts: DateTime<Utc>,
) -> Option<Advice> {
    (typical_p99_ms.is_finite() && typical_p99_ms > timeout_ms).then(|| Advice {
        kind: OptimizationKind::TimeoutBelowP99,
        service: service.to_string(),
        ts,
        rationale: format!(
            "callers of {service} time out after {timeout_ms:.0} ms, but its p99 latency was about {typical_p99_ms:.0} ms over the last hour: at least 1 request in 100 is cut off and retried"
        ),
        expected_effect: format!(
            "raising the timeout to {:.0} ms (or bringing p99 under {timeout_ms:.0} ms) stops the cut-off requests and the retry load they cause",
            1.5 * typical_p99_ms
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + h * 3600, 0).unwrap()
    }

    #[test]
    fn over_provisioning_needs_a_whole_quiet_day() {
        let quiet = vec![0.12; 24];
        assert!(over_provisioned("api", "api-0", &quiet[..23], Some(4.0), at(0)).is_none());
        let a = over_provisioned("api", "api-0", &quiet, Some(4.0), at(0)).unwrap();
        assert!(a.rationale.contains("12 %"), "{}", a.rationale);
        assert!(
            a.expected_effect.contains("to 0.8 cores"),
            "{}",
            a.expected_effect
        );
        let mut busy = quiet.clone();
        busy[7] = 0.45;
        assert!(over_provisioned("api", "api-0", &busy, Some(4.0), at(0)).is_none());
    }

    #[test]
    fn advice_repeats_only_after_its_cooldown() {
        let mut adv = Advisor::default();
        let advice = |h| timeout_below_p99("db", 200.0, 340.0, at(h)).unwrap();
        let first = adv.offer(advice(0), DAY_MS).unwrap();
        assert_eq!(first.kind, OptimizationKind::TimeoutBelowP99);
        assert!(adv.offer(advice(5), DAY_MS).is_none());
        let again = adv.offer(advice(24), DAY_MS).unwrap();
        assert_ne!(first.id, again.id);
        // Same observation, same id (a replay de-duplicates).
        let mut other = Advisor::default();
        assert_eq!(other.offer(advice(0), DAY_MS).unwrap().id, first.id);
        assert!(timeout_below_p99("db", 200.0, 150.0, at(0)).is_none());
    }
}
