//! Tests of the board: issues open, update and close; observed failures
//! open and close incidents; actions are kept once each; deltas carry
//! exactly what changed; the public state carries nothing internal.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    ActionResult, Evidence, IssueKind, IssueStatus, ModelRef, PredictedIssue, RecommendedAction,
    RemediationMode, RemediationOutcome, ServiceEvent, ServiceEventKind, Severity,
};

use super::*;

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
}

pub(crate) fn issue(
    service: &str,
    kind: IssueKind,
    status: IssueStatus,
    rev: u32,
    s: i64,
) -> PredictedIssue {
    PredictedIssue {
        schema_version: 1,
        id: PredictedIssue::incident_id(kind, service, "", at(0)),
        revision: rev,
        status,
        kind,
        service: service.into(),
        instance: String::new(),
        severity: Severity::Critical,
        probability: 0.87,
        detected_at: at(s),
        opened_at: at(0),
        predicted_failure_at: Some(at(s + 1800)),
        failure_interval: None,
        horizon_s: 3600.0,
        evidence: vec![Evidence {
            feature: "memory_rss_bytes.1h.slope".into(),
            value: 1.5e6,
            baseline: Some(0.0),
            contribution: 0.9,
        }],
        root_cause_service: Some("db".into()),
        model: ModelRef {
            name: "trend".into(),
            version: "1".into(),
        },
        recommended_action: Some(RecommendedAction::Restart),
        log: None,
    }
}

fn event(service: &str, kind: ServiceEventKind, s: i64) -> Input {
    Input::Service(Box::new(ServiceEvent::new(service, "", kind, at(s), 0)))
}

fn outcome(id: &str, verified: Option<bool>, s: i64) -> RemediationOutcome {
    RemediationOutcome {
        schema_version: 1,
        id: id.into(),
        issue_id: "issue-1".into(),
        ts: at(s),
        service: "api".into(),
        target: String::new(),
        action: RecommendedAction::Restart,
        mode: RemediationMode::Live,
        result: ActionResult::Succeeded,
        duration_ms: 120,
        verified,
        detail: "restart of api sent".into(),
    }
}

fn board() -> Board {
    Board::new(BoardOptions {
        clock: Clock::Event,
        services: vec!["api".into(), "db".into()],
        ..BoardOptions::default()
    })
}

fn row<'a>(s: &'a OperatorState, name: &str) -> &'a ServiceRow {
    s.services.iter().find(|r| r.name == name).unwrap()
}

#[test]
fn a_prediction_turns_its_tile_amber_until_resolved() {
    let mut b = board();
    let first = b.delta().unwrap();
    assert_eq!(first.services.len(), 2, "both tiles once");
    assert!(b.delta().is_none(), "nothing changed since");
    let open = issue("api", IssueKind::MemoryExhaustion, IssueStatus::Open, 0, 10);
    b.apply(Input::Issue(Box::new(open.clone())));
    let s = b.state();
    assert_eq!(s.issues, vec![open.clone()]);
    assert_eq!(row(&s, "api").health, Health::Warning);
    assert_eq!(row(&s, "api").reason, "memory_exhaustion predicted");
    assert_eq!(row(&s, "db").health, Health::Unknown);
    let d = b.delta().unwrap();
    assert_eq!(d.issues, vec![open.clone()]);
    assert_eq!(d.services.len(), 1);
    assert_eq!(d.services[0].name, "api");
    assert_eq!(d.seq, 2);
    // An older revision arriving late changes nothing.
    let mut updated = open.clone();
    updated.revision = 2;
    updated.probability = 0.95;
    b.apply(Input::Issue(Box::new(updated.clone())));
    b.apply(Input::Issue(Box::new(open.clone())));
    assert_eq!(b.state().issues, vec![updated]);
    let mut resolved = open.clone();
    resolved.revision = 3;
    resolved.status = IssueStatus::Resolved;
    b.apply(Input::Issue(Box::new(resolved)));
    let d = b.delta().unwrap();
    assert_eq!(d.closed, vec![open.id.clone()]);
    assert!(d.issues.is_empty());
    assert!(b.state().issues.is_empty());
    // A duplicate of the opening event does not reopen it.
    b.apply(Input::Issue(Box::new(open)));
    assert!(b.state().issues.is_empty());
}

