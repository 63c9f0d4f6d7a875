//! [`FeatureSpec`]: which windows and features to compute, and the input
//! rules (lateness, sampling interval, counters). It is part of the pipeline
//! file, validated as a whole ([`FeatureSpec::validate`]), hashed into model
//! artifacts ([`FeatureSpec::hash`]) and compiled into a [`CompiledSpec`].

use forewarn_core::HumanDuration;
use forewarn_core::id::content_id;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::feature::Feature;
use crate::sketch::LogMapping;

/// One rolling window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WindowSpec {
    /// Name used in feature ids, e.g. `5m` gives `5m.mean`.
    pub name: String,
    /// Window length in event time.
    pub length: HumanDuration,
    /// Number of panes the window is split into; `length` must be a whole
    /// multiple of `panes` milliseconds. More panes: a sharper window edge,
    /// more memory.
    #[serde(default = "default_panes")]
    #[schemars(range(min = 1, max = 120))]
    pub panes: u32,
}

fn default_panes() -> u32 {
    6
}

/// Windows, features and input rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FeatureSpec {
    /// The windows, shortest first by convention.
    pub windows: Vec<WindowSpec>,
    /// Features computed for every window, in output order.
    #[serde(default = "default_features")]
    pub features: Vec<Feature>,
    /// How far behind a series' newest sample a sample may arrive and still
    /// be applied; later ones are counted and dropped.
    #[serde(default = "default_lateness")]
    pub allowed_lateness: HumanDuration,
    /// The sampling interval sources are expected to keep; drives
    /// `missing_ratio`.
    #[serde(default = "default_interval")]
    pub expected_interval: HumanDuration,
    /// Relative accuracy of p50/p95/p99, in [0.005, 0.1].
    #[serde(default = "default_accuracy")]
    pub quantile_accuracy: f64,
    /// Metric-name suffixes that mark monotonic counters. Counters are turned
    /// into per-second rates (with reset detection) before windowing.
    #[serde(default = "default_counter_suffixes")]
    pub counter_suffixes: Vec<String>,
}

fn default_features() -> Vec<Feature> {
    Feature::ALL.to_vec()
}
fn default_lateness() -> HumanDuration {
    HumanDuration::from_secs(30)
}
fn default_interval() -> HumanDuration {
    HumanDuration::from_secs(10)
}
fn default_accuracy() -> f64 {
    0.01
}
fn default_counter_suffixes() -> Vec<String> {
    vec!["_total".into()]
}

