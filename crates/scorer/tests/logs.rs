//! Log intelligence in the scorer: log records are mined into templates
//! per service, their per-minute features go into the windows, and a burst
//! of an unusual template opens a log-anomaly incident that names the
//! template, shows example lines and lists the service's other open
//! incidents as evidence. Steady logs open nothing; a scorer restored from
//! a checkpoint goes on with the same template ids and the same events.

use std::path::Path;

use chrono::{DateTime, Utc};
use forewarn_core::SeriesKey;
use forewarn_core::contracts::{IssueKind, IssueStatus, LogLevel, LogRecord, MetricSample};
use forewarn_models::artifact::Artifact;
use forewarn_scorer::{Events, Scorer, ScorerOptions, ScorerState};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn scorer() -> Scorer {
    let pipeline = forewarn_config::load(&root().join("pipelines/default.yaml")).unwrap();
    assert!(pipeline.sources.logs.is_some() && pipeline.models.logs.enabled);
    let model = Artifact::load_for(&root().join("models/default"), &pipeline.features.hash())
        .unwrap()
        .model;
    Scorer::new(pipeline, model, ScorerOptions::default()).unwrap()
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_767_225_600_000 + ms).unwrap()
}

/// A small deterministic generator (the test needs variety, not quality).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// One input item in event time.
enum Item {
    Log(LogRecord),
    Metric(MetricSample),
}

/// `minutes` of service `api`: about 30 ordinary lines a minute, memory
/// growing toward its 4 GiB limit, and, from minute `burst` for three
/// minutes, 40 lines a minute of an error never seen before.
fn input(minutes: i64, burst: Option<i64>) -> Vec<Item> {
    input_with(minutes, burst.as_slice(), None)
}

/// As [`input`] with a burst from each minute of `bursts`, and from minute
/// `trickle` on, two warnings a minute of a kind never seen before (a disk
/// filling up).
fn input_with(minutes: i64, bursts: &[i64], trickle: Option<i64>) -> Vec<Item> {
    let mut rng = Lcg(7);
    let mut items = Vec::new();
    let log = |ms: i64, level: LogLevel, message: String| {
        Item::Log(LogRecord {
            schema_version: 1,
            ts: at(ms),
            service: "api".into(),
            instance: "api-0".into(),
            level,
            message,
            fields: Default::default(),
        })
    };
    for m in 0..minutes {
        let t0 = m * 60_000;
        let mut lines = Vec::new();
        for _ in 0..(18 + rng.next(5)) {
            let (id, ms) = (rng.next(90_000), 3 + rng.next(80));
            lines.push((
                LogLevel::Info,
                format!("GET /api/v1/items/{id} 200 in {ms}ms"),
            ));
        }
        for _ in 0..(3 + rng.next(3)) {
            let (u, a, b) = (rng.next(10_000), rng.next(255), rng.next(255));
            lines.push((
                LogLevel::Info,
                format!("user {u} logged in from 10.0.{a}.{b}"),
            ));
        }
        for _ in 0..(2 + rng.next(3)) {
            let (r, s) = (rng.next(100), rng.next(16));
            lines.push((
                LogLevel::Info,
                format!("cache hit ratio 0.{r} for shard {s}"),
            ));
        }
        if rng.next(3) == 0 {
            let ms = 200 + rng.next(800);
            lines.push((
                LogLevel::Warn,
                format!("slow query took {ms}ms on table orders"),
            ));
        }
        if trickle.is_some_and(|t| m >= t) {
            for _ in 0..2 {
                let pct = 90 + (m - trickle.unwrap_or(0)) / 4;
                lines.push((
                    LogLevel::Warn,
                    format!(
                        "disk usage on /var/lib/api at {pct}% ({} MB free)",
                        rng.next(900)
                    ),
                ));
            }
        }
        if bursts.iter().any(|b| (*b..b + 3).contains(&m)) {
            for _ in 0..40 {
                let n = 1 + rng.next(9);
                lines.push((
                    LogLevel::Error,
                    format!("connection refused by db-3:5432 after {n} retries"),
                ));
            }
        }
        let step = 60_000 / lines.len() as i64;
        for (i, (level, message)) in lines.into_iter().enumerate() {
            items.push(log(t0 + i as i64 * step, level, message));
        }
        // Memory: 2 GiB growing 16 MiB a minute (crosses 4 GiB at ~2h08).
        items.push(Item::Metric(MetricSample {
            schema_version: 1,
            ts: at(t0 + 59_000),
            service: "api".into(),
            instance: "api-0".into(),
            metric: "memory_rss_bytes".into(),
            value: 2.0 * 1024.0 * 1024.0 * 1024.0 + (m as f64) * 16.0 * 1024.0 * 1024.0,
            labels: Default::default(),
        }));
    }
    items
}

