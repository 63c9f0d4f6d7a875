//! Behaviour of the miner: joining and generalising, the similarity
//! threshold, tree routing, strict words, persistence with stable ids, and
//! robustness on arbitrary input.

use proptest::prelude::*;

use super::*;
use crate::config::MinerConfig;
use crate::id::TemplateId;
use crate::similarity::Similarity;

fn miner(f: impl FnOnce(&mut MinerConfig)) -> TemplateMiner {
    let mut c = MinerConfig::default();
    f(&mut c);
    TemplateMiner::new(c).unwrap()
}

#[test]
fn similar_messages_join_and_generalise() {
    let mut m = miner(|_| {});
    let a = m.add("PacketResponder 1 for block blk_38 terminating");
    let b = m.add("PacketResponder 2 for block blk_-69 terminating");
    assert!(a.is_new && !a.template_changed);
    assert!(!b.is_new && b.template_changed);
    assert_eq!(a.template_id, b.template_id);
    assert_eq!(
        m.template(a.template_id),
        Some("PacketResponder <*> for block <*> terminating")
    );
    assert_eq!(m.get(a.template_id).unwrap().count, 2);
    let c = m.add("PacketResponder 0 for block blk_7 terminating");
    assert_eq!((c.template_id, c.template_changed), (a.template_id, false));
    assert_eq!(m.len(), 1);
}

#[test]
fn masks_apply_before_tokenisation() {
    let mut m = miner(|c| c.masks = vec![r"(\d+\.){3}\d+(:\d+)?".into()]);
    let a = m.add("Receiving from 10.0.0.1:50010 now");
    assert_eq!(m.template(a.template_id), Some("Receiving from <*> now"));
}