/// One problem found by validation: the dotted path of the field, relative
/// to the spec, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    /// Dotted path, e.g. `windows[1].panes`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl FeatureSpec {
    /// The default windows (1m, 5m, 1h), all features, 10 s sampling.
    pub fn default_set() -> Self {
        let w = |name: &str, secs, panes| WindowSpec {
            name: name.into(),
            length: HumanDuration::from_secs(secs),
            panes,
        };
        Self {
            windows: vec![w("1m", 60, 3), w("5m", 300, 5), w("1h", 3600, 6)],
            features: default_features(),
            allowed_lateness: default_lateness(),
            expected_interval: default_interval(),
            quantile_accuracy: default_accuracy(),
            counter_suffixes: default_counter_suffixes(),
        }
    }

    /// The shortest window (the first of equal ones), if any: the freshest
    /// view of a series.
    pub fn shortest_window(&self) -> Option<&WindowSpec> {
        self.windows.iter().min_by_key(|w| w.length.as_millis())
    }

    /// This spec for sources sampled every `interval`: `expected_interval`
    /// set to it, and the windows shorter than it (they would hold at most
    /// one sample, which [`FeatureSpec::validate`] refuses) dropped; when
    /// none is left, a single window of one interval. Returns the names
    /// of the windows dropped. So the default pipeline's 1m window goes for
    /// data sampled every 5 minutes, and its 5m and 1h windows stay.
    pub fn at_interval(&mut self, interval: HumanDuration) -> Vec<String> {
        self.expected_interval = interval;
        let step = interval.as_millis();
        let (kept, dropped): (Vec<_>, Vec<_>) = std::mem::take(&mut self.windows)
            .into_iter()
            .partition(|w| w.length.as_millis() >= step);
        self.windows = kept;
        if self.windows.is_empty() && !dropped.is_empty() {
            self.windows.push(WindowSpec {
                name: interval.to_string(),
                length: interval,
                panes: 1,
            });
        }
        dropped.into_iter().map(|w| w.name).collect()
    }

    /// Length of the longest window in milliseconds (0 without windows):
    /// how long a series must run before every window has filled once.
    pub fn longest_window_ms(&self) -> i64 {
        self.windows
            .iter()
            .map(|w| w.length.as_millis())
            .max()
            .unwrap_or(0)
    }

    /// Every problem with the spec; empty when it is valid.
    pub fn validate(&self) -> Vec<SpecProblem> {
        let mut out = Vec::new();
        let mut bad = |path: String, message: String| out.push(SpecProblem { path, message });
        if self.windows.is_empty() {
            bad("windows".into(), "at least one window is required".into());
        }
        let interval = self.expected_interval.as_millis();
        if interval == 0 {
            bad(
                "expected_interval".into(),
                "must be greater than zero".into(),
            );
        }
        let mut longest = 0;
        for (i, w) in self.windows.iter().enumerate() {
            let p = |f: &str| format!("windows[{i}].{f}");
            if w.name.trim().is_empty() {
                bad(p("name"), "must not be empty".into());
            } else if self.windows[..i].iter().any(|o| o.name == w.name) {
                bad(p("name"), format!("duplicate window name {:?}", w.name));
            }
            let len = w.length.as_millis();
            longest = longest.max(len);
            if len == 0 {
                bad(p("length"), "must be greater than zero".into());
                continue;
            }
            if w.panes == 0 || w.panes > 120 {
                bad(
                    p("panes"),
                    format!("must be within 1..=120, got {}", w.panes),
                );
            } else if len % i64::from(w.panes) != 0 {
                bad(
                    p("panes"),
                    format!(
                        "window length {} ({len} ms) is not a whole multiple of {} panes",
                        w.length, w.panes
                    ),
                );
            }
            if interval > 0 && len < interval {
                bad(
                    p("length"),
                    format!(
                        "window {} is shorter than the sampling interval {}: it would hold at most one sample",
                        w.length, self.expected_interval
                    ),
                );
            }
        }
        if longest > 0 && self.allowed_lateness.as_millis() > longest {
            bad(
                "allowed_lateness".into(),
                format!(
                    "{} exceeds the longest window; late samples could never be applied",
                    self.allowed_lateness
                ),
            );
        }
        if !(0.005..=0.1).contains(&self.quantile_accuracy) {
            bad(
                "quantile_accuracy".into(),
                format!(
                    "must be within [0.005, 0.1], got {}",
                    self.quantile_accuracy
                ),
            );
        }
        if self.features.is_empty() {
            bad("features".into(), "at least one feature is required".into());
        }
        for (i, f) in self.features.iter().enumerate() {
            if self.features[..i].contains(f) {
                bad(
                    format!("features[{i}]"),
                    format!("duplicate feature {}", f.name()),
                );
            }
        }
        for (i, s) in self.counter_suffixes.iter().enumerate() {
            if s.is_empty() {
                bad(format!("counter_suffixes[{i}]"), "must not be empty".into());
            }
        }
        out
    }

    /// A stable hash of what the features mean and their order: windows,
    /// features, quantile accuracy, counter suffixes. Model artifacts record
    /// it; a model is refused by a pipeline whose spec hashes differently.
    ///
    /// The source's cadence (`expected_interval`) and `allowed_lateness` are
    /// left out: they describe the source, not the features (`missing_ratio`
    /// is a share of the source's own expected samples, the same meaning at
    /// any cadence; trend parameters carry their own step), so a model
    /// trained at 60 s also serves a 30 s or 10 s fleet.
    pub fn hash(&self) -> String {
        #[derive(Serialize)]
        struct Meaning<'a> {
            windows: &'a [WindowSpec],
            features: &'a [Feature],
            quantile_accuracy: f64,
            counter_suffixes: &'a [String],
        }
        let meaning = Meaning {
            windows: &self.windows,
            features: &self.features,
            quantile_accuracy: self.quantile_accuracy,
            counter_suffixes: &self.counter_suffixes,
        };
        let canonical = serde_json::to_string(&meaning).unwrap_or_default();
        content_id(&["feature-spec", &canonical])
    }

    /// Validate and compile.
    pub fn compile(&self) -> Result<CompiledSpec, Vec<SpecProblem>> {
        let problems = self.validate();
        if !problems.is_empty() {
            return Err(problems);
        }
        let windows = self
            .windows
            .iter()
            .map(|w| {
                let pane_ms = w.length.as_millis() / i64::from(w.panes);
                let tau = w.length.as_millis() as f64 / 3.0;
                CompiledWindow {
                    name: w.name.clone(),
                    pane_ms,
                    panes: i64::from(w.panes),
                    ewma_weights: (0..w.panes)
                        .map(|a| (-(f64::from(a) * pane_ms as f64) / tau).exp())
                        .collect(),
                }
            })
            .collect();
        Ok(CompiledSpec {
            spec: self.clone(),
            windows,
            mapping: LogMapping::new(self.quantile_accuracy),
            hash: self.hash(),
        })
    }
}

/// One window, compiled.
#[derive(Debug, Clone)]
pub struct CompiledWindow {
    /// Window name.
    pub name: String,
    /// Pane width in milliseconds.
    pub pane_ms: i64,
    /// Number of panes.
    pub panes: i64,
    /// EWMA weight of a pane by its age in panes.
    pub ewma_weights: Vec<f64>,
}