fn feed(s: &mut Scorer, items: &[Item], out: &mut Events) {
    for item in items {
        match item {
            Item::Log(r) => s.on_log(r, out),
            Item::Metric(m) => {
                let _ = s.on_metric(m, out);
            }
        }
    }
}

fn log_anomalies(e: &Events) -> Vec<&forewarn_core::contracts::PredictedIssue> {
    e.issues
        .iter()
        .filter(|i| i.kind == IssueKind::LogAnomaly)
        .collect()
}

/// The log anomalies opened (first events of incidents).
fn log_anomalies_opened(e: &Events) -> Vec<&forewarn_core::contracts::PredictedIssue> {
    log_anomalies(e)
        .into_iter()
        .filter(|i| i.status == IssueStatus::Open)
        .collect()
}

#[test]
fn a_burst_of_a_new_error_template_opens_a_log_anomaly_with_its_template_and_examples() {
    let mut s = scorer();
    let mut out = Events::default();
    feed(&mut s, &input(120, Some(100)), &mut out);
    let logs = log_anomalies(&out);
    let opened = log_anomalies_opened(&out);
    assert_eq!(opened.len(), 1, "{logs:#?}");
    let i = opened[0];
    assert_eq!(i.service, "api");
    // Opened within the burst (minutes 100-102, decided at minute ends).
    let minute = (i.opened_at - at(0)).num_minutes();
    assert!((100..=103).contains(&minute), "opened at minute {minute}");
    let log = i.log.as_ref().expect("the template behind it");
    assert_eq!(
        log.template,
        "connection refused by db-3:5432 after <*> retries"
    );
    // 40 lines in the deciding minute, against a baseline of (nearly)
    // none: new in the burst's first minute, 40/60 a minute after it.
    assert!(log.count == 40 && log.baseline <= 0.7, "{log:?}");
    assert_eq!(log.examples.len(), 3);
    assert!(
        log.examples
            .iter()
            .all(|e| e.starts_with("connection refused by db-3:5432 after "))
    );
    // Evidence: the log features with their baselines, strongest first,
    // and the memory incident already open on the same service.
    assert!(i.evidence[0].contribution > 0.0, "{:?}", i.evidence);
    assert!(
        i.evidence.iter().any(|e| e.feature == "log_error_rate"
            && e.value > 0.5
            && e.baseline.is_some_and(|b| b < 0.05)),
        "{:?}",
        i.evidence
    );
    assert!(
        out.issues
            .iter()
            .any(|m| m.kind == IssueKind::MemoryExhaustion && m.opened_at < i.opened_at),
        "the memory trend opened first"
    );
    assert!(
        i.evidence
            .iter()
            .any(|e| e.feature == "open_issue.memory_exhaustion.api-0"),
        "{:?}",
        i.evidence
    );
    // It resolves once the burst is over.
    assert!(
        logs.iter()
            .any(|x| x.id == i.id && x.status == IssueStatus::Resolved)
    );
    // The log features are series of the service in the windows.
    for f in forewarn_scorer::logs::LOG_FEATURES {
        assert!(
            s.engine().series(&SeriesKey::new("api", "", f)).is_some(),
            "{f}"
        );
    }
}

