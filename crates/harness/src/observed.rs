//! A simulated fleet's labelled failures as `forewarn watch` would have
//! reported them: the service events the demo publishes while it streams
//! (so its dashboard shows outages live) and feeds to its reliability
//! report. The simulator runs no processes, so these stand in for a real
//! supervisor's observations.

use forewarn_core::contracts::{IssueKind, ServiceEvent, ServiceEventKind};
use forewarn_sim::Labels;

/// `started` for every service at the fleet's start; per labelled incident,
/// `oom_killed` (memory exhaustion) or `health_failed` at its failure and
/// `recovered` at its recovery; in time order (ties keep that order).
pub fn observed_events(labels: &Labels) -> Vec<ServiceEvent> {
    let mut out: Vec<ServiceEvent> = labels
        .services
        .iter()
        .map(|s| ServiceEvent::new(&s.name, "", ServiceEventKind::Started, labels.start, 0))
        .collect();
    for i in &labels.incidents {
        let instance = i.instance.as_deref().unwrap_or("");
        let down = if i.issue_kind == IssueKind::MemoryExhaustion {
            ServiceEventKind::OomKilled
        } else {
            ServiceEventKind::HealthFailed
        };
        let mut e = ServiceEvent::new(&i.service, instance, down, i.failure, 0);
        e.reason = i.description.clone();
        out.push(e);
        out.push(ServiceEvent::new(
            &i.service,
            instance,
            ServiceEventKind::Recovered,
            i.recovery,
            0,
        ));
    }
    out.sort_by_key(|e| e.ts);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::simulated_labels;

    #[test]
    fn every_incident_is_a_failure_then_a_recovery_in_time_order() {
        let labels = simulated_labels(7, "2d", "60s");
        assert!(!labels.incidents.is_empty());
        let events = observed_events(&labels);
        assert_eq!(events.len(), 7 + 2 * labels.incidents.len());
        assert!(events.windows(2).all(|w| w[0].ts <= w[1].ts));
        for i in &labels.incidents {
            let of = |kind: ServiceEventKind| {
                events
                    .iter()
                    .filter(|e| e.service == i.service && e.kind == kind)
                    .map(|e| e.ts)
                    .collect::<Vec<_>>()
            };
            assert!(of(ServiceEventKind::Recovered).contains(&i.recovery));
            let down = [ServiceEventKind::OomKilled, ServiceEventKind::HealthFailed];
            assert!(down.iter().any(|k| of(*k).contains(&i.failure)), "{i:?}");
        }
    }
}
