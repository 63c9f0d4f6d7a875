//! [`History`]: metric history grouped into [`Series`], one per
//! (service, instance, metric), each sorted by event time. Files are read
//! into it by [`crate::history::read`]; tests and benchmarks build it in
//! memory with [`History::from_series`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use forewarn_features::SeriesKey;
use xxhash_rust::xxh3::Xxh3;

/// One series: event times (ms since the epoch, UTC) and values, sorted by
/// time. Samples with equal times keep their input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Service, instance and metric.
    pub key: SeriesKey,
    /// Event times in milliseconds, ascending.
    pub ts: Vec<i64>,
    /// Values, one per time; NaN where the file held none.
    pub values: Vec<f64>,
}

impl Series {
    /// A series from unsorted points (sorted here, stably by time).
    pub fn new(key: SeriesKey, mut points: Vec<(i64, f64)>) -> Self {
        points.sort_by_key(|p| p.0);
        let (ts, values) = points.into_iter().unzip();
        Self { key, ts, values }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// Whether there is no sample.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// The samples as `(ts, value)` pairs, in time order.
    pub fn points(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        self.ts.iter().copied().zip(self.values.iter().copied())
    }
}

/// Metric history ready for training.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// Every series, sorted by key.
    pub series: Vec<Series>,
    /// The files read, as given (empty for in-memory history).
    pub files: Vec<String>,
    /// XXH3-128 (hex) of the input files' bytes in order, or of the
    /// samples for in-memory history.
    pub hash: String,
    /// Rows read (samples, including those without a value).
    pub rows: u64,
}

impl History {
    /// History built in memory. The hash covers every key, time and value.
    pub fn from_series(mut series: Vec<Series>) -> Self {
        series.retain(|s| !s.is_empty());
        series.sort_by(|a, b| a.key.cmp(&b.key));
        let mut h = Xxh3::new();
        let mut rows = 0;
        for s in &series {
            h.update(s.key.to_string().as_bytes());
            h.update(&[0]);
            for (t, v) in s.points() {
                h.update(&t.to_le_bytes());
                h.update(&v.to_bits().to_le_bytes());
            }
            rows += s.len() as u64;
        }
        Self {
            series,
            files: Vec::new(),
            hash: format!("{:032x}", h.digest128()),
            rows,
        }
    }

    /// First and last event time over all series.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        let first = self.series.iter().filter_map(|s| s.ts.first()).min()?;
        let last = self.series.iter().filter_map(|s| s.ts.last()).max()?;
        Some((*first, *last))
    }

    /// Services, sorted.
    pub fn services(&self) -> BTreeSet<&str> {
        self.series.iter().map(|s| s.key.service.as_str()).collect()
    }

    /// Samples over all series.
    pub fn samples(&self) -> u64 {
        self.series.iter().map(|s| s.len() as u64).sum()
    }

    /// The series of `(service, instance, metric)`, if any.
    pub fn get(&self, service: &str, instance: &str, metric: &str) -> Option<&Series> {
        let probe = SeriesKey::new(service, instance, metric);
        self.series
            .binary_search_by(|s| s.key.cmp(&probe))
            .ok()
            .map(|i| &self.series[i])
    }
}

/// Collects rows of any number of files into series.
#[derive(Debug, Default)]
pub(crate) struct Grouper {
    index: HashMap<(String, String, String), usize>,
    points: Vec<Vec<(i64, f64)>>,
    keys: Vec<SeriesKey>,
    pub(crate) rows: u64,
}

impl Grouper {
    /// The slot of a key, created on first sight.
    pub(crate) fn slot(&mut self, service: &str, instance: &str, metric: &str) -> usize {
        let k = (
            service.to_string(),
            instance.to_string(),
            metric.to_string(),
        );
        if let Some(i) = self.index.get(&k) {
            return *i;
        }
        let i = self.points.len();
        self.points.push(Vec::new());
        self.keys.push(SeriesKey::new(service, instance, metric));
        self.index.insert(k, i);
        i
    }

    /// Append one sample to a slot.
    #[inline]
    pub(crate) fn push(&mut self, slot: usize, ts: i64, value: f64) {
        self.points[slot].push((ts, value));
        self.rows += 1;
    }

    /// Sorted series (by key; each by time).
    pub(crate) fn finish(self) -> Vec<Series> {
        let by_key: BTreeMap<SeriesKey, Vec<(i64, f64)>> =
            self.keys.into_iter().zip(self.points).collect();
        by_key
            .into_iter()
            .filter(|(_, p)| !p.is_empty())
            .map(|(k, p)| Series::new(k, p))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_sorts_and_finds_series() {
        let mut g = Grouper::default();
        let a = g.slot("api", "0", "cpu");
        let b = g.slot("api", "0", "mem");
        g.push(a, 20, 2.0);
        g.push(b, 10, 5.0);
        g.push(a, 10, 1.0);
        assert_eq!(g.slot("api", "0", "cpu"), a);
        let h = History::from_series(g.finish());
        assert_eq!(h.series.len(), 2);
        let cpu = h.get("api", "0", "cpu").unwrap();
        assert_eq!(
            (cpu.ts.clone(), cpu.values.clone()),
            (vec![10, 20], vec![1.0, 2.0])
        );
        assert_eq!(h.time_range(), Some((10, 20)));
        assert_eq!(h.rows, 3);
        assert_eq!(h.hash, History::from_series(h.series.clone()).hash);
    }
}