#[test]
fn a_trickle_of_new_warnings_no_single_minute_shows_opens_a_log_anomaly() {
    let mut s = scorer();
    let mut out = Events::default();
    feed(&mut s, &input_with(150, &[], Some(100)), &mut out);
    let logs = log_anomalies(&out);
    let opened = log_anomalies_opened(&out);
    assert_eq!(opened.len(), 1, "{logs:#?}");
    let i = opened[0];
    // Two warnings a minute where about one minute in three has one: no
    // single minute stands out, the 5- and 15-minute windows do (measured:
    // opened 11 minutes in).
    let minute = (i.opened_at - at(0)).num_minutes();
    assert!((101..=115).contains(&minute), "opened at minute {minute}");
    assert!(
        i.log
            .as_ref()
            .is_some_and(|l| l.template.starts_with("disk usage on /var/lib/api at")),
        "{:?}",
        i.log
    );
    let warn = i
        .evidence
        .iter()
        .find(|e| e.feature == "log_warn_rate")
        .unwrap();
    assert!(warn.contribution > 0.0 && warn.value > 2.0 * warn.baseline.unwrap());
}

#[test]
fn a_service_gone_quiet_has_its_incidents_resolved_and_its_log_state_dropped() {
    let mut s = scorer();
    let mut out = Events::default();
    // Ends inside the burst: the log anomaly (and the memory trend) open.
    feed(&mut s, &input(103, Some(100)), &mut out);
    let open: Vec<IssueKind> = s.tracker().open().map(|i| i.kind).collect();
    assert!(open.contains(&IssueKind::LogAnomaly), "{open:?}");
    assert!(open.contains(&IssueKind::MemoryExhaustion), "{open:?}");
    // Six hours later (event time) another service logs: every open
    // incident of `api` has been silent that long and is resolved, at the
    // minute the check ran (on the input's own clock).
    let later = 103 * 60_000 + 6 * 3_600_000 + 60_000;
    let mut gone = Events::default();
    s.on_log(
        &LogRecord {
            schema_version: 1,
            ts: at(later),
            service: "web".into(),
            instance: "web-0".into(),
            level: LogLevel::Info,
            message: "GET / 200".into(),
            fields: Default::default(),
        },
        &mut gone,
    );
    assert_eq!(gone.issues.len(), open.len(), "{:#?}", gone.issues);
    assert!(
        gone.issues.iter().all(
            |i| i.status == IssueStatus::Resolved && i.detected_at == at(later - 6 * 3_600_000)
        )
    );
    assert_eq!(s.tracker().open_count(), 0);
    // And `api`'s series and log state go at the next eviction.
    assert!(s.evict_idle(at(later).timestamp_millis() - 3_600_000) >= 7);
    assert!(
        s.engine()
            .series(&SeriesKey::new("api", "", "log_error_rate"))
            .is_none()
    );
}

#[test]
fn a_sparse_logger_s_quiet_minutes_count_so_its_warning_trickle_stands_out() {
    // `db` writes nothing but a warning every ten minutes; then one every
    // minute. Counted per minute with lines, its baseline would be one
    // warning a minute and the trickle would look normal; counted per
    // minute of time (quiet minutes as zeros), it is ten times that.
    let mut s = scorer();
    let mut out = Events::default();
    for m in 0..200i64 {
        if m < 180 && m % 10 != 0 {
            continue;
        }
        let r = LogRecord {
            schema_version: 1,
            ts: at(m * 60_000 + 7_000),
            service: "db".into(),
            instance: "db-0".into(),
            level: LogLevel::Warn,
            message: format!("autovacuum of table t{} took {}ms", m % 9, 900 + m),
            fields: Default::default(),
        };
        s.on_log(&r, &mut out);
    }
    let opened = log_anomalies_opened(&out);
    assert_eq!(opened.len(), 1, "{opened:#?}");
    let minute = (opened[0].opened_at - at(0)).num_minutes();
    assert!((180..=196).contains(&minute), "opened at minute {minute}");
}

