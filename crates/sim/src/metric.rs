//! The thirteen metrics every simulated instance emits at each step, with
//! their names, units and meanings. The order of [`Metric::ALL`] is the row
//! order within one instance and step in every output.

use serde::{Deserialize, Serialize};

/// One simulated metric. The `snake_case` name is the `metric` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// CPU utilisation of the instance, 0 to 1.
    CpuUtilization,
    /// Resident set size, bytes.
    MemoryRssBytes,
    /// Memory limit of the container (OOM kill when RSS reaches it), bytes.
    MemoryLimitBytes,
    /// Longest stop-the-world GC pause in the interval, milliseconds.
    GcPauseMs,
    /// Disk space used on the data volume, bytes.
    DiskUsedBytes,
    /// Capacity of the data volume, bytes.
    DiskCapacityBytes,
    /// Connections open in the instance's main pool.
    ConnectionsOpen,
    /// Size of that pool (maximum connections).
    ConnectionsMax,
    /// Requests (queries, messages, jobs) handled per second.
    RequestsPerSecond,
    /// Share of requests that failed, 0 to 1.
    ErrorRate,
    /// Median request latency, milliseconds.
    LatencyP50Ms,
    /// 99th-percentile request latency, milliseconds.
    LatencyP99Ms,
    /// Items waiting in the instance's work queue (requests, messages, jobs).
    QueueDepth,
}

impl Metric {
    /// How many metrics each instance emits per step.
    pub const COUNT: usize = 13;

    /// Every metric, in output row order.
    pub const ALL: [Metric; Self::COUNT] = [
        Metric::CpuUtilization,
        Metric::MemoryRssBytes,
        Metric::MemoryLimitBytes,
        Metric::GcPauseMs,
        Metric::DiskUsedBytes,
        Metric::DiskCapacityBytes,
        Metric::ConnectionsOpen,
        Metric::ConnectionsMax,
        Metric::RequestsPerSecond,
        Metric::ErrorRate,
        Metric::LatencyP50Ms,
        Metric::LatencyP99Ms,
        Metric::QueueDepth,
    ];

    /// Position in [`Metric::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The name written in the `metric` column, e.g. `memory_rss_bytes`.
    pub const fn name(self) -> &'static str {
        match self {
            Metric::CpuUtilization => "cpu_utilization",
            Metric::MemoryRssBytes => "memory_rss_bytes",
            Metric::MemoryLimitBytes => "memory_limit_bytes",
            Metric::GcPauseMs => "gc_pause_ms",
            Metric::DiskUsedBytes => "disk_used_bytes",
            Metric::DiskCapacityBytes => "disk_capacity_bytes",
            Metric::ConnectionsOpen => "connections_open",
            Metric::ConnectionsMax => "connections_max",
            Metric::RequestsPerSecond => "requests_per_second",
            Metric::ErrorRate => "error_rate",
            Metric::LatencyP50Ms => "latency_p50_ms",
            Metric::LatencyP99Ms => "latency_p99_ms",
            Metric::QueueDepth => "queue_depth",
        }
    }

    /// The unit of the value.
    pub const fn unit(self) -> &'static str {
        match self {
            Metric::CpuUtilization | Metric::ErrorRate => "ratio (0-1)",
            Metric::MemoryRssBytes
            | Metric::MemoryLimitBytes
            | Metric::DiskUsedBytes
            | Metric::DiskCapacityBytes => "bytes",
            Metric::GcPauseMs | Metric::LatencyP50Ms | Metric::LatencyP99Ms => "milliseconds",
            Metric::ConnectionsOpen | Metric::ConnectionsMax => "connections",
            Metric::RequestsPerSecond => "per second",
            Metric::QueueDepth => "items",
        }
    }

    /// The metric whose name is `name`, if any.
    pub fn from_name(name: &str) -> Option<Metric> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Decimal places kept in the output (values are rounded so CSV stays
    /// short and equals Parquet exactly); 0 means an integer.
    pub(crate) const fn decimals(self) -> i32 {
        match self {
            Metric::CpuUtilization => 4,
            Metric::ErrorRate => 5,
            Metric::GcPauseMs
            | Metric::LatencyP50Ms
            | Metric::LatencyP99Ms
            | Metric::RequestsPerSecond => 2,
            _ => 0,
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_order_matches_index() {
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(Metric::from_name(m.name()), Some(m));
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.name()));
        }
        assert_eq!(Metric::from_name("nope"), None);
    }
}
