//! [`SeriesKey`]: the identity of one metric series (service, instance,
//! metric name and labels). The feature engine keeps one set of windows per key.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::contracts::MetricSample;

/// Identity of one series. Labels are kept sorted so equal series compare
/// and hash equal whatever order their labels arrived in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    /// Service that emitted the series.
    pub service: String,
    /// Instance (pod, host, process) within the service; empty when the
    /// metric is service-wide.
    pub instance: String,
    /// Metric name.
    pub metric: String,
    /// Extra labels.
    pub labels: BTreeMap<String, String>,
}

impl SeriesKey {
    /// A key without labels.
    pub fn new(
        service: impl Into<String>,
        instance: impl Into<String>,
        metric: impl Into<String>,
    ) -> Self {
        Self {
            service: service.into(),
            instance: instance.into(),
            metric: metric.into(),
            labels: BTreeMap::new(),
        }
    }
}

impl From<&MetricSample> for SeriesKey {
    fn from(s: &MetricSample) -> Self {
        Self {
            service: s.service.clone(),
            instance: s.instance.clone(),
            metric: s.metric.clone(),
            labels: s.labels.clone(),
        }
    }
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.service, self.instance, self.metric)?;
        if !self.labels.is_empty() {
            f.write_str("{")?;
            for (i, (k, v)) in self.labels.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{k}={v}")?;
            }
            f.write_str("}")?;
        }
        Ok(())
    }
}
