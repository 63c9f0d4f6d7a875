//! [`Homes`]: the partition each service's records arrive on, to check
//! the one assumption the runtime cannot enforce. A service's metrics and
//! logs must meet in one scorer, so producers must key every record by
//! service with the same partitioner on both topics. Clients differ
//! (the Java client hashes keys with murmur2, librdkafka by default with
//! CRC32 via `consistent_random`), so a service can land on two
//! partitions, and its state splits between two scorers. A service seen on
//! a second partition by this process is reported once: a warning naming
//! it and both partitions, and `forewarn_services_split_total`.

use std::collections::{HashMap, HashSet};

/// Where each service was first seen, in this process.
#[derive(Debug, Default)]
pub(crate) struct Homes {
    home: HashMap<String, i32>,
    split: HashSet<String>,
    /// The last (service, partition) checked: consecutive samples of one
    /// service (an Arrow record holds a thousand) skip the lookup.
    last: Option<(String, i32)>,
}

impl Homes {
    /// Note `service` on `partition`. Returns the partition it was first
    /// seen on the first time it shows up on another one.
    pub(crate) fn see(&mut self, service: &str, partition: i32) -> Option<i32> {
        if let Some((s, p)) = &self.last
            && *p == partition
            && s == service
        {
            return None;
        }
        match &mut self.last {
            Some((s, p)) => {
                s.clear();
                s.push_str(service);
                *p = partition;
            }
            None => self.last = Some((service.to_string(), partition)),
        }
        match self.home.get(service) {
            None => {
                self.home.insert(service.to_string(), partition);
                None
            }
            Some(&home) if home == partition => None,
            Some(&home) => self.split.insert(service.to_string()).then_some(home),
        }
    }

    /// Forget the services first seen on `partition` (given up in a
    /// rebalance: whoever owns it now checks them).
    pub(crate) fn forget(&mut self, partition: i32) {
        self.home.retain(|_, p| *p != partition);
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_on_a_second_partition_is_reported_once() {
        let mut h = Homes::default();
        assert_eq!(h.see("api", 0), None);
        assert_eq!(h.see("api", 0), None);
        assert_eq!(h.see("db", 1), None);
        assert_eq!(h.see("api", 1), Some(0));
        assert_eq!(h.see("api", 2), None, "once per service");
        h.forget(1);
        assert_eq!(h.see("db", 2), None, "db's home was forgotten with 1");
    }
}
