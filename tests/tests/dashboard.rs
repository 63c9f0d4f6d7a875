//! The live dashboard as a person uses it: a real broker (tansu), `forewarn
//! dashboard` following it, and a real browser (Debian's headless
//! chromium, driven over the DevTools protocol) on its pages while events
//! are published. The operator view loads, shows a predicted issue (with
//! its evidence and probability) within 2 s of its event being published,
//! and then a crash and a verified action, all without a reload; the
//! status view shows the service and its outage in plain words and no
//! operator detail, and updates live when the service recovers.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use forewarn_core::contracts::{
    ActionResult, Evidence, IssueKind, IssueStatus, ModelRef, PredictedIssue, RecommendedAction,
    RemediationMode, RemediationOutcome, ServiceEvent, ServiceEventKind, Severity,
};
use forewarn_e2e::{forewarn_bin, workspace_root};
use forewarn_kafka::{Producer, TopicSpec};

mod common;
use common::browser::{Browser, http_get};
use common::{default_pipeline, free_port, start_tansu, wait_for};

/// The dashboard process; killed when dropped.
struct Dashboard(Child);

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn produce(p: &Producer, topic: &str, key: &str, value: serde_json::Value) {
    p.send(topic, key.as_bytes(), value.to_string().as_bytes())
        .unwrap();
    let d = p.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(d.failed, 0, "the broker refused an event");
}

fn issue(now: DateTime<Utc>) -> PredictedIssue {
    let opened = now - chrono::Duration::seconds(5);
    PredictedIssue {
        schema_version: 1,
        id: PredictedIssue::incident_id(
            IssueKind::MemoryExhaustion,
            "checkout",
            "checkout-0",
            opened,
        ),
        revision: 0,
        status: IssueStatus::Open,
        kind: IssueKind::MemoryExhaustion,
        service: "checkout".into(),
        instance: "checkout-0".into(),
        severity: Severity::Critical,
        probability: 0.87,
        detected_at: opened,
        opened_at: opened,
        predicted_failure_at: Some(now + chrono::Duration::minutes(25)),
        failure_interval: None,
        horizon_s: 3600.0,
        evidence: vec![Evidence {
            feature: "memory_rss_bytes.1h.slope".into(),
            value: 1.5e6,
            baseline: Some(1.0e3),
            contribution: 0.92,
        }],
        root_cause_service: Some("checkout".into()),
        model: ModelRef {
            name: "trend".into(),
            version: "1".into(),
        },
        recommended_action: Some(RecommendedAction::Restart),
        log: None,
        episode: None,
    }
}

fn write_log(dir: &Path, name: &str) -> std::fs::File {
    std::fs::File::create(dir.join(name)).unwrap()
}

