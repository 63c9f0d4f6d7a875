//! The safety controls live, with real processes on a real broker (tansu):
//! - `forewarn control disable` stops a running `forewarn remediate` and a
//!   running `forewarn watch` within a second (measured and printed): an
//!   issue published a second after the flip is skipped, naming who
//!   disabled actions, and a restart command sent to `watch` is ignored;
//!   after `enable` both act again. Each flip is a `control` line in the
//!   (keyed) audit log, which `forewarn audit verify` passes with the key
//!   and fails, naming the line, once a line is edited and re-hashed with
//!   plain SHA-256;
//! - a remediator SIGKILLed while an action waits for a slot resumes it at
//!   its next start (its `queued` line was on disk), and reports the one
//!   that was running as interrupted, repeating neither;
//! - an issue held for its episode (`episodes: { hold }`) when the
//!   remediator is SIGKILLed, its offset committed, is acted on exactly
//!   once after the restart (its `held` line was on disk; its hold ended
//!   while the remediator was down, so it is decided at once, alone), and
//!   the keyed audit chain verifies;
//! - a remediator whose group committed an offset inside the last record
//!   batch of its partition (tansu answers such a fetch from the next
//!   batch, and there is none) reads the rest of the batch anyway.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use forewarn_core::contracts::{
    IssueKind, IssueStatus, ModelRef, PredictedIssue, RecommendedAction, Severity,
};
use forewarn_e2e::{forewarn_bin, workspace_root};
use forewarn_kafka::{Commit, ConsumerBuilder, ProducerBuilder, TopicPartition, TopicReader};
use forewarn_remediate::audit::{Entry, Phase};
use sha2::{Digest, Sha256};

mod common;
use common::{Killed, default_pipeline, remediate_args, spawn_logged, start_tansu, wait_for};

const KEY: &str = "e2e audit key, 16+ bytes";

fn spawn<S: AsRef<std::ffi::OsStr>>(args: &[S], log: &Path) -> Killed {
    spawn_logged(args, log, Some(KEY))
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("forewarn-sk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn issue(id: &str, service: &str) -> PredictedIssue {
    let at = Utc::now() - chrono::TimeDelta::seconds(5);
    PredictedIssue {
        schema_version: 1,
        id: id.into(),
        revision: 0,
        status: IssueStatus::Open,
        kind: IssueKind::MemoryExhaustion,
        service: service.into(),
        instance: format!("{service}-0"),
        severity: Severity::Critical,
        probability: 0.97,
        detected_at: at,
        opened_at: at,
        predicted_failure_at: None,
        failure_interval: None,
        horizon_s: 600.0,
        evidence: Vec::new(),
        root_cause_service: None,
        model: ModelRef {
            name: "test".into(),
            version: "1".into(),
        },
        recommended_action: Some(RecommendedAction::Restart),
        episode: None,
        log: None,
    }
}

fn produce(b: &str, topic: &str, records: &[(String, Vec<u8>)]) {
    let p = ProducerBuilder::new(b)
        .set("linger.ms", "200")
        .build()
        .unwrap();
    for (k, v) in records {
        p.send(topic, k.as_bytes(), v).unwrap();
    }
    let d = p.flush(Duration::from_secs(30)).unwrap();
    assert_eq!(d.acked as usize, records.len(), "{d:?}");
}

fn publish_issue(b: &str, topic: &str, i: &PredictedIssue) {
    produce(
        b,
        topic,
        &[(i.service.clone(), serde_json::to_vec(i).unwrap())],
    );
}

fn audit(path: &Path) -> Vec<Entry> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn line_of(path: &Path, issue: &str, phase: Phase) -> Option<Entry> {
    audit(path)
        .into_iter()
        .find(|e| e.outcome.issue_id == issue && e.phase == phase)
}

fn log_has(path: &Path, needle: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(needle))
}