#[test]
fn threshold_decides_between_join_and_new() {
    // Two of four positions differ (variable-like but of another shape).
    let lines = ["open a=1 b=2 end", "open c=3 d=4 end"];
    let mut loose = miner(|c| c.similarity_threshold = Similarity::HALF);
    let ids: Vec<_> = lines.iter().map(|l| loose.add(l).template_id).collect();
    assert_eq!(ids[0], ids[1]);
    let mut tight = miner(|c| c.similarity_threshold = Similarity::try_from(0.75).unwrap());
    let ids: Vec<_> = lines.iter().map(|l| tight.add(l).template_id).collect();
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn routing_separates_lengths_and_leading_tokens() {
    let mut m = miner(|_| {});
    let a = m.add("open file 1").template_id;
    assert_ne!(m.add("open file 1 2").template_id, a, "other length");
    assert_ne!(m.add("shut file 2").template_id, a, "other first token");
    assert_eq!(m.add("open file 3").template_id, a);
    // A variable first token routes through `<*>`, so values share a leaf.
    let b = m.add("42 items done").template_id;
    assert_eq!(m.add("7 items done").template_id, b);
    // Deeper trees route on more tokens: with depth 5 the second token
    // separates messages that depth 4 compares (and joins).
    let lines = ["job alpha started on 2", "job beta started on 3"];
    for (depth, joined) in [(4, true), (5, false)] {
        let mut m = miner(|c| {
            c.depth = depth;
            c.strict_words = false;
        });
        let ids: Vec<_> = lines.iter().map(|l| m.add(l).template_id).collect();
        assert_eq!(ids[0] == ids[1], joined, "depth {depth}");
    }
}

#[test]
fn strict_words_keep_constant_words_apart() {
    let lines = ["instance 1 VM Started", "instance 2 VM Stopped"];
    let mut strict = miner(|_| {});
    let ids: Vec<_> = lines.iter().map(|l| strict.add(l).template_id).collect();
    assert_ne!(ids[0], ids[1]);
    let mut loose = miner(|c| c.strict_words = false);
    let ids: Vec<_> = lines.iter().map(|l| loose.add(l).template_id).collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(loose.template(ids[0]), Some("instance <*> VM <*>"));
}

#[test]
fn adjacent_masked_items_collapse() {
    let mut m = miner(|c| c.masks = vec![r"blk_-?\d+".into()]);
    let a = m.add("delete blk_1 blk_2 now").template_id;
    assert_eq!(m.add("delete blk_3 now").template_id, a);
    assert_eq!(m.template(a), Some("delete <*> now"));
}

#[test]
fn classify_does_not_learn() {
    let mut m = miner(|_| {});
    let a = m.add("disk 1 full").template_id;
    assert_eq!(m.classify("disk 2 full"), Some(a));
    assert_eq!(m.classify("totally different message"), None);
    assert_eq!(m.len(), 1);
    assert_eq!(m.template(a), Some("disk 1 full"));
}

#[test]
fn ids_are_deterministic_across_miners() {
    let lines = ["a 1 x", "b 2 y", "a 3 x", "c d e f"];
    let mut m1 = miner(|_| {});
    let mut m2 = miner(|_| {});
    for l in lines {
        assert_eq!(m1.add(l), m2.add(l));
    }
}

#[test]
fn full_miner_reports_overflow() {
    let mut m = miner(|c| c.max_templates = 1);
    let a = m.add("alpha beta").template_id;
    let o = m.add("gamma delta epsilon");
    assert_eq!(o.template_id, TemplateId::OVERFLOW);
    assert!(!o.is_new);
    assert_eq!(m.add("alpha beta").template_id, a);
    assert_eq!(m.len(), 1);
}

#[test]
fn empty_and_odd_lines_are_templates_too() {
    let mut m = miner(|c| c.masks = vec![r"\d+".into()]);
    let e = m.add("");
    assert_eq!(m.add("   \t ").template_id, e.template_id);
    assert_eq!(m.template(e.template_id), Some(""));
    for l in ["<*>", "<*> <*>", "\u{0}", "é ü", "<", "*>"] {
        let id = m.add(l).template_id;
        assert!(m.template(id).is_some());
    }
}

#[test]
fn persistence_round_trip_keeps_ids_stable() {
    let lines: Vec<String> = (0..200)
        .map(|i| match i % 4 {
            0 => format!("Receiving block blk_{i} src: /10.0.0.{i}"),
            1 => format!("session opened for user u{i} by (uid={i})"),
            2 => format!(
                "instance {i} VM {}",
                ["Started", "Stopped", "Paused"][i % 3]
            ),
            _ => format!("Took {}.{} seconds", i / 7, i % 7),
        })
        .collect();
    let mut straight = miner(|c| c.masks = vec![r"blk_-?\d+".into()]);
    let expected: Vec<Match> = lines.iter().map(|l| straight.add(l)).collect();

    let mut first = miner(|c| c.masks = vec![r"blk_-?\d+".into()]);
    let mut got: Vec<Match> = lines[..77].iter().map(|l| first.add(l)).collect();
    let json = serde_json::to_string(first.state()).unwrap();
    drop(first);
    let mut restored = TemplateMiner::from_state(serde_json::from_str(&json).unwrap()).unwrap();
    got.extend(lines[77..].iter().map(|l| restored.add(l)));
    assert_eq!(got, expected);
    assert_eq!(restored.templates(), straight.templates());
}

#[test]
fn inconsistent_state_is_refused() {
    let mut m = miner(|_| {});
    m.add("one two");
    m.add("three four five");
    let state = m.into_state();
    let mut missing = state.clone();
    missing.templates.pop();
    assert!(TemplateMiner::from_state(missing).is_err());
    let mut resized = state.clone();
    resized.templates[0].tokens.push("extra".into());
    assert!(TemplateMiner::from_state(resized).is_err());
    let mut duplicated = state;
    duplicated.templates[1].id = duplicated.templates[0].id;
    assert!(TemplateMiner::from_state(duplicated).is_err());
    let mut bad = MinerState::new(MinerConfig::default());
    bad.config.depth = 1;
    assert!(TemplateMiner::from_state(bad).is_err());
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("open".to_string()),
        Just("close".to_string()),
        Just("file".to_string()),
        Just("user".to_string()),
        (0u32..50).prop_map(|n| n.to_string()),
        (0u32..50).prop_map(|n| format!("id={n}")),
        Just("<*>".to_string()),
    ]
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_strings(lines in prop::collection::vec(any::<String>(), 0..20)) {
        let mut m = miner(|c| c.masks = vec![r"\d+".into(), r"/.+?\s".into()]);
        for l in &lines {
            let r = m.add(l);
            prop_assert!(m.template(r.template_id).is_some());
            prop_assert_eq!(m.classify(l), Some(r.template_id));
        }
    }

    #[test]
    fn restore_then_continue_equals_uninterrupted(
        lines in prop::collection::vec(prop::collection::vec(word(), 1..6), 1..60),
        cut in 0usize..60,
    ) {
        let lines: Vec<String> = lines.into_iter().map(|w| w.join(" ")).collect();
        let cut = cut.min(lines.len());
        let mut straight = miner(|_| {});
        let expected: Vec<Match> = lines.iter().map(|l| straight.add(l)).collect();
        let mut first = miner(|_| {});
        let mut got: Vec<Match> = lines[..cut].iter().map(|l| first.add(l)).collect();
        let json = serde_json::to_vec(first.state()).unwrap();
        let mut restored = TemplateMiner::from_state(serde_json::from_slice(&json).unwrap()).unwrap();
        got.extend(lines[cut..].iter().map(|l| restored.add(l)));
        prop_assert_eq!(got, expected);
    }
}

