//! Influx line protocol as Telegraf's Kafka output writes it.

use std::collections::BTreeMap;

use forewarn_formats::{Format, FormatError};

use crate::{err, ok};

/// A Telegraf batch (Kafka output, influx serializer, `[global_tags]
/// service`), with escaped spaces, commas and equals signs in tags, a string
/// field, integers, a boolean, a comment and a blank line.
const TELEGRAF: &str = "\
# telegraf 1.28 kafka output\n\
cpu,cpu=cpu-total,host=web-01,service=checkout usage_idle=97.28643216080402,usage_system=0.7537688442211055,usage_user=1.9597989949748744 1700000000000000000\n\
\n\
disk,device=nvme0n1p2,fstype=ext4,host=web-01,mode=rw,path=/var/lib/my\\ data,service=checkout free=181224095744i,used_percent=23.72 1700000000000000000\r\n\
docker_container_status,container_image=registry/app\\,v2,container_name=app\\=blue,host=web-01,service=checkout container_status=\"running, healthy\",exitcode=0i,oomkilled=false,pid=1234u 1700000000123456789\n\
mem\\ pool,service=checkout,instance=pod-7,host=node-3 value=42 1700000000000000000\n";

#[test]
fn decodes_a_telegraf_batch() {
    let s = ok(Format::Influx, TELEGRAF.as_bytes());
    let names: Vec<&str> = s.iter().map(|s| s.metric.as_str()).collect();
    assert_eq!(
        names,
        [
            "cpu_usage_idle",
            "cpu_usage_system",
            "cpu_usage_user",
            "disk_free",
            "disk_used_percent",
            "docker_container_status_exitcode",
            "docker_container_status_oomkilled",
            "docker_container_status_pid",
            "mem pool",
        ]
    );
    assert!(s.iter().all(|s| s.service == "checkout"));
    assert_eq!(s[0].instance, "web-01");
    assert_eq!(s[0].value, 97.28643216080402);
    assert_eq!(s[0].ts.to_rfc3339(), "2023-11-14T22:13:20+00:00");
    assert_eq!(
        s[0].labels,
        BTreeMap::from([("cpu".to_string(), "cpu-total".to_string())])
    );
    assert_eq!(s[3].value, 181224095744.0);
    assert_eq!(s[3].labels["path"], "/var/lib/my data");
    assert_eq!(s[5].labels["container_image"], "registry/app,v2");
    assert_eq!(s[5].labels["container_name"], "app=blue");
    assert_eq!(s[5].ts.timestamp_nanos_opt(), Some(1700000000123456789));
    assert_eq!((s[6].value, s[7].value), (0.0, 1234.0));
    // `instance` wins over `host`, which then stays a label.
    assert_eq!(s[8].instance, "pod-7");
    assert_eq!(s[8].labels["host"], "node-3");
}

fn influx_err(payload: &str) -> (usize, String, String) {
    match err(Format::Influx, payload.as_bytes()) {
        e @ FormatError::Influx { .. } => {
            let FormatError::Influx { line, at, .. } = &e else {
                unreachable!()
            };
            (*line, at.clone(), e.to_string())
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_error_names_the_line_and_field() {
    let good = "cpu,service=api idle=1 1700000000000000000\n";
    let cases: &[(&str, usize, &str, &str)] = &[
        ("cpu,service=api idle=1", 2, "timestamp", "missing"),
        (
            "cpu,service=api idle=1 17e9",
            2,
            "timestamp",
            "not an integer",
        ),
        (
            "cpu,service=api idle=abc 1",
            2,
            "field `idle`",
            "not a number",
        ),
        (
            "cpu,service=api idle=NaN 1",
            2,
            "field `idle`",
            "not finite",
        ),
        (
            "cpu,service=api idle=1.5i 1",
            2,
            "field `idle`",
            "not a valid integer",
        ),
        ("cpu,service=api idle=-1u 1", 2, "field `idle`", "unsigned"),
        ("cpu,service=api idle= 1", 2, "field `idle`", "empty value"),
        (
            "cpu,service=api msg=\"open 1",
            2,
            "field `msg`",
            "unterminated",
        ),
        ("cpu,service=api idle 1", 2, "field `idle`", "no `=value`"),
        (
            "cpu,service=api 1700000000000000000",
            2,
            "field `1700000000000000000`",
            "no `=value`",
        ),
        ("cpu,service=api", 2, "line", "field set"),
        ("cpu,service= idle=1 1", 2, "tag `service`", "empty value"),
        ("cpu,service idle=1 1", 2, "tag `service`", "no `=value`"),
        ("cpu,=x idle=1 1", 2, "tag set", "empty tag key"),
        (",service=api idle=1 1", 2, "measurement", "missing"),
        ("cpu,host=web-1 idle=1 1", 2, "tag `service`", "missing"),
        (
            "cpu,service=api idle=1,,x=2 1",
            2,
            "field set",
            "empty field key",
        ),
        (
            "cpu,service=api idle=1x2\"q 1",
            2,
            "field `idle`",
            "not a number",
        ),
    ];
    for &(bad, line, at, reason) in cases {
        let payload = format!("{good}{bad}\n{good}");
        let (l, a, msg) = influx_err(&payload);
        assert_eq!((l, a.as_str()), (line, at), "{bad:?}: {msg}");
        assert!(msg.contains(reason), "{bad:?}: {msg}");
        assert!(
            msg.starts_with(&format!("influx line {line}, {at}: ")),
            "{msg}"
        );
    }
}

#[test]
fn invalid_utf8_is_located() {
    let (line, at, msg) = {
        let mut bytes = b"cpu,service=api idle=1 1\ncpu,service=a".to_vec();
        bytes.extend_from_slice(b"\xff idle=1 1");
        match err(Format::Influx, &bytes) {
            FormatError::Influx { line, at, reason } => (line, at, reason),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!((line, at.as_str()), (2, "line"));
    assert!(msg.contains("byte 14"), "{msg}");
}

#[test]
fn string_only_lines_and_empty_payloads_carry_nothing() {
    assert!(ok(Format::Influx, b"").is_empty());
    assert!(ok(Format::Influx, b"\n# only a comment\n\n").is_empty());
    assert!(ok(Format::Influx, b"log,service=api msg=\"hi\" 1").is_empty());
}
