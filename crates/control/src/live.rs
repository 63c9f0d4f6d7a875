//! [`LiveSwitch`]: whether this process may act, now. It combines the
//! state the process started with (`RELIABILITY_ENGINE_ENABLED`, see
//! [`crate::env`]) and the latest [`ControlMessage`] on the control topic:
//! actions are allowed only when both allow them (disabled by either =
//! disabled), and only once the control topic has been read to its end,
//! so that a process started while the fleet is disabled never acts in
//! between. Each message read becomes a [`Change`], kept until the owner
//! takes it (the remediator writes each to its audit log).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use forewarn_core::contracts::{ControlMessage, SwitchState};

use crate::env::VAR;

/// One message of the control topic, as it changed this process.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The message.
    pub message: ControlMessage,
    /// Whether actions were allowed here before it.
    pub was_enabled: bool,
    /// Whether they are now.
    pub enabled: bool,
    /// Read while catching up at start (it was the state already), not
    /// published while this process ran.
    pub at_start: bool,
}

impl Change {
    /// One line for logs and the audit log.
    pub fn describe(&self) -> String {
        let m = &self.message;
        let mut s = format!(
            "Kill switch {} on the control topic by {} at {}",
            m.state.name(),
            m.by,
            m.ts.to_rfc3339()
        );
        if !m.reason.is_empty() {
            s.push_str(&format!(" ({})", m.reason));
        }
        s.push_str(&format!(
            "; actions here: {} -> {}",
            SwitchState::from_enabled(self.was_enabled).name(),
            SwitchState::from_enabled(self.enabled).name()
        ));
        if m.state.is_enabled() && !self.enabled {
            s.push_str(&format!(" (kept disabled: {VAR}=false on this process)"));
        }
        if self.at_start {
            s.push_str(" [state found at start]");
        }
        s
    }
}

#[derive(Debug, Default)]
struct Topic {
    read: bool,
    latest: Option<ControlMessage>,
    changes: VecDeque<Change>,
}

#[derive(Debug)]
struct Inner {
    local: bool,
    follows_topic: bool,
    enabled: AtomicBool,
    topic: Mutex<Topic>,
    ready: Condvar,
}

/// Whether this process may act; cheap to clone and to read.
#[derive(Debug, Clone)]
pub struct LiveSwitch(Arc<Inner>);

impl LiveSwitch {
    /// A switch with no control topic: `enabled` (the environment's state)
    /// for the whole run.
    pub fn fixed(enabled: bool) -> Self {
        Self::new(enabled, false)
    }

    /// A switch that follows a control topic (see [`crate::follow`]):
    /// disabled until the topic has been read, then `local` and the
    /// topic's state together.
    pub fn following(local: bool) -> Self {
        Self::new(local, true)
    }

    fn new(local: bool, follows_topic: bool) -> Self {
        Self(Arc::new(Inner {
            local,
            follows_topic,
            enabled: AtomicBool::new(local && !follows_topic),
            topic: Mutex::new(Topic {
                read: !follows_topic,
                ..Topic::default()
            }),
            ready: Condvar::new(),
        }))
    }

    /// Whether actions may run now.
    pub fn enabled(&self) -> bool {
        self.0.enabled.load(Ordering::SeqCst)
    }

    /// The environment's state at start.
    pub fn local(&self) -> bool {
        self.0.local
    }

    /// Whether the control topic has been read to its end (always true
    /// without one).
    pub fn ready(&self) -> bool {
        self.0.topic.lock().map(|t| t.read).unwrap_or(false)
    }

    /// Wait up to `timeout` for the control topic to be read; returns
    /// [`LiveSwitch::ready`].
    pub fn wait_ready(&self, timeout: Duration) -> bool {
        let Ok(t) = self.0.topic.lock() else {
            return false;
        };
        self.0
            .ready
            .wait_timeout_while(t, timeout, |t| !t.read)
            .map(|(t, _)| t.read)
            .unwrap_or(false)
    }

