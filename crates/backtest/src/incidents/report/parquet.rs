//! `results.parquet`: the evaluation as rows for notebooks
//! (`notebooks/backtest.ipynb` reads it).

use std::fs::File;
use std::path::Path;

use chrono::{DateTime, Utc};
use polars::prelude::{
    DataFrame, DataType, IntoColumn, NamedFrom, ParquetWriter, Series, TimeUnit, TimeZone,
};

use super::super::Evaluation;
use super::table::kind_str;

fn ms(t: Option<DateTime<Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

/// `results.parquet`: one row per (detector, incident) (`row = "incident"`)
/// and per alert (`row = "alert"`). Times are `Datetime(ms, UTC)`, spans
/// in seconds; a column that does not apply to a row is null.
pub fn write_parquet(path: &Path, eval: &Evaluation) -> polars::prelude::PolarsResult<()> {
    let mut detector = Vec::new();
    let mut row = Vec::new();
    let mut id = Vec::new();
    let mut service = Vec::new();
    let mut instance: Vec<Option<String>> = Vec::new();
    let mut kind = Vec::new();
    let mut outcome = Vec::new();
    let (mut onset, mut failure, mut recovery, mut detected, mut predicted) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut lead, mut err, mut prob) = (Vec::new(), Vec::new(), Vec::new());
    let mut rc_exp: Vec<Option<String>> = Vec::new();
    let mut rc_pred: Vec<Option<String>> = Vec::new();
    let mut signal: Vec<Option<String>> = Vec::new();
    let mut matched: Vec<Option<String>> = Vec::new();
    for r in &eval.incidents {
        let a = r.alert.as_ref();
        detector.push(r.detector.to_string());
        row.push("incident".to_string());
        id.push(r.incident_id.clone());
        service.push(r.service.clone());
        instance.push(r.instance.clone());
        kind.push(kind_str(&r.issue_kind));
        outcome.push(r.outcome.as_str().to_string());
        onset.push(Some(r.onset.timestamp_millis()));
        failure.push(Some(r.failure.timestamp_millis()));
        recovery.push(Some(r.recovery.timestamp_millis()));
        detected.push(ms(a.map(|a| a.detected_at)));
        predicted.push(ms(a.and_then(|a| a.predicted_failure_at)));
        lead.push(r.lead_s);
        err.push(r.failure_time_error_s);
        prob.push(a.map(|a| a.probability));
        rc_exp.push(Some(r.root_cause_expected.clone()));
        rc_pred.push(a.and_then(|a| a.root_cause_service.clone()));
        signal.push(a.map(|a| a.signal.clone()));
        matched.push(a.map(|a| a.id.clone()));
    }
    for r in &eval.alerts {
        let a = &r.alert;
        detector.push(a.detector.to_string());
        row.push("alert".to_string());
        id.push(a.id.clone());
        service.push(a.service.clone());
        instance.push(Some(a.instance.clone()).filter(|s| !s.is_empty()));
        kind.push(kind_str(&a.kind));
        outcome.push(r.outcome.as_str().to_string());
        onset.push(None);
        failure.push(None);
        recovery.push(None);
        detected.push(Some(a.detected_at.timestamp_millis()));
        predicted.push(ms(a.predicted_failure_at));
        lead.push(None);
        err.push(None);
        prob.push(Some(a.probability));
        rc_exp.push(None);
        rc_pred.push(a.root_cause_service.clone());
        signal.push(Some(a.signal.clone()));
        matched.push(r.matched_id.clone());
    }
    let time = |name: &str, v: Vec<Option<i64>>| {
        Series::new(name.into(), v)
            .cast(&DataType::Datetime(
                TimeUnit::Milliseconds,
                Some(TimeZone::UTC),
            ))
            .map(IntoColumn::into_column)
    };
    let mut df = DataFrame::new_infer_height(vec![
        Series::new("detector".into(), detector).into_column(),
        Series::new("row".into(), row).into_column(),
        Series::new("id".into(), id).into_column(),
        Series::new("service".into(), service).into_column(),
        Series::new("instance".into(), instance).into_column(),
        Series::new("kind".into(), kind).into_column(),
        Series::new("outcome".into(), outcome).into_column(),
        time("onset", onset)?,
        time("failure", failure)?,
        time("recovery", recovery)?,
        time("detected_at", detected)?,
        time("predicted_failure_at", predicted)?,
        Series::new("lead_s".into(), lead).into_column(),
        Series::new("failure_time_error_s".into(), err).into_column(),
        Series::new("probability".into(), prob).into_column(),
        Series::new("root_cause_expected".into(), rc_exp).into_column(),
        Series::new("root_cause_predicted".into(), rc_pred).into_column(),
        Series::new("signal".into(), signal).into_column(),
        Series::new("matched_id".into(), matched).into_column(),
    ])?;
    let file = File::create(path).map_err(polars::prelude::PolarsError::from)?;
    ParquetWriter::new(file).finish(&mut df)?;
    Ok(())
}
