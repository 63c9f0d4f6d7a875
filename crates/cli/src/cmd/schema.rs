//! `forewarn schema`: print the JSON Schema of the event contracts, for teams
//! that consume or produce Forewarn's topics.

use std::process::ExitCode;

use anyhow::bail;
use forewarn_core::contracts::schemas;

/// Print JSON Schemas (draft 2020-12) of the event contracts: metric-sample,
/// log-record, predicted-issue, optimization-event, remediation-outcome,
/// service-event, control-message.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Only this contract (e.g. `predicted-issue`). Default: all of them, as
    /// one JSON object keyed by contract name.
    name: Option<String>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let all = schemas();
    let out = match &args.name {
        Some(name) => match all.iter().find(|(n, _)| n == name) {
            Some((_, s)) => serde_json::to_string_pretty(s)?,
            None => {
                let names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
                bail!("unknown contract {name:?}; known: {}", names.join(", "));
            }
        },
        None => {
            let map: serde_json::Map<String, serde_json::Value> = all
                .into_iter()
                .map(|(n, s)| (n.to_string(), s.to_value()))
                .collect();
            serde_json::to_string_pretty(&map)?
        }
    };
    super::print(&out)?;
    Ok(ExitCode::SUCCESS)
}
