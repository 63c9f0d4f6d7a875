//! The kill switch, held live, for every process that acts (`forewarn
//! remediate`, `forewarn watch`).
//!
//! Two inputs decide whether actions may run:
//! - `RELIABILITY_ENGINE_ENABLED`, read once at start ([`env`]): a value
//!   that is not one of the accepted spellings refuses the start instead
//!   of being read as "enabled";
//! - the control topic (`sinks.control`, compacted), flipped by `forewarn
//!   control disable|enable` and followed live by [`LiveSwitch`].
//!
//! Actions run only when both allow them: a process started with the
//! variable false stays disabled whatever the topic says (and says so in
//! its log), and a disable on the topic stops every process at once.
//!
//! Layout:
//! - [`env`]: parsing `RELIABILITY_ENGINE_ENABLED`.
//! - [`live`]: [`LiveSwitch`], the state of one process, and its changes.
//! - [`follow`]: the thread that reads the control topic into a [`LiveSwitch`].
//! - [`publish`]: publishing a flip and reading the current state (the CLI).
//!
//! ```
//! use forewarn_control::env::parse;
//! assert_eq!(parse("Off"), Some(false));
//! assert_eq!(parse("flase"), None);
//! ```

pub mod env;
pub mod follow;
pub mod live;
pub mod publish;

pub use env::{InvalidSwitch, VAR, from_env};
pub use live::{Change, LiveSwitch};