/// Template of each line under the shipped defaults, one miner for all.
fn templates_with_defaults(lines: &[&str]) -> (TemplateMiner, Vec<TemplateId>) {
    let mut m = TemplateMiner::new(MinerConfig::default()).unwrap();
    let ids = lines.iter().map(|l| m.add(l).template_id).collect();
    (m, ids)
}

/// Lines of each event type must share one template, and no two event
/// types may share one.
fn assert_one_template_per_event(events: &[&[&str]]) {
    let lines: Vec<&str> = events.iter().flat_map(|e| e.iter().copied()).collect();
    let (m, ids) = templates_with_defaults(&lines);
    let mut at = 0;
    let mut seen = Vec::new();
    for event in events {
        let id = ids[at];
        for (k, line) in event.iter().enumerate() {
            assert_eq!(
                ids[at + k],
                id,
                "{line:?} split from {:?} ({:?} vs {:?})",
                event[0],
                m.template(ids[at + k]),
                m.template(id)
            );
        }
        assert!(
            !seen.contains(&id),
            "{:?} merged into another event type: {:?}",
            event[0],
            m.template(id)
        );
        seen.push(id);
        at += event.len();
    }
}

#[test]
fn default_masks_never_merge_host_port_event_types() {
    // Proxifier-style lines: every event type carries `host:port` fields.
    assert_one_template_per_event(&[
        &[
            "proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
            "www.google.com:443 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
            "a.b.c:443 open through proxy p.q.r:5070 HTTPS",
        ],
        &[
            "a.b.c:443 open through proxy p.q.r:5070 SOCKS5",
            "www.qq.com:80 open through proxy p.q.r:5070 SOCKS5",
        ],
        &[
            "a.b.c:443 close through proxy p.q.r:5070 HTTPS",
            "x.y.z:80 close through proxy p.q.r:5070 HTTPS",
        ],
        &[
            "proxy.cse.cuhk.edu.hk:5070 close, 403 bytes sent, 426 bytes received, lifetime 00:02",
            "a.b.c:443 close, 0 bytes sent, 0 bytes received, lifetime <1 sec",
            "x.y.z:80 close, 1200 bytes sent, 3 bytes received, lifetime 01:13",
        ],
        &[
            "www.google.com:80 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime 00:01",
            "a.b.c:443 close, 8190 bytes (7.99 KB) sent, 671 bytes (671 B) received, lifetime <1 sec",
        ],
        &[
            "a.b.c:443 error : Could not connect through proxy p.q.r:5070 - Proxy server cannot establish a connection with the target, status code 403",
            "d.e.f:80 error : Could not connect through proxy p.q.r:5070 - Proxy server cannot establish a connection with the target, status code 502",
        ],
    ]);
}

