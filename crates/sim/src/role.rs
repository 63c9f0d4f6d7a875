//! What a service does ([`Role`]): it sets the service's size, latency and
//! limits, and where it sits in the fleet's dependency graph.

use serde::{Deserialize, Serialize};

/// What a service does; it sets the service's size, latency and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Edge proxy in front of the APIs.
    Gateway,
    /// Business API, calls a database, a cache and a queue.
    Api,
    /// Relational database.
    Db,
    /// In-memory cache.
    Cache,
    /// Message broker.
    Queue,
    /// Background worker consuming a queue.
    Worker,
}

impl Role {
    /// Tier order, callers first.
    pub const ALL: [Role; 6] = [
        Role::Gateway,
        Role::Api,
        Role::Db,
        Role::Cache,
        Role::Queue,
        Role::Worker,
    ];

    /// The `snake_case` name.
    pub const fn name(self) -> &'static str {
        match self {
            Role::Gateway => "gateway",
            Role::Api => "api",
            Role::Db => "db",
            Role::Cache => "cache",
            Role::Queue => "queue",
            Role::Worker => "worker",
        }
    }

    /// Whether other services call this one (so a cascade can start here).
    pub const fn is_dependency(self) -> bool {
        matches!(self, Role::Db | Role::Cache | Role::Queue)
    }
}