#[test]
fn steady_logs_open_no_log_anomaly() {
    let mut s = scorer();
    let mut out = Events::default();
    feed(&mut s, &input(240, None), &mut out);
    assert!(log_anomalies(&out).is_empty(), "{:#?}", log_anomalies(&out));
}

#[test]
fn a_restored_scorer_keeps_its_templates_and_raises_the_same_log_events() {
    let items = input(120, Some(100));
    let (before, after) = items.split_at(items.len() * 95 / 120);
    let mut whole = scorer();
    let mut a = Events::default();
    feed(&mut whole, &items, &mut a);

    let mut first = scorer();
    let mut b = Events::default();
    feed(&mut first, before, &mut b);
    let bytes = rmp_serde::to_vec_named(&first.snapshot()).unwrap();
    let state: ScorerState = rmp_serde::from_slice(&bytes).unwrap();
    let pipeline = forewarn_config::load(&root().join("pipelines/default.yaml")).unwrap();
    let model = Artifact::load_for(&root().join("models/default"), &pipeline.features.hash())
        .unwrap()
        .model;
    let (mut second, _) =
        Scorer::restore(pipeline, model, ScorerOptions::default(), state).unwrap();
    feed(&mut second, after, &mut b);
    assert!(!log_anomalies(&a).is_empty());
    assert_eq!(a.issues, b.issues);

    // A cold scorer on the second part alone differs (so the check can fail).
    let mut cold = scorer();
    let mut c = Events::default();
    feed(&mut cold, after, &mut c);
    assert_ne!(log_anomalies(&a), log_anomalies(&c));
}

#[test]
fn a_burst_that_ended_speaks_no_more_from_inside_the_longer_windows() {
    // `db` logs 20 ordinary lines a minute and, at minutes 100-102 and
    // again at 128-130, 40 errors a minute. The first burst opens an
    // incident that resolves minutes after the burst ends: at its quiet
    // minutes the 15-minute window, which still holds the burst, is not
    // judged (before 2026-12-07 it was, and kept the incident open until
    // the burst left the window). The second burst comes while repeats
    // are suppressed and ends before the suppression does: nothing opens
    // after it, though the window still holds it when the suppression
    // ends (the simulated fleets' 6 log false alarms were such openings).
    let mut s = scorer();
    let mut out = Events::default();
    for m in 0..180i64 {
        let burst = (100..103).contains(&m) || (128..131).contains(&m);
        let n = if burst { 60 } else { 20 };
        for j in 0..n {
            let (level, message) = if burst && j % 3 != 0 {
                (
                    LogLevel::Error,
                    format!(
                        "connection refused by db-3:5432 after {} retries",
                        1 + j % 7
                    ),
                )
            } else {
                (
                    LogLevel::Info,
                    format!("GET /api/v1/items/{} 200 in {}ms", m * 97 + j, 3 + j),
                )
            };
            let r = LogRecord {
                schema_version: 1,
                ts: at(m * 60_000 + j * 60_000 / n),
                service: "db".into(),
                instance: "db-0".into(),
                level,
                message,
                fields: Default::default(),
            };
            s.on_log(&r, &mut out);
        }
    }
    let logs = log_anomalies(&out);
    let resolved = logs
        .iter()
        .find(|i| i.status == IssueStatus::Resolved)
        .expect("the first incident resolves");
    let minute = (resolved.detected_at - at(0)).num_minutes();
    assert!((103..=110).contains(&minute), "resolved at minute {minute}");
    let opened = log_anomalies_opened(&out);
    assert_eq!(opened.len(), 1, "{logs:#?}");
}