#[test]
fn values_never_absorb_a_templates_words() {
    // Two `<*>` positions agreeing is not enough: `iar`/`dear` are words of
    // the skeleton, and a message with values there is another event type,
    // whatever the depth.
    let hex = r"\b(0x)?[0-9a-fA-F]{8,}\b".to_owned();
    for (depth, masks) in [
        (3, vec![hex.clone()]),
        (3, crate::config::default_masks()),
        (4, vec![hex]),
    ] {
        let mut m = miner(|c| {
            c.depth = depth;
            c.masks = masks;
            c.similarity_threshold = Similarity::HALF;
        });
        let a = m.add("iar 003a90fc dear 00b360e8").template_id;
        assert_eq!(m.add("iar 00106228 dear 0244c1ec").template_id, a);
        let b = m.add("r24=0x0ffea4c8 r25=0x00000003 r26=0x0000000f r27=0xffffd000");
        assert_ne!(b.template_id, a, "depth {depth}");
        assert_eq!(m.template(a), Some("iar <*> dear <*>"));
    }
}

#[test]
fn user_names_paths_and_numbers_never_split_an_event_type() {
    assert_one_template_per_event(&[
        &[
            "Failed password for root from 1.2.3.4 port 22 ssh2",
            "Failed password for alice from 10.0.0.7 port 50022 ssh2",
            "Failed password for oracle from 173.234.31.186 port 38926 ssh2",
        ],
        &[
            "Failed password for invalid user admin from 1.2.3.4 port 22 ssh2",
            "Failed password for invalid user webmaster from 5.6.7.8 port 4242 ssh2",
        ],
        &[
            "Invalid user test from 52.80.34.196",
            "Invalid user support from 52.80.34.196",
        ],
        &[
            "session opened for user root by (uid=0)",
            "session opened for user news by (uid=0)",
            "session opened for user cyrus by (uid=0)",
        ],
        &[
            "session closed for user root",
            "session closed for user alice",
        ],
        &[
            "Accepted password for fztu from 119.137.62.142 port 49116 ssh2",
            "Accepted password for root from 1.2.3.4 port 22 ssh2",
        ],
        &[
            "reverse mapping checking getaddrinfo for ns.example.com [1.2.3.4] failed - POSSIBLE BREAK-IN ATTEMPT!",
            "reverse mapping checking getaddrinfo for host-5-6.dsl.provider.net [5.6.7.8] failed - POSSIBLE BREAK-IN ATTEMPT!",
        ],
        &[
            "Opening file /var/log/a.log for reading",
            "Opening file /tmp/b for reading",
            "Opening file C:\\Windows\\System32\\drivers\\etc\\hosts for reading",
            "Opening file ./conf/site.xml for reading",
        ],
        &[
            "Loaded module from /System/Library/Frameworks/AppKit.framework/AppKit",
            "Loaded module from /usr/lib/libobjc.A.dylib",
        ],
        &[
            "Took 12 ms to flush 340 records",
            "Took 1.5 s to flush 7 records",
            "Took 250ms to flush 0 records",
        ],
        &[
            "Registering class org.apache.hadoop.mapreduce.jobhistory.EventType for class org.apache.hadoop.mapreduce.jobhistory.JobHistoryEventHandler",
            "Registering class org.apache.hadoop.mapreduce.v2.app.job.event.TaskEventType for class org.apache.hadoop.mapreduce.v2.app.MRAppMaster$TaskEventDispatcher",
        ],
        &["instance 1 VM Started", "instance 2 VM Started"],
        &["instance 3 VM Stopped"],
        &["Transitioned from NEW to UNASSIGNED"],
        &["Transitioned from NEW to SCHEDULED"],
    ]);
}
