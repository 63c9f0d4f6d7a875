//! The seed corpora, made from real records by the production encoders:
//! samples of a service whose memory leaks (with its limit, CPU and
//! latency) in every metric wire format, the sample dataset's log lines,
//! the issues and events the default scorer and a remediator make of
//! them, the repository's pipeline and policy files, a checkpoint of that
//! scorer and the audit logs of a remediator deciding on its issues.
//! `fuzz-seeds` writes them under `corpus/<target>/`.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use forewarn_core::contracts::{
    ControlMessage, MetricSample, PredictedIssue, ServiceEvent, ServiceEventKind, SwitchState,
};
use forewarn_formats::{encode_arrow_ipc, encode_arrow_ipc_chunked};
use forewarn_remediate::audit::{AuditKey, AuditLog, Extra, Phase};
use forewarn_remediate::{Policy, Remediator, Step};
use forewarn_scorer::{Events, Scorer};
use forewarn_stream::checkpoint::{PartitionCheckpoint, encode};

use crate::files::{DEFAULT_PIPELINE, REFERENCE_POLICY, default_scorer, now};

/// A seed: target, file name, bytes.
pub type Seed = (&'static str, String, Vec<u8>);

const SAMPLE_LOGS: &str = include_str!("../../../datasets/sample/logs.jsonl");
const SAMPLE_PIPELINE: &str = include_str!("../../../datasets/sample/pipeline.yaml");

fn t0() -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_225_600, 0).unwrap()
}

fn sample(minute: i64, metric: &str, value: f64) -> MetricSample {
    MetricSample {
        schema_version: 1,
        ts: t0() + TimeDelta::minutes(minute),
        service: "api".into(),
        instance: "api-0".into(),
        metric: metric.into(),
        value,
        labels: [("region".to_string(), "eu-1".to_string())].into(),
    }
}

/// Two hours of a leaking service, one sample of each metric a minute.
fn leak() -> Vec<MetricSample> {
    let mut v = Vec::new();
    for m in 0..120 {
        let f = m as f64;
        v.push(sample(m, "memory_rss_bytes", 1.0e9 + 2.5e7 * f));
        v.push(sample(m, "memory_limit_bytes", 4.0e9));
        v.push(sample(m, "cpu_utilization", 0.4 + 0.001 * f));
        v.push(sample(m, "latency_p99_ms", 120.0 + (f * 0.7).sin() * 10.0));
    }
    v
}

/// The default scorer run over the first `samples` of the leak and the
/// first `logs` log lines: its events and its state.
fn scored(samples: usize, logs: usize) -> (Events, Scorer) {
    let mut s = default_scorer();
    let mut out = Events::default();
    for x in leak().into_iter().take(samples) {
        let _ = s.on_metric(&x, &mut out);
    }
    for l in SAMPLE_LOGS.lines().take(logs) {
        if let Ok(r) = forewarn_core::decode::decode_log(l.as_bytes()) {
            s.on_log(&r, &mut out);
        }
    }
    (out, s)
}

fn influx_lines(samples: &[MetricSample]) -> String {
    samples
        .iter()
        .map(|s| {
            let (m, f) = s.metric.split_once('_').unwrap_or((&s.metric, "value"));
            format!(
                "{m},service={},host={},region=eu-1 {f}={} {}\n",
                s.service,
                s.instance,
                s.value,
                s.ts.timestamp_nanos_opt().unwrap_or(0)
            )
        })
        .collect()
}

fn adapter(s: &MetricSample) -> String {
    serde_json::json!({
        "timestamp": s.ts.to_rfc3339(),
        "value": s.value.to_string(),
        "name": s.metric,
        "labels": {"__name__": s.metric, "instance": "10.0.3.17:9100", "job": s.service, "pod": s.instance},
    })
    .to_string()
}

