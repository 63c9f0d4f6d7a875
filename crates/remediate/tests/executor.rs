//! Executors against real processes and a real HTTP server: event fields
//! never reach a shell, timeouts kill, failures are retried with growing
//! waits, webhooks carry the event.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use forewarn_remediate::executor::{ActionContext, Outcome, execute};
use forewarn_remediate::policy::{ActionSpec, HttpAction, Retry};

fn ctx(service: &str) -> ActionContext {
    ActionContext {
        service: service.into(),
        instance: format!("{service}-0"),
        issue_id: "issue-42".into(),
        kind: "memory_exhaustion".into(),
        action: "restart".into(),
        probability: 0.9,
    }
}

fn command(argv: &[&str], timeout_ms: i64) -> ActionSpec {
    ActionSpec {
        command: Some(argv.iter().map(|s| s.to_string()).collect()),
        http: None,
        kafka: None,
        timeout: forewarn_core::HumanDuration::from_millis(timeout_ms),
    }
}

fn once() -> Retry {
    Retry {
        attempts: 1,
        ..Retry::default()
    }
}

#[test]
fn a_hostile_field_stays_one_argument() {
    let dir = std::env::temp_dir().join(format!("forewarn-exec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let hostile = "api;touch pwned $(touch pwned2) `touch pwned3`";
    let target = format!("{}/{{service}}", dir.display());
    let ex = execute(
        &command(&["touch", &target], 5000),
        &ctx(hostile),
        &once(),
        None,
    );
    assert_eq!(ex.outcome, Outcome::Succeeded, "{ex:?}");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec![hostile.to_string()]);
    assert!(!std::path::Path::new("pwned").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_command_past_its_timeout_is_killed() {
    let ex = execute(&command(&["sleep", "10"], 200), &ctx("api"), &once(), None);
    assert_eq!(ex.outcome, Outcome::TimedOut);
    assert!(ex.duration < Duration::from_secs(3), "{ex:?}");
}

#[test]
fn failures_are_retried_with_exponential_backoff() {
    let retry = Retry {
        attempts: 3,
        initial_backoff: forewarn_core::HumanDuration::from_millis(150),
        max_backoff: forewarn_core::HumanDuration::from_millis(1000),
        jitter: false,
    };
    let ex = execute(&command(&["false"], 2000), &ctx("api"), &retry, None);
    assert_eq!(ex.outcome, Outcome::Failed);
    assert_eq!(ex.attempts, 3);
    // Waits of 150 ms then 300 ms.
    assert!(ex.duration >= Duration::from_millis(450), "{ex:?}");
    // With jitter each wait is between half and all of it.
    let jittered = Retry {
        jitter: true,
        ..retry
    };
    let ex = execute(&command(&["false"], 2000), &ctx("api"), &jittered, None);
    assert!(ex.duration >= Duration::from_millis(225), "{ex:?}");
    assert!(ex.duration < Duration::from_millis(1500), "{ex:?}");
}

/// A one-request HTTP server answering `status`; returns the request.
fn serve_once(status: u16) -> (String, std::thread::JoinHandle<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let h = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut head = String::new();
        let mut len = 0;
        loop {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).unwrap();
        let mut s = s;
        write!(
            s,
            "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        )
        .unwrap();
        head + &String::from_utf8(body).unwrap()
    });
    (addr, h)
}

#[test]
fn a_webhook_receives_the_event() {
    let (addr, h) = serve_once(200);
    let spec = ActionSpec {
        command: None,
        http: Some(HttpAction {
            url: format!("http://{addr}/hooks/{{service}}"),
            method: "POST".into(),
            headers: [("x-issue".to_string(), "{issue_id}".to_string())].into(),
        }),
        kafka: None,
        timeout: forewarn_core::HumanDuration::from_secs(5),
    };
    let ex = execute(&spec, &ctx("api"), &once(), None);
    assert_eq!(ex.outcome, Outcome::Succeeded, "{ex:?}");
    let req = h.join().unwrap();
    assert!(req.starts_with("POST /hooks/api HTTP/1.1"), "{req}");
    assert!(
        req.to_ascii_lowercase().contains("x-issue: issue-42"),
        "{req}"
    );
    assert!(req.contains("\"issue_id\":\"issue-42\""), "{req}");
}

#[test]
fn a_webhook_error_status_is_a_failure() {
    let (addr, h) = serve_once(500);
    let spec = ActionSpec {
        command: None,
        http: Some(HttpAction {
            url: format!("http://{addr}/"),
            method: "POST".into(),
            headers: Default::default(),
        }),
        kafka: None,
        timeout: forewarn_core::HumanDuration::from_secs(5),
    };
    let ex = execute(&spec, &ctx("api"), &once(), None);
    assert_eq!(ex.outcome, Outcome::Failed, "{ex:?}");
    h.join().unwrap();
}
