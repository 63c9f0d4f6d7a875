//! Tests of the board over the ledger: issues open, update and close;
//! observed failures make incidents; actions are listed once each;
//! deltas carry exactly what changed; the public state carries nothing
//! internal.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    ActionResult, Evidence, IssueKind, IssueStatus, ModelRef, PredictedIssue, RecommendedAction,
    RemediationMode, RemediationOutcome, ServiceEvent, ServiceEventKind, Severity,
};
use forewarn_ledger::Status;

use super::*;

fn at(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
}

fn issue(service: &str, kind: IssueKind, status: IssueStatus, rev: u32, s: i64) -> PredictedIssue {
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
        predicted_failure_at: Some(at(1800)),
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
        episode: None,
    }
}

fn prediction(i: &PredictedIssue) -> Input {
    Input::Entry(Box::new(Entry::Prediction(i.clone())))
}

fn event(service: &str, kind: ServiceEventKind, s: i64) -> Input {
    Input::Entry(Box::new(Entry::Service(ServiceEvent::new(
        service,
        "",
        kind,
        at(s),
        0,
    ))))
}

fn acted(o: RemediationOutcome) -> Input {
    Input::Entry(Box::new(Entry::Outcome(o)))
}

fn outcome(issue_id: &str, verified: Option<bool>, s: i64) -> RemediationOutcome {
    RemediationOutcome {
        schema_version: 1,
        id: format!("{issue_id}-{s}"),
        issue_id: issue_id.into(),
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
        ledger: LedgerOptions {
            services: vec!["api".into(), "db".into()],
            ..LedgerOptions::default()
        },
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
    b.apply(prediction(&open));
    let s = b.state();
    assert_eq!(s.issues.len(), 1);
    let i = &s.issues[0];
    assert_eq!(
        (i.id.as_str(), i.service.as_str()),
        (open.id.as_str(), "api")
    );
    assert_eq!(i.evidence, open.evidence);
    assert_eq!(i.root_cause_service.as_deref(), Some("db"));
    assert_eq!(row(&s, "api").health, Health::Warning);
    assert_eq!(row(&s, "api").reason, "memory_exhaustion predicted");
    assert_eq!(row(&s, "db").health, Health::Unknown);
    let d = b.delta().unwrap();
    assert_eq!(d.issues.len(), 1);
    assert_eq!(d.services.len(), 1);
    assert_eq!(d.services[0].name, "api");
    assert_eq!(d.seq, 2);
    let mut updated = open.clone();
    updated.revision = 1;
    updated.status = IssueStatus::Updated;
    updated.probability = 0.95;
    updated.detected_at = at(20);
    b.apply(prediction(&updated));
    let d = b.delta().unwrap();
    assert_eq!(d.issues.len(), 1);
    assert_eq!(d.issues[0].probability, 0.95);
    let mut resolved = open.clone();
    resolved.revision = 2;
    resolved.status = IssueStatus::Resolved;
    resolved.detected_at = at(30);
    b.apply(prediction(&resolved));
    let d = b.delta().unwrap();
    assert_eq!(d.closed, vec![open.id.clone()]);
    assert!(d.issues.is_empty());
    assert!(b.state().issues.is_empty());
    assert_eq!(row(&b.state(), "api").health, Health::Ok);
}

#[test]
fn a_crash_and_its_recovery_make_one_incident() {
    let mut b = board();
    b.apply(event("api", ServiceEventKind::Started, 0));
    b.apply(event("api", ServiceEventKind::OomKilled, 600));
    let s = b.state();
    assert_eq!(row(&s, "api").health, Health::Down);
    assert_eq!(row(&s, "api").status, Status::Down);
    assert_eq!(row(&s, "api").down_since, Some(at(600)));
    assert_eq!(s.incidents.len(), 1);
    assert_eq!(s.incidents[0].incident.end, None);
    b.apply(event("api", ServiceEventKind::Restarted, 660));
    b.apply(event("api", ServiceEventKind::Recovered, 720));
    let s = b.state();
    assert_eq!(row(&s, "api").health, Health::Ok);
    assert_eq!(s.incidents.len(), 1);
    let i = &s.incidents[0].incident;
    assert_eq!((i.start, i.end), (at(600), Some(at(720))));
    assert_eq!(i.recovered_automatically, Some(true));
    // Down 120 s of the 720 s observed (event clock: now is the newest
    // event).
    let up = row(&s, "api").uptime.unwrap();
    assert!((up - (1.0 - 120.0 / 720.0)).abs() < 1e-6, "{up}");
    assert!(row(&s, "api").slo.as_ref().unwrap().budget_left_ratio < 1.0);
}

#[test]
fn latency_samples_give_a_latency_slo_row() {
    let mut opts = LedgerOptions {
        services: vec!["api".into()],
        ..LedgerOptions::default()
    };
    let slo = forewarn_ledger::ThresholdSlo {
        threshold: 500.0,
        spec: forewarn_ledger::SloSpec::default(),
    };
    opts.threshold_slos.insert(
        "api".into(),
        forewarn_ledger::ThresholdSlos {
            latency: Some(slo),
            error_rate: None,
        },
    );
    let mut b = Board::new(BoardOptions {
        clock: Clock::Event,
        ledger: opts,
        ..BoardOptions::default()
    });
    // [0, 60) good, [60, 120) over the threshold; now is 120 (event
    // clock), so the last slice is empty: SLI 0.5.
    for (t, v) in [(0, 100.0), (60, 900.0), (120, 100.0)] {
        b.apply(Input::Seen {
            service: "api".into(),
            health: Some(Box::new(forewarn_core::contracts::MetricSample {
                schema_version: 1,
                ts: at(t),
                service: "api".into(),
                instance: "api-0".into(),
                metric: "latency_p99_ms".into(),
                value: v,
                labels: Default::default(),
            })),
        });
    }
    let s = b.state();
    let names: Vec<&str> = row(&s, "api")
        .slos
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(names, ["availability", "latency"]);
    let latency = &row(&s, "api").slos[1];
    assert_eq!(latency.label, "latency ≤ 500 ms");
    assert_eq!(latency.sli, Some(0.5));
}

#[test]
fn actions_are_listed_once_newest_first_and_updated_in_place() {
    let mut b = board();
    let open = issue("api", IssueKind::MemoryExhaustion, IssueStatus::Open, 0, 5);
    b.apply(prediction(&open));
    let mut started = outcome(&open.id, None, 10);
    started.result = ActionResult::Skipped;
    b.apply(acted(started));
    b.delta();
    b.apply(acted(outcome(&open.id, None, 11)));
    b.apply(acted(outcome(&open.id, Some(true), 12)));
    let s = b.state();
    assert_eq!(s.actions.len(), 1, "{:#?}", s.actions);
    assert_eq!(s.actions[0].verified, Some(true));
    let d = b.delta().unwrap();
    assert_eq!(d.actions.len(), 1);
    assert_eq!(d.actions[0].verified, Some(true));
}

#[test]
fn the_public_state_says_nothing_internal() {
    let mut b = board();
    let open = issue("api", IssueKind::MemoryExhaustion, IssueStatus::Open, 0, 10);
    b.apply(prediction(&open));
    b.apply(acted(outcome(&open.id, Some(true), 20)));
    b.apply(event("db", ServiceEventKind::Started, 5));
    b.apply(event("db", ServiceEventKind::Crashed, 30));
    let p = b.public();
    assert_eq!(
        p.services[0].status,
        PublicStatus::Operational,
        "a prediction is not news"
    );
    assert_eq!(p.services[1].status, PublicStatus::Outage);
    let public = serde_json::to_string(&p).unwrap();
    for secret in [
        open.id.as_str(),
        "memory_rss_bytes",
        "0.87",
        "restart",
        "memory_exhaustion",
        "trend",
        "probability",
        "evidence",
    ] {
        assert!(!public.contains(secret), "{secret} in {public}");
    }
    assert!(public.contains("db: Unavailable since"), "{public}");
    // The operator state has it all.
    let operator = serde_json::to_string(&b.state()).unwrap();
    for detail in [open.id.as_str(), "memory_rss_bytes", "0.87", "restart"] {
        assert!(operator.contains(detail), "{detail}");
    }
}

#[test]
fn service_events_older_than_the_reorder_buffer_still_make_incidents() {
    // The demo hands its observed failures over after the feed delivered
    // every prediction: they arrive hours behind the newest event.
    let mut b = board();
    let open = issue(
        "db",
        IssueKind::MemoryExhaustion,
        IssueStatus::Open,
        0,
        7200,
    );
    b.apply(prediction(&open));
    b.apply(event("api", ServiceEventKind::Started, 0));
    b.apply(event("api", ServiceEventKind::HealthFailed, 600));
    b.apply(event("api", ServiceEventKind::Recovered, 720));
    let s = b.state();
    assert_eq!(s.incidents.len(), 1, "{:?}", s.incidents);
    let up = row(&s, "api").uptime.unwrap();
    assert!((up - (1.0 - 120.0 / 7200.0)).abs() < 1e-6, "{up}");
}

#[test]
fn an_outage_delivered_twice_hours_apart_counts_once() {
    // The demo's feed delivers the observed failures live, then the demo
    // hands them over again once the run is done.
    let mut b = board();
    let outage = [
        event("api", ServiceEventKind::Started, 0),
        event("api", ServiceEventKind::HealthFailed, 600),
        event("api", ServiceEventKind::Recovered, 720),
    ];
    outage.iter().cloned().for_each(|e| b.apply(e));
    let open = issue(
        "db",
        IssueKind::MemoryExhaustion,
        IssueStatus::Open,
        0,
        7200,
    );
    b.apply(prediction(&open));
    outage.iter().cloned().for_each(|e| b.apply(e));
    let s = b.state();
    assert_eq!(s.incidents.len(), 1, "{:?}", s.incidents);
    let up = row(&s, "api").uptime.unwrap();
    assert!((up - (1.0 - 120.0 / 7200.0)).abs() < 1e-6, "{up}");
}