/// The audit log (and head file) of a remediator deciding on `issues`
/// under `policy`, optionally keyed: the bytes of an `audit_log` input.
fn audit(policy: &str, issues: &[PredictedIssue], key: Option<&[u8]>) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("forewarn-fuzz-seeds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    let path = dir.join("audit.jsonl");
    let key = key.map(|k| AuditKey::new(k).expect("a key"));
    let (mut log, _) = AuditLog::open_keyed(&path, key).expect("a new audit log");
    let mut r = Remediator::new(Policy::parse(policy).expect("a policy"), true);
    for i in issues {
        for step in r.on_event(i, now()) {
            match step {
                Step::Record {
                    phase,
                    kind,
                    step,
                    outcome,
                } => {
                    log.append(phase, kind, step, &outcome).expect("append");
                }
                Step::Execute(p) => {
                    let extra = Extra {
                        issue: Some(p.issue.clone()),
                        control: None,
                    };
                    let q = r.queued(&p);
                    log.append_entry(Phase::Queued, p.issue.kind, p.step, &q, extra)
                        .expect("append");
                    if let Step::Record { outcome, .. } = r.started(&p) {
                        log.append(Phase::Started, p.issue.kind, p.step, &outcome)
                            .expect("append");
                    }
                }
                _ => {}
            }
        }
    }
    drop(log);
    let mut bytes = std::fs::read(&path).expect("the log");
    bytes.push(0);
    bytes.extend(std::fs::read(forewarn_remediate::audit::head_path(&path)).expect("the head"));
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

/// Every seed of every target.
pub fn seeds() -> Vec<Seed> {
    let mut out: Vec<Seed> = Vec::new();
    let mut add = |t: &'static str, name: &str, bytes: Vec<u8>| out.push((t, name.into(), bytes));
    let leak = leak();
    let few: Vec<MetricSample> = leak.iter().skip(40).take(8).cloned().collect();
    for (i, s) in few.iter().take(4).enumerate() {
        add(
            "metric_json",
            &format!("sample-{i}.json"),
            serde_json::to_vec(s).unwrap(),
        );
        add(
            "prometheus",
            &format!("adapter-{i}.json"),
            adapter(s).into_bytes(),
        );
    }
    add(
        "influx",
        "telegraf-leak.txt",
        influx_lines(&few).into_bytes(),
    );
    add(
        "influx",
        "telegraf-one.txt",
        influx_lines(&few[..1]).into_bytes(),
    );
    add("arrow_ipc", "leak-8.arrows", encode_arrow_ipc(&few));
    add(
        "arrow_ipc",
        "leak-8-chunked.arrows",
        encode_arrow_ipc_chunked(&few, 3),
    );
    for (i, l) in SAMPLE_LOGS.lines().step_by(997).take(6).enumerate() {
        add(
            "log_record",
            &format!("sample-{i}.json"),
            l.as_bytes().to_vec(),
        );
    }
    for (i, line) in crate::logs::SEED_LINES.iter().enumerate() {
        let mut bytes = vec![i as u8];
        bytes.extend_from_slice(line.as_bytes());
        add("log_line", &format!("format-{i}.log"), bytes);
    }
    add(
        "ledger_lines",
        "known-events.jsonl",
        crate::ledger::SEED_EVENTS.as_bytes().to_vec(),
    );
    add(
        "ledger_lines",
        "known-audit.jsonl",
        crate::ledger::SEED_AUDIT.as_bytes().to_vec(),
    );
    let both = format!(
        "{}{}",
        crate::ledger::SEED_EVENTS,
        crate::ledger::SEED_AUDIT
    );
    add("ledger_lines", "known-both.jsonl", both.into_bytes());
    let (events, _) = scored(usize::MAX, 400);
    let mut issues: Vec<PredictedIssue> = events.issues.clone();
    issues.dedup_by_key(|i| i.kind);
    issues.truncate(4);
    for (i, issue) in issues.iter().enumerate() {
        add(
            "predicted_issue",
            &format!("scored-{i}.json"),
            serde_json::to_vec(issue).unwrap(),
        );
    }
    let mut down = crate::files::issue(
        "down-1",
        "db",
        forewarn_core::contracts::IssueKind::ServiceDown,
    );
    down.root_cause_service = Some("db".into());
    down.predicted_failure_at = Some(t0() + TimeDelta::minutes(30));
    add(
        "predicted_issue",
        "service-down.json",
        serde_json::to_vec(&down).unwrap(),
    );
    if let Some(o) = events.optimizations.first() {
        add(
            "predicted_issue",
            "optimization.json",
            serde_json::to_vec(o).unwrap(),
        );
    }
    let mut crashed = ServiceEvent::new("api", "api-0", ServiceEventKind::Crashed, t0(), 1);
    crashed.exit_code = Some(3);
    crashed.last_lines = vec!["fatal: bad config".into()];
    add(
        "service_event",
        "crashed.json",
        serde_json::to_vec(&crashed).unwrap(),
    );
    let control = ControlMessage {
        schema_version: 1,
        id: "c1".into(),
        ts: t0(),
        state: SwitchState::from_enabled(false),
        by: "oncall".into(),
        reason: "incident review".into(),
        previous: Some(SwitchState::from_enabled(true)),
    };
    add(
        "service_event",
        "control.json",
        serde_json::to_vec(&control).unwrap(),
    );
    add(
        "pipeline_yaml",
        "default.yaml",
        DEFAULT_PIPELINE.as_bytes().to_vec(),
    );
    add(
        "pipeline_yaml",
        "sample.yaml",
        SAMPLE_PIPELINE.as_bytes().to_vec(),
    );
    add(
        "policy_yaml",
        "remediation.yaml",
        REFERENCE_POLICY.as_bytes().to_vec(),
    );
    let (_, scorer) = scored(4, 2);
    let cp = PartitionCheckpoint {
        offsets: vec![
            ("forewarn.metrics".into(), 480),
            ("forewarn.logs".into(), 400),
        ],
        fingerprint: "spec-1".into(),
        state: scorer.snapshot(),
    };
    let records = encode("g", "metrics", 0, 3, &cp).expect("a checkpoint encodes");
    let mut whole = vec![1u8];
    let mut framed = vec![0u8];
    for (k, v) in &records {
        if k.ends_with("|m") {
            framed.push(u8::try_from(k.len()).unwrap());
        } else {
            whole.extend_from_slice(&v[17..]);
            framed.push(u8::try_from(k.len()).unwrap());
        }
        framed.extend_from_slice(k.as_bytes());
        framed.extend_from_slice(&u32::try_from(v.len()).unwrap().to_le_bytes());
        framed.extend_from_slice(v);
    }
    add("checkpoint", "scorer-state.msgpack", whole);
    add("checkpoint", "records.bin", framed);
    let live = REFERENCE_POLICY
        .replace("mode: shadow", "mode: live")
        .replace("enabled: false", "enabled: true");
    add(
        "audit_log",
        "shadow.jsonl",
        audit(REFERENCE_POLICY, &issues, None),
    );
    add("audit_log", "live.jsonl", audit(&live, &issues, None));
    add(
        "audit_log",
        "live-keyed.jsonl",
        audit(&live, &issues, Some(b"0123456789abcdef0123456789abcdef")),
    );
    add("policy_yaml", "live.yaml", live.into_bytes());
    out
}
