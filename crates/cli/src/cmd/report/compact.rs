//! Health samples compacted as they are read, so a month of a fleet's
//! `health_up` (a sample every few seconds per instance) does not have to
//! be held before it is sorted: of each run of equal readings (passing,
//! or failing) of one series arriving in time order, only the first and
//! the last are kept; the ones between change nothing in the ledger (the
//! first sets when the series was first observed, a transition needs a
//! different reading). A sample that arrives out of time order within
//! its series is always kept, and so is the last of a run when a
//! different reading follows. Samples of the latency and error-rate
//! roles are kept as they are (each one closes the time slice of the
//! one before, so dropping any would change the SLIs); samples of other
//! metrics are left out (the ledger ignores them).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use forewarn_core::contracts::MetricSample;
use forewarn_ledger::Entry;

/// One series' run so far.
#[derive(Debug)]
struct Run {
    passing: bool,
    last_ts: DateTime<Utc>,
    /// The latest sample of the run, not yet kept.
    pending: Option<MetricSample>,
}

/// The compactor; [`Compactor::finish`] keeps each run's last sample.
#[derive(Debug)]
pub(crate) struct Compactor {
    health: String,
    /// The latency and error-rate roles' metrics, kept uncompacted.
    sli: Vec<String>,
    runs: HashMap<(String, String), Run>,
    /// Samples left out because they repeat their series' reading.
    pub(crate) repeated: u64,
    /// Samples of other metrics, left out.
    pub(crate) other: u64,
}

impl Compactor {
    pub(crate) fn new(health: &str, sli: &[&str]) -> Self {
        Self {
            health: health.to_string(),
            sli: sli.iter().map(|m| m.to_string()).collect(),
            runs: HashMap::new(),
            repeated: 0,
            other: 0,
        }
    }

    /// Keep `e` in `out`, unless it is a sample the ledger does not need.
    pub(crate) fn push(&mut self, e: Entry, out: &mut Vec<Entry>) {
        let Entry::Sample(s) = e else {
            out.push(e);
            return;
        };
        if s.metric != self.health {
            if self.sli.contains(&s.metric) {
                out.push(Entry::Sample(s));
            } else {
                self.other += 1;
            }
            return;
        }
        let passing = s.value >= 0.5;
        let key = (s.service.clone(), s.instance.clone());
        match self.runs.get_mut(&key) {
            None => {
                self.runs.insert(
                    key,
                    Run {
                        passing,
                        last_ts: s.ts,
                        pending: None,
                    },
                );
                out.push(Entry::Sample(s));
            }
            Some(run) if s.ts < run.last_ts => out.push(Entry::Sample(s)),
            Some(run) if run.passing == passing => {
                run.last_ts = s.ts;
                if run.pending.replace(s).is_some() {
                    self.repeated += 1;
                }
            }
            Some(run) => {
                if let Some(p) = run.pending.take() {
                    out.push(Entry::Sample(p));
                }
                run.passing = passing;
                run.last_ts = s.ts;
                out.push(Entry::Sample(s));
            }
        }
    }

    /// Keep the last sample of every run.
    pub(crate) fn finish(&mut self, out: &mut Vec<Entry>) {
        let mut rest: Vec<MetricSample> = self
            .runs
            .values_mut()
            .filter_map(|r| r.pending.take())
            .collect();
        rest.sort_by(|a, b| (a.ts, &a.service, &a.instance).cmp(&(b.ts, &b.service, &b.instance)));
        out.extend(rest.into_iter().map(Entry::Sample));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: i64, v: f64) -> Entry {
        metric_sample("health_up", t, v)
    }

    fn metric_sample(metric: &str, t: i64, v: f64) -> Entry {
        Entry::Sample(MetricSample {
            schema_version: 1,
            ts: DateTime::<Utc>::UNIX_EPOCH + chrono::TimeDelta::seconds(1_700_000_000 + t),
            service: "api".into(),
            instance: "api-0".into(),
            metric: metric.into(),
            value: v,
            labels: Default::default(),
        })
    }

    fn kept(input: &[(i64, f64)]) -> Vec<(i64, f64)> {
        let mut c = Compactor::new("health_up", &["p99"]);
        let mut out = Vec::new();
        for (t, v) in input {
            c.push(sample(*t, *v), &mut out);
        }
        c.finish(&mut out);
        out.iter()
            .map(|e| match e {
                Entry::Sample(s) => (s.ts.timestamp() - 1_700_000_000, s.value),
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn runs_keep_their_first_and_last_and_late_samples_stay() {
        // 1 1 1 0 0 1 1: the firsts and lasts of the runs.
        let got = kept(&[
            (0, 1.0),
            (10, 1.0),
            (20, 1.0),
            (30, 0.0),
            (40, 0.0),
            (50, 1.0),
            (60, 1.0),
        ]);
        assert_eq!(
            got,
            vec![
                (0, 1.0),
                (20, 1.0),
                (30, 0.0),
                (40, 0.0),
                (50, 1.0),
                (60, 1.0)
            ]
        );
        // A sample older than its series' last is kept as it is.
        let got = kept(&[(0, 1.0), (20, 1.0), (10, 0.0)]);
        assert_eq!(got, vec![(0, 1.0), (10, 0.0), (20, 1.0)]);
    }

    #[test]
    fn latency_and_error_rate_samples_are_all_kept_and_others_dropped() {
        let mut c = Compactor::new("health_up", &["p99"]);
        let mut out = Vec::new();
        for t in [0, 10, 20] {
            c.push(metric_sample("p99", t, 100.0), &mut out);
            c.push(metric_sample("cpu", t, 0.5), &mut out);
        }
        c.finish(&mut out);
        assert_eq!(out.len(), 3);
        assert_eq!((c.repeated, c.other), (0, 3));
    }
}
