//! Everyday log lines by role: access logs, cache and queue chatter,
//! database maintenance, job completions; occasional warnings (slow
//! requests, retries) and errors (failed requests, exceptions).

use rand::Rng;

use super::vars::{id, ip, job, method, ms, path, pick, rid, table, topic};
use crate::Metric as M;
use crate::model::instance::Vals;
use crate::model::params::ServiceParams;
use crate::rng::SimRng;
use crate::topology::Role;

/// What a template may refer to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineCtx<'a> {
    pub(crate) service: &'a str,
    pub(crate) instance: &'a str,
    pub(crate) role: Role,
    pub(crate) deps: &'a [String],
    pub(crate) v: &'a Vals,
    pub(crate) p: &'a ServiceParams,
}

impl LineCtx<'_> {
    pub(crate) fn get(&self, m: M) -> f64 {
        self.v[m.index()]
    }

    /// One of the services this one calls, or a generic name.
    pub(crate) fn dep(&self, rng: &mut SimRng) -> String {
        if self.deps.is_empty() {
            "backend".to_string()
        } else {
            self.deps[rng.random_range(0..self.deps.len())].clone()
        }
    }
}

fn status(rng: &mut SimRng) -> u16 {
    *[200, 200, 200, 200, 200, 201, 204, 304, 404]
        .get(rng.random_range(0..9))
        .unwrap_or(&200)
}

/// A routine info line.
pub(crate) fn info(rng: &mut SimRng, c: &LineCtx<'_>) -> String {
    let p50 = c.get(M::LatencyP50Ms);
    match (c.role, rng.random_range(0..4)) {
        (Role::Gateway, 0..=2) => format!(
            "{} {} {} {}ms upstream={}-0 request_id={}",
            method(rng),
            path(rng),
            status(rng),
            ms(rng, p50),
            c.dep(rng),
            rid(rng)
        ),
        (Role::Gateway, _) => format!(
            "TLS handshake completed for client {} in {}ms",
            ip(rng),
            ms(rng, 3.0)
        ),
        (Role::Api, 0 | 1) => format!(
            "handled {} {} status={} duration={}ms user={} request_id={}",
            method(rng),
            path(rng),
            status(rng),
            ms(rng, p50),
            id(rng),
            rid(rng)
        ),
        (Role::Api, 2) => format!(
            "cache {} key=user:{}:profile ({}ms)",
            pick(rng, &["hit", "hit", "hit", "miss"]),
            id(rng),
            ms(rng, 0.8)
        ),
        (Role::Api, _) => format!(
            "published event order.created id={} to {}",
            id(rng),
            topic(rng)
        ),
        (Role::Db, 0) => format!(
            "checkpoint complete: wrote {} buffers ({:.1}%); write={:.3} s, sync={:.3} s",
            rng.random_range(100..20_000),
            rng.random::<f64>() * 5.0,
            rng.random::<f64>() * 30.0,
            rng.random::<f64>()
        ),
        (Role::Db, 1) => format!(
            "automatic vacuum of table \"app.public.{}\": index scans: 1, pages: {} removed, {} remain",
            table(rng),
            rng.random_range(0..500),
            rng.random_range(1000..90_000)
        ),
        (Role::Db, 2) => format!(
            "connection authorized: user=app database=app host={}",
            ip(rng)
        ),
        (Role::Db, _) => format!(
            "duration: {} ms  statement: SELECT * FROM {} WHERE id = $1",
            ms(rng, p50),
            table(rng)
        ),
        (Role::Cache, 0) => format!("Accepted {}:{}", ip(rng), rng.random_range(30_000..60_000)),
        (Role::Cache, 1) => format!(
            "{} changes in 300 seconds. Saving...",
            rng.random_range(10..100_000)
        ),
        (Role::Cache, 2) => format!(
            "Background saving started by pid {}",
            rng.random_range(100..60_000)
        ),
        (Role::Cache, _) => "DB saved on disk".to_string(),
        (Role::Queue, 0 | 1) => format!(
            "[Log partition={}-{}] Rolled new log segment at offset {} in {} ms",
            topic(rng),
            rng.random_range(0..12),
            rng.random_range(1_000_000u64..900_000_000),
            ms(rng, 4.0)
        ),
        (Role::Queue, _) => format!(
            "[GroupCoordinator] Stabilized group {}-consumers generation {} with {} members",
            topic(rng),
            rng.random_range(1..500),
            rng.random_range(1..12)
        ),
        (Role::Worker, 0 | 1) => format!(
            "job {} ({}) completed in {}ms",
            rid(rng),
            job(rng),
            ms(rng, p50)
        ),
        (Role::Worker, _) => format!(
            "fetched {} messages from {} (lag {})",
            rng.random_range(1..100),
            topic(rng),
            c.get(M::QueueDepth) as u64
        ),
    }
}

/// A routine warning.
pub(crate) fn warn(rng: &mut SimRng, c: &LineCtx<'_>) -> String {
    let p99 = c.get(M::LatencyP99Ms);
    match (c.role, rng.random_range(0..3)) {
        (Role::Db, _) => format!(
            "duration: {} ms  statement: UPDATE {} SET updated_at = now() WHERE id = $1",
            ms(rng, p99),
            table(rng)
        ),
        (Role::Cache, _) => format!(
            "slowlog: command {} took {} microseconds",
            pick(rng, &["KEYS", "HGETALL", "SMEMBERS", "ZRANGE"]),
            rng.random_range(10_000..90_000)
        ),
        (Role::Queue, _) => format!(
            "[ReplicaFetcher] partition {}-{} is lagging by {} messages",
            topic(rng),
            rng.random_range(0..12),
            rng.random_range(100..5000)
        ),
        (_, 0) => format!(
            "slow request {} {} took {}ms request_id={}",
            method(rng),
            path(rng),
            ms(rng, p99),
            rid(rng)
        ),
        (_, 1) => format!(
            "retrying request to {} (attempt 2/3) after {}ms: connection reset by peer",
            c.dep(rng),
            ms(rng, 50.0)
        ),
        (_, _) => format!(
            "deprecated API version v1 called by client {} on {}",
            ip(rng),
            path(rng)
        ),
    }
}

/// A routine error (the baseline error rate shows in the logs too).
pub(crate) fn error(rng: &mut SimRng, c: &LineCtx<'_>) -> String {
    match (c.role, rng.random_range(0..3)) {
        (Role::Db, _) => format!(
            "ERROR: duplicate key value violates unique constraint \"{}_pkey\"",
            table(rng)
        ),
        (Role::Cache | Role::Queue, _) => format!(
            "client {}:{} closed connection abruptly: Connection reset by peer",
            ip(rng),
            rng.random_range(30_000..60_000)
        ),
        (_, 0) => format!(
            "request {} failed: {} returned 503 Service Unavailable",
            rid(rng),
            c.dep(rng)
        ),
        (_, 1) => format!(
            "unhandled exception in {}Handler: NullPointerException at com.example.{}.Service.handle(Service.java:{})",
            pick(rng, &["Order", "Cart", "Payment", "Profile"]),
            c.service.replace('-', "_"),
            rng.random_range(40..900)
        ),
        (_, _) => format!(
            "failed to process {} {}: deadline exceeded after {}ms",
            pick(rng, &["request", "message", "job"]),
            rid(rng),
            ms(rng, 5000.0)
        ),
    }
}
