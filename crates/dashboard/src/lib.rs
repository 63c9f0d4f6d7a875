//! Forewarn's live dashboard: what is healthy, what is about to break and
//! what was done about it, on one page that updates itself, and a status
//! page for customers beside it.
//!
//! The operator view (`/`) shows a fleet map coloured by health, the open
//! predicted issues with a countdown to the predicted failure, their
//! probability, evidence and root cause, the recent remediation actions
//! (verified or not), and uptime and error budget per service. The status
//! view (`/status`) shows services, their current status, uptime and
//! incidents in plain words, and nothing internal. Both are pushed live
//! over server-sent events; every asset is compiled in.
//!
//! Layout:
//! - [`input`]: [`Input`], one event of the pipeline's topics, decoded.
//! - [`health`]: tile colours and public statuses from the ledger's
//!   status.
//! - [`view`]: the JSON the pages receive (operator state and deltas, the
//!   public state).
//! - [`board`]: [`Board`], the state: the reliability ledger
//!   (`forewarn-ledger`: status, uptime, error budget, open issues, recent
//!   actions and incidents per service) plus what only the dashboard
//!   knows (metrics that stopped, the feed), and the deltas.
//! - [`hub`]: [`Hub`], the board shared with the server, and the live
//!   channels.
//! - [`server`]: [`Server`], axum routes, pages and live streams.
//! - [`feed`]: [`Feed`], the Kafka consumer that feeds the hub.
//! - [`error`]: [`Error`], by stage.
//!
//! ```no_run
//! use forewarn_dashboard::{BoardOptions, Hub, Server};
//! let hub = Hub::new(BoardOptions::default());
//! let server = Server::start("127.0.0.1:8080".parse().unwrap(), hub.clone()).unwrap();
//! println!("dashboard on {}", server.url());
//! ```

pub mod board;
pub mod error;
pub mod feed;
pub mod health;
pub mod hub;
pub mod input;
pub mod server;
pub mod view;

pub use board::{Board, BoardOptions};
pub use error::{Error, Result};
pub use feed::{Feed, FeedOptions};
pub use forewarn_kafka::Start;
pub use forewarn_ledger::LedgerOptions;
pub use hub::{Audience, Hub};
pub use input::{FeedTopics, Input};
pub use server::Server;
pub use view::Clock;

/// The name `value` has on the wire (its serde name, e.g.
/// `memory_exhaustion`).
pub(crate) fn wire<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "unknown".to_string(),
    }
}