#[test]
fn a_crash_and_its_restart_make_one_automatic_incident() {
    let mut b = board();
    b.apply(event("api", ServiceEventKind::Started, 0));
    b.apply(event("api", ServiceEventKind::OomKilled, 600));
    let s = b.state();
    assert_eq!(row(&s, "api").health, Health::Down);
    assert_eq!(row(&s, "api").reason, "down: oom_killed");
    assert_eq!(s.incidents.len(), 1);
    assert_eq!(s.incidents[0].ended_at, None);
    b.apply(event("api", ServiceEventKind::Restarted, 660));
    b.apply(event("api", ServiceEventKind::Recovered, 720));
    let s = b.state();
    assert_eq!(row(&s, "api").health, Health::Ok);
    assert_eq!(s.incidents.len(), 1);
    let i = &s.incidents[0];
    assert_eq!((i.started_at, i.ended_at), (at(600), Some(at(660))));
    assert!(i.automatic && i.outage);
    assert_eq!(i.cause, "oom_killed");
    // Down 60 s of the 720 s seen (event clock: now is the newest event).
    let f = row(&s, "api").reliability.unwrap();
    assert_eq!(f.downtime_s, 60.0);
    assert!((f.uptime - (1.0 - 60.0 / 720.0)).abs() < 1e-6);
}

#[test]
fn an_observed_down_issue_is_an_outage_until_resolved() {
    let mut b = board();
    let down = issue("db", IssueKind::ServiceDown, IssueStatus::Open, 0, 100);
    b.apply(Input::Issue(Box::new(down.clone())));
    assert_eq!(row(&b.state(), "db").health, Health::Down);
    assert_eq!(b.public().services[1].status, PublicStatus::Outage);
    let mut up = down;
    up.revision = 1;
    up.status = IssueStatus::Resolved;
    up.detected_at = at(400);
    b.apply(Input::Issue(Box::new(up)));
    let s = b.state();
    assert_eq!(row(&s, "db").health, Health::Ok);
    assert_eq!(s.incidents[0].ended_at, Some(at(400)));
    assert!(!s.incidents[0].automatic);
}

#[test]
fn actions_are_kept_once_newest_first_and_updated_in_place() {
    let mut b = board();
    b.apply(Input::Outcome(Box::new(outcome("a1", None, 10))));
    b.apply(Input::Outcome(Box::new(outcome("a2", None, 20))));
    b.apply(Input::Outcome(Box::new(outcome("a1", Some(true), 10))));
    let s = b.state();
    let ids: Vec<_> = s.actions.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a2", "a1"]);
    assert_eq!(s.actions[1].verified, Some(true));
    let d = b.delta().unwrap();
    assert_eq!(d.actions.len(), 2);
}

#[test]
fn the_public_state_says_nothing_internal() {
    let mut b = board();
    let open = issue("api", IssueKind::MemoryExhaustion, IssueStatus::Open, 0, 10);
    b.apply(Input::Issue(Box::new(open.clone())));
    b.apply(Input::Outcome(Box::new(outcome("a1", Some(true), 20))));
    b.apply(event("api", ServiceEventKind::Crashed, 30));
    let public = serde_json::to_string(&b.public()).unwrap();
    for secret in [
        open.id.as_str(),
        "memory_rss_bytes",
        "0.87",
        "restart",
        "crashed",
        "memory_exhaustion",
        "issue-1",
        "trend",
    ] {
        assert!(!public.contains(secret), "{secret} in {public}");
    }
    assert!(public.contains("\"status\":\"outage\""), "{public}");
    assert!(public.contains("api is unavailable since"), "{public}");
    // The operator state has it all.
    let operator = serde_json::to_string(&b.state()).unwrap();
    for detail in [open.id.as_str(), "memory_rss_bytes", "0.87", "restart"] {
        assert!(operator.contains(detail), "{detail}");
    }
}