    /// Why actions are not allowed, or `None` when they are.
    pub fn why_disabled(&self) -> Option<String> {
        let t = self.0.topic.lock().ok()?;
        if !self.0.local {
            return Some(format!("kill switch: {VAR}=false"));
        }
        if !t.read {
            return Some(
                "kill switch: the control topic has not been read yet (actions wait for it)"
                    .to_string(),
            );
        }
        match &t.latest {
            Some(m) if m.state == SwitchState::Disabled => {
                let mut s = format!(
                    "kill switch: disabled on the control topic by {} at {}",
                    m.by,
                    m.ts.to_rfc3339()
                );
                if !m.reason.is_empty() {
                    s.push_str(&format!(" ({})", m.reason));
                }
                Some(s)
            }
            _ => None,
        }
    }

    /// The control topic's latest message, if any.
    pub fn latest(&self) -> Option<ControlMessage> {
        self.0.topic.lock().ok().and_then(|t| t.latest.clone())
    }

    /// A message read from the control topic; `at_start` while catching
    /// up. The same message twice (same id) changes nothing.
    pub fn apply(&self, message: ControlMessage, at_start: bool) {
        let Ok(mut t) = self.0.topic.lock() else {
            return;
        };
        if t.latest.as_ref().is_some_and(|m| m.id == message.id) {
            return;
        }
        let was_enabled = self.enabled();
        t.latest = Some(message.clone());
        let enabled = self.recompute(&t);
        let change = Change {
            message,
            was_enabled,
            enabled,
            at_start,
        };
        tracing::warn!(
            state = change.message.state.name(),
            by = %change.message.by,
            enabled,
            "{}.",
            change.describe()
        );
        t.changes.push_back(change);
    }

    /// The control topic has been read to its end: the switch now follows
    /// it.
    pub fn mark_read(&self) {
        let Ok(mut t) = self.0.topic.lock() else {
            return;
        };
        t.read = true;
        self.recompute(&t);
        self.0.ready.notify_all();
    }

    fn recompute(&self, t: &Topic) -> bool {
        let topic = t.latest.as_ref().is_none_or(|m| m.state.is_enabled());
        let enabled = self.0.local && t.read && topic;
        self.0.enabled.store(enabled, Ordering::SeqCst);
        enabled
    }

    /// The changes since the last call, oldest first.
    pub fn take_changes(&self) -> Vec<Change> {
        self.0
            .topic
            .lock()
            .map(|mut t| t.changes.drain(..).collect())
            .unwrap_or_default()
    }

    /// Whether this switch follows a control topic.
    pub fn follows_topic(&self) -> bool {
        self.0.follows_topic
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, state: SwitchState) -> ControlMessage {
        ControlMessage {
            schema_version: 1,
            id: id.into(),
            ts: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            state,
            by: "ops@host".into(),
            reason: "incident 42".into(),
            previous: None,
        }
    }

    #[test]
    fn disabled_until_read_then_the_topic_decides() {
        let s = LiveSwitch::following(true);
        assert!(!s.enabled());
        assert!(s.why_disabled().unwrap().contains("not been read"));
        s.mark_read();
        assert!(s.enabled() && s.why_disabled().is_none());
        s.apply(msg("a", SwitchState::Disabled), false);
        assert!(!s.enabled());
        assert!(s.why_disabled().unwrap().contains("ops@host"));
        s.apply(msg("a", SwitchState::Disabled), false);
        s.apply(msg("b", SwitchState::Enabled), false);
        assert!(s.enabled());
        let c = s.take_changes();
        assert_eq!(c.len(), 2, "the repeated message is not a change");
        assert!(c[0].was_enabled && !c[0].enabled);
        assert!(!c[1].was_enabled && c[1].enabled);
        assert!(s.take_changes().is_empty());
    }

    #[test]
    fn the_environment_disabled_is_never_overridden_by_the_topic() {
        let s = LiveSwitch::following(false);
        s.apply(msg("a", SwitchState::Enabled), true);
        s.mark_read();
        assert!(!s.enabled());
        assert!(
            s.why_disabled()
                .unwrap()
                .contains("RELIABILITY_ENGINE_ENABLED=false")
        );
        let c = s.take_changes();
        assert!(
            c[0].describe().contains("kept disabled"),
            "{}",
            c[0].describe()
        );
    }

    #[test]
    fn a_fixed_switch_is_ready_at_once() {
        assert!(LiveSwitch::fixed(true).enabled());
        assert!(LiveSwitch::fixed(true).wait_ready(Duration::ZERO));
        assert!(!LiveSwitch::fixed(false).enabled());
    }
}
