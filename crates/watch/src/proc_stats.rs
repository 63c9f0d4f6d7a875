//! The child's process tree read from `/proc`: resident memory, CPU time,
//! threads, open file descriptors and their limit (`RLIMIT_NOFILE` from
//! `/proc/PID/limits`), and bytes read and written to storage
//! (`/proc/PID/io`). Processes that vanish while being read are skipped.

use std::collections::HashMap;
use std::time::Instant;

/// Totals over a process tree at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TreeStats {
    /// Processes in the tree (the root included).
    pub processes: u64,
    /// Resident memory, bytes.
    pub rss_bytes: u64,
    /// User + system CPU time, clock ticks.
    pub cpu_ticks: u64,
    /// Threads.
    pub threads: u64,
    /// Open file descriptors.
    pub open_fds: u64,
    /// The root's soft `RLIMIT_NOFILE`, when it is not unlimited.
    pub max_fds: Option<u64>,
    /// Bytes read from storage (`read_bytes`), when readable.
    pub read_bytes: Option<u64>,
    /// Bytes written to storage (`write_bytes`), when readable.
    pub write_bytes: Option<u64>,
}

/// What one `/proc/PID/stat` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    ppid: u32,
    cpu_ticks: u64,
    threads: u64,
    rss_pages: u64,
}

fn read_stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Fields after the command name (which may hold spaces and parentheses).
fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_ascii_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
    Some(Stat {
        ppid: num(1)? as u32,
        cpu_ticks: num(11)? + num(12)?,
        threads: num(17)?,
        rss_pages: num(21)?,
    })
}

/// `root` and every descendant.
pub fn pids(root: u32) -> Vec<u32> {
    tree(root).into_iter().map(|(p, _)| p).collect()
}

/// `root` and every descendant, found through each process's parent.
fn tree(root: u32) -> Vec<(u32, Stat)> {
    let mut parent_of: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut stats: HashMap<u32, Stat> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if let Some(s) = read_stat(pid) {
                parent_of.entry(s.ppid).or_default().push(pid);
                stats.insert(pid, s);
            }
        }
    }
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(pid) = todo.pop() {
        let Some(s) = stats.get(&pid) else { continue };
        out.push((pid, *s));
        if let Some(kids) = parent_of.get(&pid) {
            todo.extend(kids);
        }
    }
    out
}

/// Totals over the tree of `root`; `None` when `root` is gone.
pub fn sample(root: u32) -> Option<TreeStats> {
    let procs = tree(root);
    if procs.is_empty() {
        return None;
    }
    let page = rustix::param::page_size() as u64;
    let mut t = TreeStats {
        max_fds: max_open_files(root),
        ..TreeStats::default()
    };
    for (pid, s) in &procs {
        t.processes += 1;
        t.rss_bytes += s.rss_pages * page;
        t.cpu_ticks += s.cpu_ticks;
        t.threads += s.threads;
        t.open_fds += std::fs::read_dir(format!("/proc/{pid}/fd"))
            .map(|d| d.count() as u64)
            .unwrap_or(0);
        if let Some((r, w)) = io_bytes(*pid) {
            t.read_bytes = Some(t.read_bytes.unwrap_or(0) + r);
            t.write_bytes = Some(t.write_bytes.unwrap_or(0) + w);
        }
    }
    Some(t)
}

fn io_bytes(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    Some((field("read_bytes:")?, field("write_bytes:")?))
}

/// The soft "Max open files" of `/proc/PID/limits`; `None` when unlimited.
pub fn max_open_files(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    parse_max_open_files(&text)
}

fn parse_max_open_files(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

/// CPU utilisation from successive tick counts: cores in use on average
/// since the previous reading.
#[derive(Debug)]
pub struct CpuMeter {
    last: Option<(Instant, u64)>,
    hz: f64,
}

impl Default for CpuMeter {
    fn default() -> Self {
        Self {
            last: None,
            hz: rustix::param::clock_ticks_per_second() as f64,
        }
    }
}

impl CpuMeter {
    /// Cores in use between the last reading and this one (`None` for the
    /// first). Ticks that went backwards (a process of the tree exited)
    /// count as none.
    pub fn cores(&mut self, at: Instant, ticks: u64) -> Option<f64> {
        let prev = self.last.replace((at, ticks))?;
        let wall = at.saturating_duration_since(prev.0).as_secs_f64();
        if wall <= 0.0 {
            return None;
        }
        Some(ticks.saturating_sub(prev.1) as f64 / self.hz / wall)
    }

    /// Forget the last reading (a new process started).
    pub fn reset(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_and_parentheses_in_the_name() {
        let line = "42 (my (odd) name) S 7 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 3 0 100 1000000 256 18446744073709551615";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.ppid, 7);
        assert_eq!(s.cpu_ticks, 200);
        assert_eq!(s.threads, 3);
        assert_eq!(s.rss_pages, 256);
    }

    #[test]
    fn limits_file() {
        let text = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n";
        assert_eq!(parse_max_open_files(text), Some(1024));
        let unl = "Max open files            unlimited            unlimited            files\n";
        assert_eq!(parse_max_open_files(unl), None);
    }

    #[test]
    fn this_process_is_its_own_tree() {
        let me = std::process::id();
        let t = sample(me).unwrap();
        assert!(t.processes >= 1);
        assert!(t.rss_bytes > 1 << 20, "{t:?}");
        assert!(t.threads >= 1);
        assert!(t.open_fds >= 3);
        assert!(t.max_fds.is_some());
        assert!(sample(u32::MAX - 1).is_none());
    }

    #[test]
    fn cpu_meter_counts_cores() {
        let mut m = CpuMeter {
            last: None,
            hz: 100.0,
        };
        let t0 = Instant::now();
        assert_eq!(m.cores(t0, 1000), None);
        let c = m
            .cores(t0 + std::time::Duration::from_secs(2), 1100)
            .unwrap();
        assert!((c - 0.5).abs() < 1e-9);
        let c = m
            .cores(t0 + std::time::Duration::from_secs(3), 1000)
            .unwrap();
        assert_eq!(c, 0.0);
    }
}
