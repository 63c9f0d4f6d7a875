//! Root-cause ranking, shared by the scorer (within its partitions) and
//! the fleet correlator (`forewarn-correlate`, across all of them). When
//! several services turn anomalous, the failure
//! usually started in a dependency and spread to its callers. Given the
//! dependency graph (from the pipeline's `services.*.depends_on`) and when
//! each service turned anomalous, rank the likely origins of a service's
//! trouble: anomalous services it depends on (directly or not) whose own
//! dependencies are healthy come first, earlier onsets before later ones,
//! deeper services before shallower ones.

use std::collections::{BTreeMap, HashMap, VecDeque};

/// Who calls whom: `depends_on[a]` lists the services `a` calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DependencyGraph {
    depends_on: BTreeMap<String, Vec<String>>,
}

/// One candidate origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The service.
    pub service: String,
    /// Hops from the affected service (0 is the service itself).
    pub depth: usize,
    /// When it turned anomalous (ms).
    pub onset_ms: i64,
    /// Whether none of its own dependencies is anomalous.
    pub frontier: bool,
}

impl DependencyGraph {
    /// A graph from `(service, dependencies)` pairs.
    pub fn new<I, S>(edges: I) -> Self
    where
        I: IntoIterator<Item = (S, Vec<String>)>,
        S: Into<String>,
    {
        Self {
            depends_on: edges.into_iter().map(|(s, d)| (s.into(), d)).collect(),
        }
    }

    /// Every service named, as a caller or a dependency, in name order.
    pub fn services(&self) -> std::collections::BTreeSet<&str> {
        self.depends_on
            .iter()
            .flat_map(|(s, d)| std::iter::once(s.as_str()).chain(d.iter().map(String::as_str)))
            .collect()
    }

    /// Whether `to` is reachable from `from` along `depends_on` (directly
    /// or not); a service reaches itself.
    pub fn reaches(&self, from: &str, to: &str) -> bool {
        if from == to {
            return true;
        }
        let mut seen = std::collections::HashSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(s) = queue.pop_front() {
            for dep in self.dependencies(s) {
                if dep == to {
                    return true;
                }
                if seen.insert(dep.as_str()) {
                    queue.push_back(dep.as_str());
                }
            }
        }
        false
    }

    /// Direct dependencies of `service`.
    pub fn dependencies(&self, service: &str) -> &[String] {
        self.depends_on.get(service).map_or(&[], Vec::as_slice)
    }

    /// Likely origins of `service`'s trouble, most likely first. `onsets`
    /// maps each currently anomalous service to its onset (ms). Empty when
    /// neither the service nor any dependency is anomalous.
    pub fn rank(&self, service: &str, onsets: &HashMap<String, i64>) -> Vec<Candidate> {
        let mut depth: HashMap<&str, usize> = HashMap::from([(service, 0)]);
        let mut queue = VecDeque::from([service]);
        while let Some(s) = queue.pop_front() {
            let d = depth[s];
            for dep in self.dependencies(s) {
                if !depth.contains_key(dep.as_str()) {
                    depth.insert(dep, d + 1);
                    queue.push_back(dep);
                }
            }
        }
        let mut out: Vec<Candidate> = depth
            .iter()
            .filter_map(|(s, d)| {
                let onset_ms = *onsets.get(*s)?;
                let frontier = !self
                    .dependencies(s)
                    .iter()
                    .any(|dep| onsets.contains_key(dep));
                Some(Candidate {
                    service: s.to_string(),
                    depth: *d,
                    onset_ms,
                    frontier,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.frontier
                .cmp(&a.frontier)
                .then(a.onset_ms.cmp(&b.onset_ms))
                .then(b.depth.cmp(&a.depth))
                .then(a.service.cmp(&b.service))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph() -> DependencyGraph {
        DependencyGraph::new([
            ("gateway", vec!["api".to_string()]),
            ("api", vec!["db".into(), "cache".into(), "queue".into()]),
            ("workers", vec!["queue".into(), "db".into()]),
        ])
    }

    #[test]
    fn cascade_points_at_the_deepest_earliest_dependency() {
        let g = graph();
        let onsets = HashMap::from([
            ("db".to_string(), 1_000),
            ("api".to_string(), 2_000),
            ("gateway".to_string(), 3_000),
        ]);
        let r = g.rank("gateway", &onsets);
        let names: Vec<&str> = r.iter().map(|c| c.service.as_str()).collect();
        assert_eq!(names, ["db", "api", "gateway"]);
        assert!(r[0].frontier && r[0].depth == 2);
        // Workers share the db: the same origin.
        assert_eq!(g.rank("workers", &onsets)[0].service, "db");
    }

    #[test]
    fn a_lone_anomaly_is_its_own_origin_and_healthy_services_have_none() {
        let g = graph();
        let onsets = HashMap::from([("api".to_string(), 5)]);
        assert_eq!(g.rank("api", &onsets)[0].service, "api");
        assert!(g.rank("cache", &onsets).is_empty());
    }

    #[test]
    fn cycles_terminate() {
        let g = DependencyGraph::new([("a", vec!["b".to_string()]), ("b", vec!["a".to_string()])]);
        let onsets = HashMap::from([("a".to_string(), 2), ("b".to_string(), 1)]);
        let r = g.rank("a", &onsets);
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0].service, "b",
            "earlier onset wins when neither is a frontier"
        );
    }
}
