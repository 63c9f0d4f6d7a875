//! [`ControlMessage`]: the operator's kill switch on the control topic
//! (`sinks.control`, compacted, one key: [`CONTROL_KEY`]). `forewarn
//! control disable|enable` publishes one; every process that acts
//! (`forewarn remediate`, `forewarn watch`) follows the latest.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::default_schema_version;

/// The key of the fleet-wide switch on the control topic (the topic is
/// compacted on it, so the latest message is the state).
pub const CONTROL_KEY: &str = "kill-switch";

/// Whether actions are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SwitchState {
    /// Actions may run (subject to policy).
    Enabled,
    /// No action runs, whatever the policy says.
    Disabled,
}

impl SwitchState {
    /// `Enabled` for true.
    pub fn from_enabled(enabled: bool) -> Self {
        if enabled {
            Self::Enabled
        } else {
            Self::Disabled
        }
    }

    /// Whether actions are allowed.
    pub fn is_enabled(self) -> bool {
        self == Self::Enabled
    }

    /// `enabled` or `disabled`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Disabled => "disabled",
        }
    }
}

/// One flip of the kill switch, as published on the control topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlMessage {
    /// Contract version; defaults to 1 when absent.
    #[serde(default = "default_schema_version")]
    pub schema_version: u32,
    /// Unique id of this flip.
    pub id: String,
    /// When it was published.
    pub ts: DateTime<Utc>,
    /// The state asked for.
    pub state: SwitchState,
    /// Who asked (`user@host` by default).
    pub by: String,
    /// Why, in the operator's words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The state the publisher read from the topic before this one
    /// (absent when the topic held none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<SwitchState>,
}