/// A validated [`FeatureSpec`] in the form the engine runs.
#[derive(Debug, Clone)]
pub struct CompiledSpec {
    /// The source spec.
    pub spec: FeatureSpec,
    /// Compiled windows, in spec order.
    pub windows: Vec<CompiledWindow>,
    /// Quantile bucket mapping.
    pub mapping: LogMapping,
    /// [`FeatureSpec::hash`] of `spec`.
    pub hash: String,
}

impl CompiledSpec {
    /// Features per series: windows × features.
    pub fn width(&self) -> usize {
        self.windows.len() * self.spec.features.len()
    }

    /// Names of the output features, `window.feature`, in output order.
    pub fn feature_names(&self) -> Vec<String> {
        self.windows
            .iter()
            .flat_map(|w| {
                self.spec
                    .features
                    .iter()
                    .map(move |f| format!("{}.{}", w.name, f.name()))
            })
            .collect()
    }

    /// Position of `feature` of `window` in the output vector.
    pub fn index_of(&self, window: &str, feature: Feature) -> Option<usize> {
        let w = self.windows.iter().position(|c| c.name == window)?;
        let f = self.spec.features.iter().position(|x| *x == feature)?;
        Some(w * self.spec.features.len() + f)
    }

    /// Whether a metric of this name is a monotonic counter.
    pub fn is_counter(&self, metric: &str) -> bool {
        self.spec
            .counter_suffixes
            .iter()
            .any(|s| metric.ends_with(s.as_str()))
    }

    /// Allowed lateness in milliseconds.
    pub fn lateness_ms(&self) -> i64 {
        self.spec.allowed_lateness.as_millis()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_set_is_valid_and_named() {
        let c = FeatureSpec::default_set().compile().unwrap();
        assert_eq!(c.width(), 42);
        assert_eq!(c.feature_names()[0], "1m.count");
        assert_eq!(c.index_of("1h", Feature::P99), Some(2 * 14 + 12));
        assert!(c.is_counter("http_requests_total"));
        assert!(!c.is_counter("memory_rss_bytes"));
    }

    #[test]
    fn a_spec_at_a_coarser_interval_keeps_the_windows_it_fills() {
        let names = |s: &FeatureSpec| s.windows.iter().map(|w| w.name.clone()).collect::<Vec<_>>();
        let mut s = FeatureSpec::default_set();
        let five = HumanDuration::from_secs(300);
        let mut at_five = s.clone();
        at_five.expected_interval = five;
        assert!(!at_five.validate().is_empty(), "1m is refused at 5 minutes");
        assert_eq!(s.at_interval(five), ["1m"]);
        assert_eq!(names(&s), ["5m", "1h"]);
        assert_eq!(s.expected_interval, five);
        assert!(s.validate().is_empty(), "{:?}", s.validate());
        // Sparser than every window: one window of the interval.
        let two_h = HumanDuration::from_secs(7200);
        assert_eq!(s.at_interval(two_h), ["5m", "1h"]);
        assert_eq!(names(&s), ["2h"]);
        assert!(s.validate().is_empty(), "{:?}", s.validate());
        // Finer than every window: nothing changes but the interval.
        let mut s = FeatureSpec::default_set();
        assert!(s.at_interval(HumanDuration::from_secs(30)).is_empty());
        assert_eq!(names(&s), ["1m", "5m", "1h"]);
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let mut s = FeatureSpec::default_set();
        s.windows[0].panes = 7; // 60 s / 7 is not whole
        s.windows[1].name = "1m".into();
        s.windows[2].length = HumanDuration::from_secs(5); // shorter than 10 s sampling
        s.quantile_accuracy = 0.5;
        s.features.push(Feature::Mean);
        s.allowed_lateness = HumanDuration::from_secs(7200);
        let paths: Vec<String> = s.validate().into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            [
                "windows[0].panes",
                "windows[1].name",
                "windows[2].panes",
                "windows[2].length",
                "allowed_lateness",
                "quantile_accuracy",
                "features[14]"
            ]
        );
    }

    #[test]
    fn hash_changes_with_anything_that_changes_values() {
        let a = FeatureSpec::default_set();
        let mut b = a.clone();
        assert_eq!(a.hash(), b.hash());
        b.windows[0].panes = 6;
        assert_ne!(a.hash(), b.hash());
        let mut c = a.clone();
        c.quantile_accuracy = 0.02;
        assert_ne!(a.hash(), c.hash());
        let mut d = a.clone();
        d.features.pop();
        assert_ne!(a.hash(), d.hash());
    }

    #[test]
    fn hash_ignores_the_source_cadence() {
        // A model trained at 60 s serves a 10 s source: cadence and
        // lateness describe the source, not what the features mean.
        let a = FeatureSpec::default_set();
        let mut b = a.clone();
        b.expected_interval = HumanDuration::from_secs(a.expected_interval.as_millis() / 1000 + 50);
        b.allowed_lateness = HumanDuration::from_secs(300);
        assert_eq!(a.hash(), b.hash());
    }
}
