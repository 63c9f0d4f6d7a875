//! The definitions at their edges: several instances, observed issues
//! before the episode, resolutions, failed and refuted actions, a skip
//! that does not undo an execution, and entries later than the reorder
//! buffer.

use chrono::{DateTime, TimeDelta, Utc};
use forewarn_core::contracts::{
    ActionResult, IssueKind, IssueStatus, ModelRef, PredictedIssue, RecommendedAction,
    RemediationMode, RemediationOutcome, ServiceEvent, ServiceEventKind, Severity,
};
use forewarn_ledger::{ActionStatus, Entry, Ledger, LedgerOptions, PredictionClass};

fn t(s: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + TimeDelta::seconds(1_700_000_000 + s)
}

fn ev(kind: ServiceEventKind, instance: &str, s: i64) -> Entry {
    Entry::Service(ServiceEvent::new("api", instance, kind, t(s), 0))
}

fn issue(
    id: &str,
    kind: IssueKind,
    s: i64,
    horizon_s: f64,
    status: IssueStatus,
    rev: u32,
) -> Entry {
    Entry::Prediction(PredictedIssue {
        schema_version: 1,
        id: id.into(),
        revision: rev,
        status,
        kind,
        service: "api".into(),
        instance: String::new(),
        severity: Severity::Warning,
        probability: 0.8,
        detected_at: t(s),
        opened_at: t(s - 60 * rev as i64),
        predicted_failure_at: None,
        failure_interval: None,
        horizon_s,
        evidence: Vec::new(),
        root_cause_service: None,
        model: ModelRef {
            name: "m".into(),
            version: "1".into(),
        },
        recommended_action: Some(RecommendedAction::Restart),
        log: None,
        episode: None,
    })
}

fn outcome(
    issue: &str,
    s: i64,
    mode: RemediationMode,
    result: ActionResult,
    verified: Option<bool>,
) -> Entry {
    Entry::Outcome(RemediationOutcome {
        schema_version: 1,
        id: format!("{issue}-{s}"),
        issue_id: issue.into(),
        ts: t(s),
        service: "api".into(),
        target: String::new(),
        action: RecommendedAction::Restart,
        mode,
        result,
        duration_ms: 10,
        verified,
        detail: "detail".into(),
    })
}

#[test]
fn an_episode_lasts_until_every_instance_is_back() {
    use ServiceEventKind::*;
    let l = Ledger::replay(
        LedgerOptions::default(),
        [
            ev(Started, "a", 0),
            ev(Crashed, "a", 100),
            ev(Hung, "b", 150),
            ev(Recovered, "a", 200),
            ev(Recovered, "b", 400),
        ],
    );
    let r = l.report(t(0), t(1000), &[]);
    let api = &r.services[0];
    assert_eq!(api.figures.incidents, 1);
    assert_eq!(api.incidents[0].instances, ["a", "b"]);
    assert_eq!(api.incidents[0].time_to_recover_s, Some(300.0));
    assert_eq!(api.figures.down_s, 300.0);
}

#[test]
fn an_observed_issue_just_before_the_episode_detects_it_and_a_resolution_does_not() {
    use ServiceEventKind::*;
    let l = Ledger::replay(
        LedgerOptions::default(),
        [
            ev(Started, "", 0),
            // The scorer saw the service down 5 s before watch's event.
            issue("d", IssueKind::ServiceDown, 95, 0.0, IssueStatus::Open, 0),
            ev(HealthFailed, "", 100),
            ev(Recovered, "", 200),
            // Second episode: only a resolution of an old issue during it.
            ev(Crashed, "", 500),
            issue(
                "d",
                IssueKind::ServiceDown,
                550,
                0.0,
                IssueStatus::Resolved,
                1,
            ),
            ev(Recovered, "", 600),
        ],
    );
    let r = l.report(t(0), t(1000), &[]);
    let inc = &r.services[0].incidents;
    assert_eq!(inc[0].time_to_detect_s, Some(0.0));
    assert_eq!(
        inc[1].time_to_detect_s, None,
        "a resolution is no detection"
    );
    assert_eq!((r.fleet.detected, r.fleet.undetected), (1, 1));
    assert_eq!(r.fleet.predictions, 0, "observed kinds are not predictions");
}

