//! Online log template mining for Forewarn: turns free-text log messages
//! into stable template ids (`Receiving block <*> src: <*> dest: <*>`), one
//! miner per service, so log streams become countable event series.
//!
//! The miner is Drain-style: regex masking of variable parts, a fixed-depth
//! parse tree routing by token count and leading tokens, and a similarity
//! threshold deciding between joining a template and starting a new one.
//! Template ids are content hashes fixed at creation, and the miner state is
//! serde-serialisable, so ids survive restarts.
//!
//! Compared with Drain, the similarity step treats words (tokens that are
//! not variable-like) as a message's constant skeleton: a message never
//! joins a template that has a word where the message has a different token
//! ([`MinerConfig::strict_words`]), while variable-like tokens of the same
//! shape (`PendingReds:1` / `PendingReds:0`) count as agreeing, and template
//! `<*>` positions agree with any variable-like token. Variable-like means:
//! holding a digit or a masked part, a weekday or month name, a path or URL,
//! or a dotted name (`proxy.cse.cuhk.edu.hk`, `org.apache.X`); and a word
//! right after `user`, `for`, `by`, ... is a value, not a skeleton word
//! ([`MinerConfig::value_slots`]), so user names never split an event type.
//! Variable-like tokens route through the tree's `<*>` branch, and
//! runs of adjacent `<*>` collapse so variable-length lists keep one length.
//!
//! The defaults ([`MinerConfig::default`], [`DEFAULT_MASKS`]) are chosen
//! leave-systems-out ([`accuracy::cross_validate`]): on Loghub-2k, defaults
//! chosen on 4 systems score a mean 0.98 on the other 4 with no per-system
//! regexes, against Drain's 0.90 with tuned per-system settings.
//!
//! Layout:
//! - [`config`]: [`MinerConfig`] and its validation.
//! - [`similarity`]: [`Similarity`], the checked threshold type.
//! - [`mask`]: [`Masker`], regex masking without per-line allocation, with
//!   hand-written matchers for common patterns ([`mask::fast`]), and the
//!   system-independent [`DEFAULT_MASKS`].
//! - `tokens` (private): tokenisation, variable-like tokens and shapes.
//! - `tree` (private): the fixed-depth parse tree.
//! - [`template`]: [`Template`], the similarity measure and merge rule.
//! - [`miner`]: [`TemplateMiner`], [`Match`] and the persisted [`MinerState`].
//! - [`services`]: [`ServiceMiners`], one miner per service.
//! - [`id`]: [`TemplateId`], content-derived stable ids.
//! - [`mod@format`]: [`LogFormat`], Loghub-style header formats.
//! - [`accuracy`]: Loghub-2k evaluation ([`accuracy::evaluate`]) and the
//!   leave-systems-out protocol ([`accuracy::cross_validate`]).
//! - [`error`]: [`Error`] and [`Result`].
//!
//! ```
//! use forewarn_logs::{MinerConfig, TemplateMiner};
//! let config = MinerConfig { masks: vec![r"blk_-?\d+".into()], ..MinerConfig::default() };
//! let mut miner = TemplateMiner::new(config).unwrap();
//! let a = miner.add("Deleting block blk_123 of size 512");
//! let b = miner.add("Deleting block blk_-456 of size 67108864");
//! assert!(a.is_new && !b.is_new);
//! assert_eq!(a.template_id, b.template_id);
//! assert_eq!(miner.template(a.template_id), Some("Deleting block <*> of size <*>"));
//!
//! // Persist and restore: the restored miner continues with the same ids.
//! let json = serde_json::to_string(miner.state()).unwrap();
//! let mut restored = TemplateMiner::from_state(serde_json::from_str(&json).unwrap()).unwrap();
//! assert_eq!(restored.add("Deleting block blk_9 of size 1").template_id, a.template_id);
//! ```

pub mod accuracy;
pub mod config;
pub mod error;
pub mod format;
pub mod id;
pub mod mask;
pub mod miner;
pub mod services;
pub mod similarity;
pub mod template;

mod hash;
mod tokens;
mod tree;

pub use config::{ConfigProblem, MinerConfig};
pub use error::{Error, Result};
pub use format::LogFormat;
pub use id::TemplateId;
pub use mask::{DEFAULT_MASKS, Masker};
pub use miner::{Match, MinerState, TemplateMiner};
pub use services::{ServiceMiners, ServiceMinersState};
pub use similarity::Similarity;
pub use template::Template;
pub use tokens::VALUE_SLOT_WORDS;
