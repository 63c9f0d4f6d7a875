//! Phase 5 of the demo: the predictions scored against the fleet's labels
//! with the backtester's evaluator, and the summary line.

use forewarn_backtest::incidents::{self, Alert, Evaluation, Matching, Summary};
use forewarn_sim::Labels;

use super::DemoRun;
use crate::error::{Error, Result};

/// The demo's outcome: per incident and overall.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// Per incident, and the summaries (one: Forewarn's).
    pub evaluation: Evaluation,
    /// Forewarn's summary.
    pub forewarn: Summary,
}

/// Score the run's opened predictions against `labels`.
pub fn summarise(labels: &Labels, run: &DemoRun) -> Result<DemoSummary> {
    let alerts: Vec<Alert> = run.events.iter().filter_map(Alert::from_event).collect();
    let evaluation = incidents::evaluate(labels, &[("forewarn", &alerts)], &Matching::default());
    let forewarn = evaluation
        .summaries
        .first()
        .cloned()
        .ok_or(Error::NoSummary)?;
    Ok(DemoSummary {
        evaluation,
        forewarn,
    })
}

impl DemoSummary {
    /// The last line of `forewarn demo`: JSON with the figures.
    pub fn json_line(&self, run: &DemoRun) -> serde_json::Value {
        let s = &self.forewarn;
        serde_json::json!({
            "incidents": s.incidents,
            "predicted": s.predicted,
            "late": s.late,
            "missed": s.missed,
            "lead_time_median_s": s.lead_time_median_s,
            "false_alarms": s.false_alarms,
            "false_alarms_per_service_day": s.false_alarms_per_service_day,
            "precision": s.precision,
            "recall": s.recall,
            "samples": run.scorer.decoded,
            "events": run.scorer.events,
            "dead_letters": run.scorer.rejected,
            "shadow_remediations": run.shadow_actions,
            "elapsed_s": run.elapsed.as_secs_f64(),
        })
    }
}
