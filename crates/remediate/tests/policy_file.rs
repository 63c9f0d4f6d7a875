//! A policy file with several mistakes reports all of them at once, each
//! at the dotted path of its key, and the checks of what did read run too.

use forewarn_remediate::Policy;

#[test]
fn every_mistake_of_a_policy_is_reported_at_its_key() {
    let text = r#"
version: 1
cooldown: -5m
surprise: true
actions:
  restart: { command: ["true"], timeout: 5s }
services:
  api:
    enabled: yes-please
    chains:
      memory_exhaustion: [restrat, notify]
"#;
    let problems = Policy::parse(text).unwrap_err().0;
    let paths: Vec<&str> = problems
        .iter()
        .map(|p| p.split(": ").next().unwrap())
        .collect();
    for want in [
        "cooldown",
        "surprise",
        "services.api.enabled",
        "services.api.chains.memory_exhaustion[0]",
        // A semantic check, on what did read: `notify` has no action.
        "services.api.chains.memory_exhaustion",
    ] {
        assert!(
            paths.iter().any(|p| p.starts_with(want)),
            "missing {want} in {problems:#?}"
        );
    }
}

#[test]
fn an_empty_policy_says_what_it_needs() {
    let problems = Policy::parse("\n  \n").unwrap_err().0;
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("version: 1"), "{problems:?}");
}