/// `restarted` events on the service-events topic.
fn restarts(b: &str, topic: &str) -> usize {
    let Ok(r) = TopicReader::new(b, &[], topic) else {
        return 0;
    };
    r.read_to_end(Duration::from_secs(10))
        .unwrap_or_default()
        .iter()
        .filter(|m| {
            serde_json::from_slice::<serde_json::Value>(&m.payload)
                .is_ok_and(|v| v["kind"] == "restarted")
        })
        .count()
}

/// Run `forewarn control ...`; the message it published.
fn control(b: &str, pipeline: &str, args: &[&str]) -> serde_json::Value {
    let o = Command::new(forewarn_bin())
        .args(["control"])
        .args(args)
        .args(["--brokers", b, "--pipeline", pipeline])
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Wait until `needle` appears in each of `logs`; the time from `since`
/// (the flip's timestamp) to each sighting, in milliseconds.
fn seen_after(logs: &[&Path], needle: &str, since: chrono::DateTime<Utc>) -> Vec<i64> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = vec![None; logs.len()];
    while out.iter().any(Option::is_none) {
        assert!(Instant::now() < deadline, "{needle:?} not logged: {out:?}");
        for (i, l) in logs.iter().enumerate() {
            if out[i].is_none() && log_has(l, needle) {
                out[i] = Some((Utc::now() - since).num_milliseconds());
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    out.into_iter().flatten().collect()
}

fn verify(path: &Path, key: Option<&str>) -> (i32, String) {
    let mut c = Command::new(forewarn_bin());
    c.args(["audit", "verify"]).arg(path);
    match key {
        Some(k) => c.env("FOREWARN_AUDIT_KEY", k),
        None => c.env_remove("FOREWARN_AUDIT_KEY"),
    };
    let o = c.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn the_kill_switch_flips_remediate_and_watch_within_a_second() {
    let Some(broker) = start_tansu() else {
        return;
    };
    let b = broker.addr.as_str();
    let dir = tempdir("flip");
    let pipeline = default_pipeline(&dir, "sk");
    let p = pipeline.to_str().unwrap();
    let policy = dir.join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nmode: live\ncooldown: 1s\nmax_actions: 100\nactions:\n  restart: { kafka: { topic: sk.commands }, timeout: 10s }\nservices:\n  svc:\n    enabled: true\n    chains:\n      memory_exhaustion: [restart]\n",
    )
    .unwrap();
    let audit_path = dir.join("audit.jsonl");
    let (rlog, wlog) = (dir.join("remediate.log"), dir.join("watch.log"));
    let _remediate = spawn(
        &remediate_args(b, &pipeline, &policy, &audit_path, "sk-rem"),
        &rlog,
    );
    let _watch = spawn(
        &[
            "watch",
            "--service",
            "svc",
            "--instance",
            "svc-0",
            "--pipeline",
            p,
            "--brokers",
            b,
            "--create-topics",
            "1",
            "--commands-topic",
            "sk.commands",
            "--sample-every",
            "60s",
            "--",
            "sleep",
            "100000",
        ],
        &wlog,
    );
    for l in [&rlog, &wlog] {
        wait_for(
            "the control topic followed",
            Duration::from_secs(60),
            || log_has(l, "Following the control topic"),
        );
    }
    wait_for("remediate's partition", Duration::from_secs(60), || {
        log_has(&rlog, "Partition assigned")
    });
    // Enabled: an issue becomes a restart command, and watch restarts.
    publish_issue(b, "sk.predictions", &issue("i-1", "svc"));
    wait_for("the first restart", Duration::from_secs(60), || {
        restarts(b, "sk.service-events") == 1
    });

    // Disable: both processes follow within a second.
    let off = control(
        b,
        p,
        &[
            "disable",
            "--reason",
            "e2e: change freeze",
            "--by",
            "e2e@test",
        ],
    );
    let at: chrono::DateTime<Utc> = serde_json::from_value(off["ts"].clone()).unwrap();
    let ms = seen_after(
        &[&rlog, &wlog],
        "Kill switch disabled on the control topic by e2e@test",
        at,
    );
    eprintln!(
        "disable seen by remediate after {} ms, by watch after {} ms",
        ms[0], ms[1]
    );
    // Whatever was measured, what is asserted is the promise: an action
    // asked for a second after the flip does not happen.
    let wait = (at + chrono::TimeDelta::seconds(1) - Utc::now()).num_milliseconds();
    std::thread::sleep(Duration::from_millis(wait.max(0) as u64));
    publish_issue(b, "sk.predictions", &issue("i-2", "svc"));
    produce(
        b,
        "sk.commands",
        &[(
            "svc".into(),
            br#"{"service":"svc","action":"restart","issue_id":"by-hand"}"#.to_vec(),
        )],
    );
    wait_for("i-2 skipped", Duration::from_secs(30), || {
        line_of(&audit_path, "i-2", Phase::Skipped).is_some()
    });
    let skipped = line_of(&audit_path, "i-2", Phase::Skipped).unwrap();
    assert!(
        skipped
            .outcome
            .detail
            .contains("kill switch: disabled on the control topic by e2e@test"),
        "{}",
        skipped.outcome.detail
    );
    wait_for(
        "watch to ignore the command",
        Duration::from_secs(30),
        || {
            log_has(
                &wlog,
                "Restart command ignored: kill switch: disabled on the control topic",
            )
        },
    );
    assert_eq!(
        restarts(b, "sk.service-events"),
        1,
        "no restart while disabled"
    );

    // Enable: both act again.
    let on = control(
        b,
        p,
        &["enable", "--reason", "e2e: freeze over", "--by", "e2e@test"],
    );
    assert_eq!(on["previous"], "disabled");
    let at: chrono::DateTime<Utc> = serde_json::from_value(on["ts"].clone()).unwrap();
    let ms = seen_after(
        &[&rlog, &wlog],
        "Kill switch enabled on the control topic by e2e@test",
        at,
    );
    eprintln!(
        "enable seen by remediate after {} ms, by watch after {} ms",
        ms[0], ms[1]
    );
    let wait = (at + chrono::TimeDelta::seconds(1) - Utc::now()).num_milliseconds();
    std::thread::sleep(Duration::from_millis(wait.max(0) as u64));
    publish_issue(b, "sk.predictions", &issue("i-3", "svc"));
    wait_for("the second restart", Duration::from_secs(60), || {
        restarts(b, "sk.service-events") == 2
    });
    let status = control(b, p, &["status"]);
    assert_eq!(status["state"], "enabled");

    // Every flip is in the audit log: who, when, why, before and after.
    let flips: Vec<Entry> = audit(&audit_path)
        .into_iter()
        .filter(|e| e.phase == Phase::Control)
        .collect();
    assert_eq!(flips.len(), 2, "{flips:?}");
    let c: Vec<_> = flips.iter().map(|e| e.control.clone().unwrap()).collect();
    assert_eq!(c[0].message.reason, "e2e: change freeze");
    assert!(c[0].was_enabled && !c[0].enabled && !c[0].at_start);
    assert_eq!(c[1].message.reason, "e2e: freeze over");
    assert!(!c[1].was_enabled && c[1].enabled);
    assert!(c.iter().all(|c| c.message.by == "e2e@test"));

    // The keyed chain: intact with the key; a line edited and re-hashed
    // without it is named.
    drop(_remediate);
    let (code, out) = verify(&audit_path, Some(KEY));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("every MAC valid"), "{out}");
    let (code, out) = verify(&audit_path, None);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("MACs NOT checked"), "{out}");
    let text = std::fs::read_to_string(&audit_path).unwrap();
    let mut entries: Vec<Entry> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = entries
        .iter()
        .position(|e| e.outcome.issue_id == "i-2")
        .unwrap();
    entries[at].outcome.detail = "executed as planned".into();
    let mut prev = String::new();
    for e in &mut entries {
        e.prev = prev.clone();
        let mut bare = e.clone();
        bare.hash.clear();
        bare.mac = None;
        e.hash = Sha256::digest(serde_json::to_vec(&bare).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        prev = e.hash.clone();
    }
    let edited: String = entries
        .iter()
        .map(|e| serde_json::to_string(e).unwrap() + "\n")
        .collect();
    std::fs::write(&audit_path, edited).unwrap();
    let head = serde_json::json!({"entries": entries.len(), "last": prev});
    std::fs::write(dir.join("audit.jsonl.head"), head.to_string()).unwrap();
    let (code, out) = verify(&audit_path, None);
    assert_eq!(code, 0, "re-hashed: the plain chain cannot tell: {out}");
    let (code, out) = verify(&audit_path, Some(KEY));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("audit.jsonl:{}: MAC does not match", at + 1)),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_queued_action_survives_a_sigkill_of_the_remediator() {
    let Some(broker) = start_tansu() else {
        return;
    };
    let b = broker.addr.as_str();
    let dir = tempdir("queued");
    let pipeline = default_pipeline(&dir, "sq");
    let policy = dir.join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nmode: live\nconcurrency: 1\nactions:\n  restart: { command: [\"sleep\", \"4\"], timeout: 30s }\nservices:\n  \"*\":\n    enabled: true\n    chains:\n      memory_exhaustion: [restart]\n",
    )
    .unwrap();
    let audit_path = dir.join("audit.jsonl");
    let log = dir.join("remediate.log");
    let args = remediate_args(b, &pipeline, &policy, &audit_path, "sq-rem");
    let first = spawn(&args, &log);
    wait_for("the partition", Duration::from_secs(60), || {
        log_has(&log, "Partition assigned")
    });
    publish_issue(b, "sq.predictions", &issue("a", "api"));
    publish_issue(b, "sq.predictions", &issue("b", "web"));
    wait_for("b queued behind a", Duration::from_secs(30), || {
        line_of(&audit_path, "b", Phase::Queued).is_some()
            && line_of(&audit_path, "a", Phase::Started).is_some()
    });
    assert!(line_of(&audit_path, "b", Phase::Started).is_none());
    drop(first); // SIGKILL
    let _second = spawn(&args, &log);
    wait_for("b resumed and done", Duration::from_secs(60), || {
        line_of(&audit_path, "b", Phase::Finished).is_some()
    });
    let lines = audit(&audit_path);
    let count = |id: &str, ph: Phase| {
        lines
            .iter()
            .filter(|e| e.outcome.issue_id == id && e.phase == ph)
            .count()
    };
    assert_eq!(
        (count("a", Phase::Started), count("b", Phase::Started)),
        (1, 1)
    );
    assert_eq!(count("b", Phase::Queued), 1);
    let a_end = line_of(&audit_path, "a", Phase::Finished).unwrap();
    assert_eq!(
        a_end.outcome.result,
        forewarn_core::contracts::ActionResult::Interrupted
    );
    let b_end = line_of(&audit_path, "b", Phase::Finished).unwrap();
    assert_eq!(
        b_end.outcome.result,
        forewarn_core::contracts::ActionResult::Succeeded
    );
    assert!(log_has(
        &log,
        "An action queued before the last stop is queued again"
    ));
    let (code, out) = verify(&audit_path, Some(KEY));
    assert_eq!(code, 0, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_issue_held_for_its_episode_survives_a_sigkill_of_the_remediator() {
    let Some(broker) = start_tansu() else {
        return;
    };
    let b = broker.addr.as_str();
    let dir = tempdir("held");
    let pipeline = default_pipeline(&dir, "sh");
    let policy = dir.join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nmode: live\nepisodes: { hold: 8s }\nactions:\n  restart: { command: [\"true\"], timeout: 30s }\nservices:\n  \"*\":\n    enabled: true\n    chains:\n      memory_exhaustion: [restart]\n",
    )
    .unwrap();
    let audit_path = dir.join("audit.jsonl");
    let log = dir.join("remediate.log");
    let args = remediate_args(b, &pipeline, &policy, &audit_path, "sh-rem");
    let first = spawn(&args, &log);
    wait_for("the partition", Duration::from_secs(60), || {
        log_has(&log, "Partition assigned")
    });
    publish_issue(b, "sh.predictions", &issue("h", "api"));
    wait_for("h held", Duration::from_secs(30), || {
        line_of(&audit_path, "h", Phase::Held).is_some()
    });
    let held_at = Instant::now();
    // Its offset is committed (stored once the line is synced, committed
    // every second): the event is not read again after the kill.
    let mut group = ConsumerBuilder::new(b, "sh-rem").build().unwrap();
    let tp = TopicPartition::new("sh.predictions", 0);
    wait_for("the offset committed", Duration::from_secs(30), || {
        forewarn_kafka::Source::committed(
            &mut group,
            std::slice::from_ref(&tp),
            Duration::from_secs(5),
        )
        .is_ok_and(|c| c.iter().any(|(_, o)| *o >= 1))
    });
    drop(group);
    assert!(line_of(&audit_path, "h", Phase::Started).is_none());
    drop(first); // SIGKILL, during the hold
    // The hold ends while the remediator is down.
    std::thread::sleep(Duration::from_secs(9).saturating_sub(held_at.elapsed()));
    let _second = spawn(&args, &log);
    wait_for("h acted on", Duration::from_secs(60), || {
        line_of(&audit_path, "h", Phase::Finished).is_some()
    });
    // Room for a second action, if there were one.
    std::thread::sleep(Duration::from_secs(2));
    let lines = audit(&audit_path);
    let count = |ph: Phase| {
        lines
            .iter()
            .filter(|e| e.outcome.issue_id == "h" && e.phase == ph)
            .count()
    };
    assert_eq!(
        (
            count(Phase::Held),
            count(Phase::Started),
            count(Phase::Finished)
        ),
        (1, 1, 1),
        "held once, acted on once"
    );
    assert_eq!(
        line_of(&audit_path, "h", Phase::Finished)
            .unwrap()
            .outcome
            .result,
        forewarn_core::contracts::ActionResult::Succeeded
    );
    assert!(log_has(
        &log,
        "Issues held for their episode before the last stop"
    ));
    let (code, out) = verify(&audit_path, Some(KEY));
    assert_eq!(code, 0, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_group_committed_inside_the_last_batch_reads_the_rest_of_it() {
    let Some(broker) = start_tansu() else {
        return;
    };
    let b = broker.addr.as_str();
    let dir = tempdir("stall");
    let pipeline = default_pipeline(&dir, "ss");
    forewarn_kafka::ensure_topics(b, &[], &["ss.predictions"], 1, Duration::from_secs(30)).unwrap();
    // Ten issues in one record batch.
    let records: Vec<(String, Vec<u8>)> = (0..10)
        .map(|i| {
            let x = issue(&format!("s-{i}"), "api");
            ("api".into(), serde_json::to_vec(&x).unwrap())
        })
        .collect();
    produce(b, "ss.predictions", &records);
    // The group stopped after the fourth.
    let mut c = ConsumerBuilder::new(b, "ss-rem").build().unwrap();
    c.commit(&[(TopicPartition::new("ss.predictions", 0), 4)])
        .unwrap();
    drop(c);
    let policy = dir.join("policy.yaml");
    std::fs::write(&policy, "version: 1\n").unwrap(); // shadow: one line per issue
    let audit_path = dir.join("audit.jsonl");
    let log = dir.join("remediate.log");
    let _r = spawn(
        &remediate_args(b, &pipeline, &policy, &audit_path, "ss-rem"),
        &log,
    );
    wait_for("the rest of the batch", Duration::from_secs(90), || {
        audit(&audit_path)
            .iter()
            .filter(|e| e.phase == Phase::Skipped)
            .count()
            >= 6
    });
    std::thread::sleep(Duration::from_secs(2));
    let mut seen: Vec<String> = audit(&audit_path)
        .into_iter()
        .filter(|e| e.phase == Phase::Skipped)
        .map(|e| e.outcome.issue_id)
        .collect();
    seen.sort();
    let want: Vec<String> = (4..10).map(|i| format!("s-{i}")).collect();
    assert_eq!(
        seen, want,
        "each issue past the committed offset once, none before"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    eprintln!(
        "repair: {} seek(s) from the high watermark",
        text.matches("Nothing read although the broker holds more")
            .count()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
