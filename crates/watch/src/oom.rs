//! Was a SIGKILL the kernel's OOM killer? What can be seen from user
//! space: the memory cgroup's `oom_kill` counter (cgroup v2
//! `memory.events`, v1 `memory.oom_control`) rising while the child ran,
//! or, without it, the child's last sampled RSS within 10 % of its memory
//! limit. The kernel log (`dmesg`) would say for sure but needs
//! privileges; it is not read.

/// Where the memory cgroup of this process keeps its OOM kill count.
#[derive(Debug, Clone, Default)]
pub struct OomCounter {
    file: Option<std::path::PathBuf>,
}

impl OomCounter {
    /// The counter of the memory cgroup `pid` is in, if one is readable.
    pub fn of(pid: u32) -> Self {
        let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
        let mut candidates = Vec::new();
        for line in cgroups.lines() {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next(), parts.next(), parts.next());
            let (Some(controllers), Some(path)) = (controllers, path) else {
                continue;
            };
            let path = path.trim_start_matches('/');
            if controllers.is_empty() {
                candidates.push(format!("/sys/fs/cgroup/{path}/memory.events"));
                candidates.push("/sys/fs/cgroup/memory.events".to_string());
            } else if controllers.split(',').any(|c| c == "memory") {
                candidates.push(format!("/sys/fs/cgroup/memory/{path}/memory.oom_control"));
                candidates.push("/sys/fs/cgroup/memory/memory.oom_control".to_string());
            }
        }
        let file = candidates
            .into_iter()
            .map(std::path::PathBuf::from)
            .find(|p| read_count(p).is_some());
        Self { file }
    }

    /// The current count, when readable.
    pub fn count(&self) -> Option<u64> {
        self.file.as_deref().and_then(read_count)
    }

    /// The memory cgroup's limit in bytes, when it has one.
    pub fn limit_bytes(&self) -> Option<u64> {
        let dir = self.file.as_deref()?.parent()?;
        let text = std::fs::read_to_string(dir.join("memory.max"))
            .or_else(|_| std::fs::read_to_string(dir.join("memory.limit_in_bytes")))
            .ok()?;
        let v: u64 = text.trim().parse().ok()?;
        // cgroup v1 writes "no limit" as a number near i64::MAX.
        (v < (1 << 60)).then_some(v)
    }
}

fn read_count(path: &std::path::Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("oom_kill "))
        .and_then(|v| v.trim().parse().ok())
}

/// The verdict on a child killed by SIGKILL: the cgroup counted an OOM
/// kill since the child started, or its last RSS was within 10 % of the
/// limit. Returns the evidence.
pub fn verdict(
    counter_before: Option<u64>,
    counter_after: Option<u64>,
    last_rss: Option<u64>,
    limit: Option<u64>,
) -> Option<String> {
    if let (Some(b), Some(a)) = (counter_before, counter_after)
        && a > b
    {
        return Some(format!(
            "SIGKILL and the memory cgroup's oom_kill count rose from {b} to {a}"
        ));
    }
    match (last_rss, limit) {
        (Some(rss), Some(limit)) if rss as f64 >= 0.9 * limit as f64 => Some(format!(
            "SIGKILL with the last sampled RSS {rss} bytes within 10% of the limit {limit}"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_rise_or_rss_near_limit() {
        assert!(verdict(Some(1), Some(2), None, None).is_some());
        assert!(verdict(Some(2), Some(2), Some(10), Some(100)).is_none());
        assert!(verdict(None, None, Some(95), Some(100)).is_some());
        assert!(verdict(None, None, Some(80), Some(100)).is_none());
        assert!(verdict(None, None, Some(95), None).is_none());
    }

    #[test]
    fn this_machine_has_a_readable_counter_or_none() {
        let c = OomCounter::of(std::process::id());
        // Either way, count() agrees with whether a file was found.
        assert_eq!(c.count().is_some(), c.file.is_some());
    }
}
