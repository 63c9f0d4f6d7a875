//! The files an operator writes and the processes read at start: the
//! pipeline YAML ([`forewarn_config::load_str`], then the feature spec
//! compiled and a scorer built from it, as `forewarn score` does) and the
//! remediation policy YAML ([`Policy::parse`], then a remediator built
//! from it deciding on an issue). A file that validates must never make
//! its user panic. Also the reference pipeline and policy the other
//! harnesses build on.

use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use forewarn_config::PipelineConfig;
use forewarn_core::contracts::{IssueKind, PredictedIssue};
use forewarn_models::artifact::Model;
use forewarn_remediate::{Policy, Remediator};
use forewarn_scorer::{Scorer, ScorerOptions};

/// `pipelines/default.yaml`, the pipeline the demo runs.
pub const DEFAULT_PIPELINE: &str = include_str!("../../../pipelines/default.yaml");
/// `pipelines/remediation.yaml`, the reference policy.
pub const REFERENCE_POLICY: &str = include_str!("../../../pipelines/remediation.yaml");

/// The default pipeline, parsed once.
pub fn default_pipeline() -> &'static PipelineConfig {
    static P: OnceLock<PipelineConfig> = OnceLock::new();
    P.get_or_init(|| forewarn_config::load_str(DEFAULT_PIPELINE).expect("the default pipeline"))
}

/// The reference policy, parsed once.
pub fn reference_policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| Policy::parse(REFERENCE_POLICY).expect("the reference policy"))
}

/// A fresh scorer of the default pipeline (logs enabled).
pub fn default_scorer() -> Scorer {
    Scorer::new(
        default_pipeline().clone(),
        Model::default(),
        ScorerOptions::default(),
    )
    .expect("a scorer of the default pipeline")
}

/// The fixed "now" of the harnesses (so a run is deterministic).
pub fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_225_600, 0).unwrap()
}

/// A pipeline file; one that validates compiles its features and builds
/// a scorer.
pub fn pipeline_yaml(data: &[u8]) {
    let Ok(yaml) = std::str::from_utf8(data) else {
        return;
    };
    match forewarn_config::load_str(yaml) {
        Ok(pipeline) => {
            if pipeline.features.compile().is_ok() {
                let _ = Scorer::new(pipeline, Model::default(), ScorerOptions::default());
            }
        }
        Err(p) => {
            assert!(!p.0.is_empty(), "a refusal says why");
        }
    }
}

/// A remediation policy; one that parses is adopted for the default
/// pipeline's services and decides on an issue of every kind.
pub fn policy_yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut policy) = Policy::parse(text) else {
        return;
    };
    policy.adopt_pipeline(&default_pipeline().services);
    let _ = policy.retry_for("api");
    let mut r = Remediator::new(policy, true);
    for (i, kind) in KINDS.iter().enumerate() {
        let issue = issue(&format!("i{i}"), "api", *kind);
        let _ = r.on_event(&issue, now());
    }
    let _ = r.tick(now() + chrono::TimeDelta::hours(2));
}

/// Every issue kind.
pub const KINDS: [IssueKind; 13] = [
    IssueKind::MemoryExhaustion,
    IssueKind::DiskExhaustion,
    IssueKind::ConnectionPoolExhaustion,
    IssueKind::QueueBacklog,
    IssueKind::LatencyDegradation,
    IssueKind::ErrorRateIncrease,
    IssueKind::CpuSaturation,
    IssueKind::GcThrash,
    IssueKind::MetricAnomaly,
    IssueKind::LogAnomaly,
    IssueKind::CascadingFailure,
    IssueKind::ServiceSilent,
    IssueKind::ServiceDown,
];

/// A plain predicted issue.
pub fn issue(id: &str, service: &str, kind: IssueKind) -> PredictedIssue {
    let json = serde_json::json!({
        "id": id,
        "status": "open",
        "service": service,
        "instance": format!("{service}-0"),
        "kind": kind,
        "severity": "critical",
        "probability": 0.9,
        "detected_at": "2026-01-01T00:00:00Z",
        "opened_at": "2026-01-01T00:00:00Z",
        "horizon_s": 600,
        "evidence": [],
        "model": {"name": "fuzz", "version": "1"},
    });
    serde_json::from_value(json).expect("the harness's issue")
}
