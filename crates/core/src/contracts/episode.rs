//! The episode annotation of a predicted issue: the fleet correlator
//! (`forewarn correlate`) groups the incidents of one failure episode (a
//! database degrading, then its callers) and publishes one
//! `cascading_failure` issue for it whose `episode` field names the root
//! cause and lists every member incident. The members are annotated by
//! that one event rather than re-published: the scorer owns their
//! revisions, and a correlator revision would collide with its next one.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The episode a `cascading_failure` issue stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EpisodeRef {
    /// Episode id (32 hex digits): a content hash of the member ids, the
    /// same in every process, partition layout and replay.
    pub id: String,
    /// The service at the origin of the episode.
    pub root_cause_service: String,
    /// The member incidents, in onset order (then id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<EpisodeMember>,
}

/// One incident of an episode: a predicted issue (by its incident id) or
/// an observed service event (by its event id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EpisodeMember {
    /// Incident id of the predicted issue, or id of the service event.
    pub id: String,
    /// Its service.
    pub service: String,
    /// Its kind: an issue kind (`memory_exhaustion`) or a service-event
    /// kind (`oom_killed`), by wire name.
    pub kind: String,
    /// When it opened (or was observed).
    pub onset: DateTime<Utc>,
    /// Whether it is a service event (observed by `forewarn watch`)
    /// rather than a predicted issue.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub observed: bool,
}
