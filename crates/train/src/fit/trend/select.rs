//! Which series the trend fit runs on: per metric named by a capacity rule
//! or an SLO role of the pipeline (`roles.latency_p99`, `roles.error_rate`)
//! or in [`TrendFit::extra_metrics`], present in the history and not a
//! counter, the series of that metric picked evenly over their sorted keys
//! until [`TrendFit::sample_budget`] samples are reached. Saturation rules
//! (`roles.cpu`, `models.trend.saturation`) are not fitted: they forecast
//! with the default parameters.

use std::collections::BTreeMap;

use forewarn_config::{PipelineConfig, TrendRule};
use forewarn_features::CompiledSpec;

use crate::fit::anomaly::vectors::even_indices;
use crate::fit::config::TrendFit;
use crate::history::History;

/// One metric to fit and the series (indices into the history) to fit it on.
#[derive(Debug, Clone)]
pub(crate) struct Target<'p> {
    pub metric: String,
    pub rule: Option<TrendRule<'p>>,
    pub series: Vec<usize>,
}

/// The metrics to fit, sorted by name.
pub(crate) fn targets<'p>(
    pipeline: &'p PipelineConfig,
    history: &History,
    spec: &CompiledSpec,
    cfg: &TrendFit,
) -> Vec<Target<'p>> {
    let mut rules: BTreeMap<String, Option<TrendRule<'p>>> = BTreeMap::new();
    for (metric, r) in pipeline.trend_rules() {
        if matches!(r, TrendRule::Capacity(_) | TrendRule::Slo(_)) {
            rules.entry(metric.to_string()).or_insert(Some(r));
        }
    }
    for m in &cfg.extra_metrics {
        rules.entry(m.clone()).or_insert(None);
    }
    rules
        .into_iter()
        .filter(|(m, _)| !spec.is_counter(m))
        .filter_map(|(metric, rule)| {
            let all: Vec<usize> = (0..history.series.len())
                .filter(|i| history.series[*i].key.metric == metric)
                .collect();
            let total: usize = all.iter().map(|i| history.series[*i].len()).sum();
            if total == 0 {
                return None;
            }
            let mean_len = total.div_ceil(all.len()).max(1);
            let wanted = cfg.sample_budget.div_ceil(mean_len).max(1);
            let series = even_indices(all.len(), wanted)
                .into_iter()
                .map(|k| all[k])
                .collect();
            Some(Target {
                metric,
                rule,
                series,
            })
        })
        .collect()
}
