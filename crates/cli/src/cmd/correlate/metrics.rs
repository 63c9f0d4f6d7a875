//! `forewarn correlate`'s own `/metrics` (Prometheus text format) and
//! `/health` (200 while the loop turned within the last 30 s), served as
//! the scorer's are ([`forewarn_stream::serve_any`]), with `--listen`.
//!
//! | metric | type | what |
//! |---|---|---|
//! | `forewarn_correlate_incidents_total` | counter | distinct incidents taken in |
//! | `forewarn_correlate_late_incidents_total` | counter | incidents that arrived with their onset behind the watermark |
//! | `forewarn_correlate_episodes_total` | counter | episodes decided (any size) |
//! | `forewarn_correlate_cascades_published_total` | counter | `cascading_failure` issues published (again after a restart: same ids) |
//! | `forewarn_correlate_watermark_lag_seconds` | gauge | wall clock − watermark (event time) |

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use forewarn_correlate::Counts;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// What the correlator counts, shared with the HTTP endpoint.
#[derive(Debug)]
pub(crate) struct Stats {
    registry: Registry,
    incidents: Counter,
    late: Counter,
    episodes: Counter,
    published: Counter,
    watermark_lag: Gauge<f64, AtomicU64>,
    heartbeat_ms: AtomicI64,
}

impl Stats {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("forewarn_correlate");
        let s = Self {
            registry: Registry::default(),
            incidents: Counter::default(),
            late: Counter::default(),
            episodes: Counter::default(),
            published: Counter::default(),
            watermark_lag: Gauge::default(),
            heartbeat_ms: AtomicI64::new(0),
        };
        registry.register(
            "incidents",
            "Distinct incidents taken in",
            s.incidents.clone(),
        );
        registry.register(
            "late_incidents",
            "Incidents that arrived with their onset behind the watermark",
            s.late.clone(),
        );
        registry.register("episodes", "Episodes decided", s.episodes.clone());
        registry.register(
            "cascades_published",
            "cascading_failure issues published",
            s.published.clone(),
        );
        registry.register(
            "watermark_lag_seconds",
            "Wall clock minus the watermark (event time)",
            s.watermark_lag.clone(),
        );
        Self { registry, ..s }
    }

    /// The loop turned at `now_ms` with these figures.
    pub(crate) fn update(&self, c: Counts, published: u64, watermark_ms: Option<i64>, now_ms: i64) {
        self.incidents.inner().store(c.incidents, Ordering::Relaxed);
        self.late.inner().store(c.late, Ordering::Relaxed);
        self.episodes.inner().store(c.episodes, Ordering::Relaxed);
        self.published.inner().store(published, Ordering::Relaxed);
        if let Some(w) = watermark_ms {
            self.watermark_lag.set((now_ms - w) as f64 / 1000.0);
        }
        self.heartbeat_ms.store(now_ms, Ordering::Relaxed);
    }
}

impl forewarn_stream::Exposition for Stats {
    fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    fn healthy(&self) -> bool {
        forewarn_stream::metrics::now_ms() - self.heartbeat_ms.load(Ordering::Relaxed) <= 30_000
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::sync::Arc;

    use super::*;

    fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn the_endpoint_serves_the_correlators_counts_and_its_health() {
        let stats = Arc::new(Stats::new());
        let addr =
            forewarn_stream::serve_any("127.0.0.1:0".parse().unwrap(), Arc::clone(&stats)).unwrap();
        assert!(
            get(addr, "/health").starts_with("HTTP/1.1 503"),
            "never turned"
        );
        let counts = Counts {
            incidents: 12,
            late: 1,
            episodes: 5,
            ..Counts::default()
        };
        let now = forewarn_stream::metrics::now_ms();
        stats.update(counts, 4, Some(now - 90_000), now);
        assert!(get(addr, "/health").starts_with("HTTP/1.1 200"));
        let m = get(addr, "/metrics");
        for line in [
            "forewarn_correlate_incidents_total 12",
            "forewarn_correlate_late_incidents_total 1",
            "forewarn_correlate_episodes_total 5",
            "forewarn_correlate_cascades_published_total 4",
            "forewarn_correlate_watermark_lag_seconds 90.0",
        ] {
            assert!(m.contains(line), "{line} not in {m}");
        }
    }
}
