//! The metric samples of one observation of the child: process-tree
//! figures under the names the default pipeline already reads
//! (`memory_rss_bytes` against `memory_limit_bytes` for the memory
//! exhaustion trend, `cpu_utilization` as a share of the cores available
//! for the CPU role) and Prometheus' process-exporter names for the rest.

use chrono::{DateTime, Utc};
use forewarn_core::contracts::MetricSample;

use crate::proc_stats::TreeStats;

/// Names and values of one process-tree sample.
pub fn tree_metrics(
    t: &TreeStats,
    cores_used: Option<f64>,
    cores_available: f64,
    memory_limit: Option<u64>,
    hz: f64,
) -> Vec<(&'static str, f64)> {
    let mut m = vec![
        ("memory_rss_bytes", t.rss_bytes as f64),
        ("process_cpu_seconds_total", t.cpu_ticks as f64 / hz),
        ("process_threads", t.threads as f64),
        ("process_count", t.processes as f64),
        ("process_open_fds", t.open_fds as f64),
    ];
    if let Some(c) = cores_used {
        m.push((
            "cpu_utilization",
            c / cores_available.max(f64::MIN_POSITIVE),
        ));
    }
    if let Some(l) = memory_limit {
        m.push(("memory_limit_bytes", l as f64));
    }
    if let Some(f) = t.max_fds {
        m.push(("process_max_fds", f as f64));
    }
    if let Some(r) = t.read_bytes {
        m.push(("process_disk_read_bytes_total", r as f64));
    }
    if let Some(w) = t.write_bytes {
        m.push(("process_disk_written_bytes_total", w as f64));
    }
    m
}

/// `values` as samples of `service`/`instance` at `ts`.
pub fn to_samples(
    service: &str,
    instance: &str,
    ts: DateTime<Utc>,
    values: &[(&str, f64)],
) -> Vec<MetricSample> {
    values
        .iter()
        .filter(|(_, v)| v.is_finite())
        .map(|(name, v)| MetricSample {
            schema_version: forewarn_core::SCHEMA_VERSION,
            ts,
            service: service.to_string(),
            instance: instance.to_string(),
            metric: (*name).to_string(),
            value: *v,
            labels: Default::default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_default_pipeline_reads() {
        let t = TreeStats {
            processes: 2,
            rss_bytes: 1000,
            cpu_ticks: 250,
            threads: 5,
            open_fds: 7,
            max_fds: Some(1024),
            read_bytes: Some(1),
            write_bytes: None,
        };
        let m = tree_metrics(&t, Some(1.0), 4.0, Some(4000), 100.0);
        let get = |n: &str| m.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
        assert_eq!(get("memory_rss_bytes"), Some(1000.0));
        assert_eq!(get("memory_limit_bytes"), Some(4000.0));
        assert_eq!(get("cpu_utilization"), Some(0.25));
        assert_eq!(get("process_cpu_seconds_total"), Some(2.5));
        assert_eq!(get("process_max_fds"), Some(1024.0));
        assert_eq!(get("process_disk_written_bytes_total"), None);
        let s = to_samples("api", "a0", Utc::now(), &m);
        assert_eq!(s.len(), m.len());
        assert!(s.iter().all(|s| s.service == "api" && s.instance == "a0"));
    }
}
