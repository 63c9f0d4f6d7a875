//! Against a real Kafka-protocol broker process: `tansu` on 127.0.0.1 (the
//! binary `.ci/test` installs into `$HOME/.cache/forewarn/tansu`, or
//! `$FOREWARN_TANSU`), `forewarn simulate --kafka --create-topics` creates
//! its topics and every sample arrives, readable by another client.

use forewarn_e2e::forewarn;

mod common;
use common::{consume_all, start_tansu};

#[test]
fn simulate_produces_to_a_real_broker_and_another_client_reads_it() {
    let Some(broker) = start_tansu() else { return };
    let out = std::env::temp_dir().join(format!("forewarn-e2e-tansu-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = forewarn(&[
        "simulate",
        "--services",
        "2",
        "--duration",
        "1h",
        "--interval",
        "60s",
        "--seed",
        "4",
        "--brokers",
        &broker.addr,
        "--create-topics",
        "3",
        "--metrics-topic",
        "t.metrics",
        "--logs-topic",
        "t.logs",
        "--no-progress",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&o.stderr)
    );
    let last: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["metrics"], 1560, "{last}");
    assert_eq!(last["failed"], 0, "{last}");

    let samples = consume_all(&broker.addr, "t.metrics", 3, 1560);
    assert_eq!(samples.len(), 1560, "samples read back from tansu");
    assert!(
        samples
            .iter()
            .all(|(key, v)| v["service"].as_str() == Some(key.as_str()))
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// A source that reuses each record it handed out (`Source::recycle`)
/// returns every record whole: no byte of a longer record before it left
/// in a shorter one, headers only when asked for.
#[test]
fn a_recycled_record_holds_the_next_record_exactly() {
    use forewarn_kafka::{AcceptAll, ConsumerBuilder, Outgoing, Producer, Sink, Source};
    use std::time::{Duration, Instant};

    let Some(broker) = start_tansu() else { return };
    let topic = "t.recycle";
    forewarn_kafka::ensure_topics(&broker.addr, &[], &[topic], 1, Duration::from_secs(30))
        .expect("topic created");
    let producer = Producer::new(&broker.addr, &[]).unwrap();
    // Long, short, empty, long again: each shorter than the one before
    // but the last, so stale bytes would show.
    let sent: Vec<(Vec<u8>, Vec<u8>)> = [(40, 300), (3, 7), (0, 0), (12, 90), (1, 2)]
        .iter()
        .enumerate()
        .map(|(i, &(k, v))| (vec![b'k' + i as u8; k], vec![b'a' + i as u8; v]))
        .collect();
    let headers = vec![("h".to_string(), b"v".to_vec())];
    for (k, v) in &sent {
        let mut m = Outgoing::new(topic, k, v);
        m.headers = &headers;
        Sink::send(&producer, m).unwrap();
    }
    assert_eq!(producer.flush(Duration::from_secs(30)).unwrap().acked, 5);

    for read_headers in [false, true] {
        let group = format!("recycle-{read_headers}");
        let mut source = ConsumerBuilder::new(&broker.addr, &group)
            .headers(read_headers)
            .build()
            .unwrap();
        source.subscribe(&[topic]).unwrap();
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while got.len() < sent.len() && Instant::now() < deadline {
            if let Some(r) = source
                .poll(Duration::from_millis(100), &mut AcceptAll)
                .unwrap()
            {
                got.push((
                    r.key.clone(),
                    r.payload.clone(),
                    r.headers.clone(),
                    r.offset,
                ));
                source.recycle(r);
            }
        }
        assert_eq!(
            got.len(),
            sent.len(),
            "records read (headers {read_headers})"
        );
        for (i, ((k, v, h, offset), (sk, sv))) in got.iter().zip(&sent).enumerate() {
            assert_eq!((k, v, *offset), (sk, sv, i as i64), "record {i}");
            let want: &[(String, Vec<u8>)] = if read_headers { &headers } else { &[] };
            assert_eq!(h.as_slice(), want, "headers of record {i}");
        }
    }
}