#[test]
fn the_dashboard_shows_events_live_and_the_status_view_hides_operator_detail() {
    let Some(broker) = start_tansu() else {
        return;
    };
    let Some(browser) = Browser::start("dashboard") else {
        return;
    };
    let b = broker.addr.as_str();
    let dir = std::env::temp_dir().join(format!("forewarn-e2e-dash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pipeline = default_pipeline(&dir, "dash");
    let topics = [
        "dash.predictions",
        "dash.remediation-outcomes",
        "dash.service-events",
        "dash.metrics",
    ];
    let specs: Vec<TopicSpec<'_>> = topics
        .iter()
        .map(|t| TopicSpec {
            name: t,
            partitions: 2,
            config: Vec::new(),
        })
        .collect();
    forewarn_kafka::ensure(b, &[], &specs, Duration::from_secs(30)).unwrap();

    let http = format!("127.0.0.1:{}", free_port());
    let _dashboard = Dashboard(
        Command::new(forewarn_bin())
            .args(["dashboard", "--brokers", b, "--listen", &http, "--pipeline"])
            .arg(&pipeline)
            .args(["--since", "1h", "--log", "forewarn_dashboard=debug"])
            .current_dir(workspace_root())
            .stdout(Stdio::null())
            .stderr(write_log(&dir, "dashboard.log"))
            .spawn()
            .expect("start forewarn dashboard"),
    );
    // Ready once it follows every partition of the four topics.
    wait_for(
        "the dashboard to follow its topics",
        Duration::from_secs(60),
        || {
            http_get(&http, "/api/state")
                .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
                .is_some_and(|s| s["feed"]["partitions"] == 8)
        },
    );

    let mut page = browser.page();
    page.navigate(&format!("http://{http}/"));
    assert!(
        page.wait_for("window.forewarnRenders > 0", Duration::from_secs(20))
            .is_some(),
        "the operator view never rendered: {}",
        page.html()
    );
    let load_id = page.eval("window.forewarnLoadId");
    let origin = page.eval("performance.timeOrigin");
    assert!(load_id.is_string());
    assert!(
        page.text().contains("Nothing predicted."),
        "{}",
        page.text()
    );

    // 1. A predicted issue appears within 2 s of its publication.
    let producer = Producer::new(b, &[]).unwrap();
    let now = Utc::now();
    let predicted = issue(now);
    let published = Instant::now();
    produce(
        &producer,
        "dash.predictions",
        "checkout",
        serde_json::to_value(&predicted).unwrap(),
    );
    let selector = format!(
        "!!document.querySelector('[data-issue-id=\"{}\"]')",
        predicted.id
    );
    let seen = page
        .wait_for(&selector, Duration::from_secs(10))
        .unwrap_or_else(|| panic!("the issue never appeared: {}", page.text()));
    let delay = seen - published;
    eprintln!(
        "predicted issue published → shown in the operator view: {} ms",
        delay.as_millis()
    );
    assert!(delay < Duration::from_secs(2), "took {delay:?}");
    let text = page.text();
    for shown in [
        "memory exhaustion",
        "memory_rss_bytes.1h.slope",
        "p = 87 %",
        "root cause: checkout",
    ] {
        assert!(
            text.contains(shown),
            "{shown:?} not in the operator view:\n{text}"
        );
    }
    assert!(
        page.wait_for(
            "(document.querySelector('.countdown[data-at]')||{}).textContent?.startsWith('in 2')",
            Duration::from_secs(3)
        )
        .is_some(),
        "the countdown does not show about 25 minutes: {text}"
    );
    assert_eq!(
        page.eval("document.querySelector('.tile[data-service=\"checkout\"]').dataset.health"),
        "warning"
    );

    // 2. The service crashes: its tile turns red.
    let crash = ServiceEvent::new(
        "checkout",
        "checkout-0",
        ServiceEventKind::Crashed,
        Utc::now(),
        0,
    );
    produce(
        &producer,
        "dash.service-events",
        "checkout",
        serde_json::to_value(&crash).unwrap(),
    );
    assert!(
        page.wait_for(
            "document.querySelector('.tile[data-service=\"checkout\"]').dataset.health === 'down'",
            Duration::from_secs(10)
        )
        .is_some(),
        "the crash never showed: {}",
        page.text()
    );

    // 3. The remediator restarts it, verified.
    let action = RemediationOutcome {
        schema_version: 1,
        id: "outcome-1".into(),
        issue_id: predicted.id.clone(),
        ts: Utc::now(),
        service: "checkout".into(),
        target: "checkout-0".into(),
        action: RecommendedAction::Restart,
        mode: RemediationMode::Live,
        result: ActionResult::Succeeded,
        duration_ms: 850,
        verified: Some(true),
        detail: "restart command sent to checkout-0".into(),
    };
    produce(
        &producer,
        "dash.remediation-outcomes",
        "checkout",
        serde_json::to_value(&action).unwrap(),
    );
    assert!(
        page.wait_for(
            "[...document.querySelectorAll('#actions tr')].some(r => r.textContent.includes('✓ verified'))",
            Duration::from_secs(10)
        )
        .is_some(),
        "the action never showed: {}",
        page.text()
    );
    assert_eq!(
        page.eval("window.forewarnLoadId"),
        load_id,
        "the page was reloaded"
    );
    assert_eq!(
        page.eval("performance.timeOrigin"),
        origin,
        "the page was reloaded"
    );
    assert!(page.eval("window.forewarnRenders").as_u64().unwrap() >= 4);

    // 4. The status view: the service and its outage, nothing internal.
    page.navigate(&format!("http://{http}/status"));
    assert!(
        page.wait_for(
            "!!document.querySelector('li.service[data-service=\"checkout\"] .state.outage')",
            Duration::from_secs(20)
        )
        .is_some(),
        "the status view does not show checkout's outage: {}",
        page.html()
    );
    let text = page.text();
    assert!(text.contains("checkout: Unavailable since"), "{text}");
    let html = page.html();
    for secret in [
        predicted.id.as_str(),
        "memory_rss_bytes",
        "memory exhaustion",
        "memory_exhaustion",
        "0.87",
        "p =",
        "probability",
        "evidence",
        "restart command",
        "outcome-1",
        "checkout-0",
        "root cause",
    ] {
        assert!(
            !html.contains(secret),
            "{secret:?} is on the status view:\n{html}"
        );
    }
    let public = http_get(&http, "/api/status").unwrap().1;
    for secret in [predicted.id.as_str(), "memory_rss_bytes", "0.87", "restart"] {
        assert!(
            !public.contains(secret),
            "{secret:?} in /api/status: {public}"
        );
    }

    // 5. It recovers: the status view follows, live.
    let load_id = page.eval("window.forewarnLoadId");
    let up = ServiceEvent::new(
        "checkout",
        "checkout-0",
        ServiceEventKind::Recovered,
        Utc::now(),
        1,
    );
    produce(
        &producer,
        "dash.service-events",
        "checkout",
        serde_json::to_value(&up).unwrap(),
    );
    assert!(
        page.wait_for(
            "!!document.querySelector('li.service[data-service=\"checkout\"] .state.operational')",
            Duration::from_secs(10)
        )
        .is_some(),
        "the recovery never showed: {}",
        page.text()
    );
    assert!(
        page.text().contains("Recovered automatically."),
        "{}",
        page.text()
    );
    assert_eq!(
        page.eval("window.forewarnLoadId"),
        load_id,
        "the page was reloaded"
    );
}
