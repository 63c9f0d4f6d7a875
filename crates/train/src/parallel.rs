//! A deterministic parallel map over indices on scoped threads: workers take
//! the next index from a shared counter, and results come back in index
//! order, so the output never depends on the thread count or timing.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `(0..n).map(f)` on up to `workers` threads, in index order.
pub(crate) fn map<T, F>(n: usize, workers: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize) -> T + Sync,
{
    let workers = workers.clamp(1, n.max(1));
    if workers == 1 {
        return (0..n).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<(usize, T)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break out;
                        }
                        out.push((i, f(i)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    parts.sort_unstable_by_key(|p| p.0);
    parts.into_iter().map(|p| p.1).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_index_order_whatever_the_workers() {
        for w in [1, 2, 7] {
            assert_eq!(
                super::map(100, w, |i| i * i),
                (0..100).map(|i| i * i).collect::<Vec<_>>()
            );
        }
        assert!(super::map(0, 4, |i| i).is_empty());
    }
}
