//! The fleet's services and dependency graph: gateways call APIs, APIs call
//! a database, a cache and a queue, workers consume a queue and write to a
//! database. Names are readable for small fleets (`gateway`, `orders`,
//! `db`) and numbered for large ones (`api-0042`).

use crate::model::params::ServiceParams;
use crate::rng::{Stream, rng_for};
pub use crate::role::Role;

const API_NAMES: [&str; 12] = [
    "orders",
    "users",
    "payments",
    "catalog",
    "search",
    "checkout",
    "inventory",
    "shipping",
    "reviews",
    "billing",
    "profile",
    "notifications",
];

/// One service of the fleet.
#[derive(Debug, Clone)]
pub struct Service {
    /// Unique name, the `service` column.
    pub name: String,
    /// What it does.
    pub role: Role,
    /// Instance names, the `instance` column (`<service>-<i>`).
    pub instances: Vec<String>,
    /// Indices (into [`Topology::services`]) of the services it calls.
    pub depends_on: Vec<usize>,
    pub(crate) params: ServiceParams,
}

/// The fleet: services in tier order (gateways, APIs, databases, caches,
/// queues, workers).
#[derive(Debug, Clone)]
pub struct Topology {
    /// Every service.
    pub services: Vec<Service>,
}

/// How many services of each role (in [`Role::ALL`] order) a fleet of `n` has.
fn role_counts(n: usize) -> [usize; 6] {
    match n {
        0 => [0; 6],
        1 => [0, 1, 0, 0, 0, 0],
        2 => [0, 1, 1, 0, 0, 0],
        3 => [1, 1, 1, 0, 0, 0],
        4 => [1, 1, 1, 1, 0, 0],
        5 => [1, 1, 1, 1, 1, 0],
        6 => [1; 6],
        _ => {
            let share = |f: f64| ((n as f64 * f).round() as usize).max(1);
            let (gw, db, cache, queue, worker) = (
                share(0.04),
                share(0.12),
                share(0.08),
                share(0.08),
                share(0.2),
            );
            let api = n - gw - db - cache - queue - worker;
            [gw, api, db, cache, queue, worker]
        }
    }
}

impl Topology {
    /// Build a fleet of `n` services with `instances` instances each; the
    /// parameters of each service derive from `seed`.
    pub fn build(n: usize, instances: usize, seed: u64) -> Self {
        let counts = role_counts(n);
        let mut services = Vec::with_capacity(n);
        let mut first = [0usize; 6];
        for (r, role) in Role::ALL.into_iter().enumerate() {
            first[r] = services.len();
            let count = counts[r];
            let width = count.to_string().len();
            for i in 0..count {
                let name = if let Some(api) = API_NAMES
                    .get(i)
                    .filter(|_| role == Role::Api && count <= API_NAMES.len())
                {
                    (*api).to_string()
                } else if count == 1 {
                    role.name().to_string()
                } else {
                    format!("{}-{:0width$}", role.name(), i + 1)
                };
                let idx = services.len() as u64;
                let mut rng = rng_for(seed, Stream::Params, idx);
                let params = ServiceParams::draw(role, instances, &mut rng);
                let instances = (0..instances).map(|k| format!("{name}-{k}")).collect();
                services.push(Service {
                    name,
                    role,
                    instances,
                    depends_on: Vec::new(),
                    params,
                });
            }
        }
        let pick = |r: usize, i: usize| (counts[r] > 0).then(|| first[r] + i % counts[r]);
        let [gw, api, _, _, _, worker] = [0, 1, 2, 3, 4, 5];
        for i in 0..counts[gw] {
            let deps: Vec<usize> = if counts[api] > counts[gw] {
                (0..counts[api])
                    .filter(|a| a % counts[gw] == i)
                    .map(|a| first[api] + a)
                    .collect()
            } else {
                pick(api, i).into_iter().collect()
            };
            services[first[gw] + i].depends_on = deps;
        }
        for i in 0..counts[api] {
            services[first[api] + i].depends_on =
                [2, 3, 4].iter().filter_map(|&r| pick(r, i)).collect();
        }
        for i in 0..counts[worker] {
            services[first[worker] + i].depends_on =
                [4, 2].iter().filter_map(|&r| pick(r, i)).collect();
        }
        Self { services }
    }

    /// Indices of the services that call service `idx`.
    pub fn callers(&self, idx: usize) -> Vec<usize> {
        (0..self.services.len())
            .filter(|&s| self.services[s].depends_on.contains(&idx))
            .collect()
    }

    /// Total number of instances.
    pub fn instance_count(&self) -> usize {
        self.services.iter().map(|s| s.instances.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_fleet_has_the_classic_graph() {
        let t = Topology::build(6, 1, 1);
        let names: Vec<&str> = t.services.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["gateway", "orders", "db", "cache", "queue", "worker"]
        );
        assert_eq!(t.services[0].depends_on, [1]);
        assert_eq!(t.services[1].depends_on, [2, 3, 4]);
        assert_eq!(t.services[5].depends_on, [4, 2]);
        assert_eq!(t.callers(2), [1, 5]);
        assert_eq!(t.services[2].instances, ["db-0"]);
    }

    #[test]
    fn large_fleet_counts_add_up_and_every_dependency_has_callers() {
        for n in [1, 2, 3, 7, 8, 50, 1000] {
            let t = Topology::build(n, 1, 1);
            assert_eq!(t.services.len(), n);
            let mut names: Vec<&str> = t.services.iter().map(|s| s.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), n, "unique names");
            for (i, s) in t.services.iter().enumerate() {
                if s.role.is_dependency() && n >= 3 {
                    assert!(!t.callers(i).is_empty(), "{} has no caller", s.name);
                }
            }
        }
    }
}
