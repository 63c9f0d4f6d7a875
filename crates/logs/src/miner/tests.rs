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