#[test]
fn failed_or_refuted_actions_do_not_prevent_outages() {
    use IssueKind::MemoryExhaustion as M;
    use RemediationMode::{Live, Shadow};
    let l = Ledger::replay(
        LedgerOptions::default(),
        [
            ev(ServiceEventKind::Started, "", 0),
            issue("p1", M, 10, 100.0, IssueStatus::Open, 0),
            outcome("p1", 20, Live, ActionResult::Failed, None),
            issue("p2", M, 200, 100.0, IssueStatus::Open, 0),
            outcome("p2", 210, Live, ActionResult::Succeeded, None),
            outcome("p2", 250, Live, ActionResult::Succeeded, Some(false)),
            issue("p3", M, 400, 100.0, IssueStatus::Open, 0),
            // Started live, then a skip of the same action (a later
            // duplicate decision): the execution stands, and succeeds.
            outcome("p3", 410, Live, ActionResult::Skipped, None),
            outcome("p3", 411, Shadow, ActionResult::Skipped, None),
            outcome("p3", 412, Live, ActionResult::Succeeded, None),
        ],
    );
    let r = l.report(t(0), t(1000), &[]);
    let classes: Vec<PredictionClass> = r.services[0].predictions.iter().map(|p| p.class).collect();
    assert_eq!(
        classes,
        [
            PredictionClass::NotConfirmed,
            PredictionClass::NotConfirmed,
            PredictionClass::OutagePrevented
        ]
    );
    let a = &r.fleet.actions;
    assert_eq!((a.taken, a.succeeded, a.failed, a.skipped), (3, 2, 1, 0));
    let p3 = r.services[0]
        .actions
        .iter()
        .find(|x| x.issue_id == "p3")
        .unwrap();
    assert_eq!(p3.status, ActionStatus::Succeeded);
}

#[test]
fn entries_later_than_the_buffer_are_folded_and_counted_late() {
    use ServiceEventKind::*;
    let mut l = Ledger::new(LedgerOptions::default());
    l.apply(ev(Started, "", 0));
    l.apply(ev(Crashed, "", 1000));
    // 10 minutes after the newest: beyond the 5-minute buffer.
    l.apply(ev(Recovered, "", 1600));
    l.apply(ev(Restarted, "", 1010));
    assert_eq!(l.intake().late, 0, "1010 is within the buffer of 1600");
    l.apply(ev(Recovered, "", 2000));
    l.apply(ev(Crashed, "", 900));
    assert_eq!(l.intake().late, 1);
    assert_eq!(l.intake().folded, 6);
}

/// Found by the `ledger_lines` fuzz target: a prediction id whose eighth
/// byte is inside a character panicked the Markdown report, and a horizon
/// past the calendar's end panicked the fold.
#[test]
fn ids_and_horizons_from_any_producer_never_panic_the_fold_or_the_report() {
    let l = Ledger::replay(
        LedgerOptions::default(),
        [
            ev(ServiceEventKind::Started, "", 0),
            issue(
                "ééééé-alarm",
                IssueKind::MemoryExhaustion,
                10,
                60.0,
                IssueStatus::Open,
                0,
            ),
            issue(
                "far",
                IssueKind::DiskExhaustion,
                20,
                1e300,
                IssueStatus::Open,
                0,
            ),
            issue(
                "back",
                IssueKind::DiskExhaustion,
                30,
                -1e300,
                IssueStatus::Open,
                0,
            ),
        ],
    );
    let r = l.report(t(0), t(100_000), &[]);
    let md = r.markdown();
    assert!(
        md.contains("`ééééé-al`"),
        "the id cut at 8 characters: {md}"
    );
    assert_eq!(r.fleet.predictions, 3, "every prediction is counted");
    assert!(
        r.html().contains("</html>"),
        "the HTML report renders whole"
    );
}

/// Found by the `ledger_lines` fuzz target: two different records under
/// one id and revision folded the one given first, so the replayed ledger
/// depended on the order of its input.
#[test]
fn one_key_two_records_replay_the_same_in_either_order() {
    let mut a = issue(
        "i",
        IssueKind::MemoryExhaustion,
        100,
        600.0,
        IssueStatus::Open,
        1,
    );
    let mut b = a.clone();
    if let (Entry::Prediction(pa), Entry::Prediction(pb)) = (&mut a, &mut b) {
        pa.predicted_failure_at = Some(t(200));
        pb.predicted_failure_at = Some(t(900));
    }
    let fwd = Ledger::replay(LedgerOptions::default(), [a.clone(), b.clone()]);
    let back = Ledger::replay(LedgerOptions::default(), [b, a]);
    assert_eq!(fwd.snapshot(t(1000)), back.snapshot(t(1000)));
    assert_eq!(
        fwd.report(t(0), t(1000), &[]),
        back.report(t(0), t(1000), &[])
    );
    assert_eq!(fwd.intake().duplicates, 1);
}
