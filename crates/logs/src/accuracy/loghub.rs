//! Loading one Loghub-2k system: the raw `*_2k.log` lines, each reduced to
//! its message with the system's log format, paired with the ground-truth
//! event ids from `*_2k.log_structured.csv` (same order, one row per line).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::format::LogFormat;

/// One system's messages and their ground-truth events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledLog {
    /// Message of each raw line, or `None` where the line does not match
    /// the log format.
    pub messages: Vec<Option<String>>,
    /// Ground-truth event id of each line.
    pub events: Vec<String>,
}

/// Load `system` from `dir` with its raw `log_file` and `log_format`.
pub fn load_system(
    dir: &Path,
    system: &str,
    log_file: &str,
    log_format: &str,
) -> Result<LabelledLog> {
    let data_err = |reason: String| Error::Data {
        system: system.to_owned(),
        reason,
    };
    let format = LogFormat::new(log_format)?;
    let log_path = dir.join(log_file);
    let raw = std::fs::read(&log_path).map_err(|source| Error::Io {
        path: log_path.clone(),
        source,
    })?;
    let text = String::from_utf8_lossy(&raw);
    let body = text.strip_suffix('\n').unwrap_or(&text);
    let messages: Vec<Option<String>> = if body.is_empty() {
        Vec::new()
    } else {
        body.split('\n')
            .map(|l| format.content(l).map(str::to_owned))
            .collect()
    };
    let truth_path = PathBuf::from(format!("{}_structured.csv", log_path.display()));
    let mut reader = csv::Reader::from_path(&truth_path).map_err(|source| Error::Csv {
        path: truth_path.clone(),
        source,
    })?;
    let column = reader
        .headers()
        .map_err(|source| Error::Csv {
            path: truth_path.clone(),
            source,
        })?
        .iter()
        .position(|h| h == "EventId")
        .ok_or_else(|| data_err(format!("{} has no EventId column", truth_path.display())))?;
    let mut events = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|source| Error::Csv {
            path: truth_path.clone(),
            source,
        })?;
        events.push(row.get(column).unwrap_or("").to_owned());
    }
    if events.len() != messages.len() {
        return Err(data_err(format!(
            "{} lines in {} but {} rows in {}",
            messages.len(),
            log_path.display(),
            events.len(),
            truth_path.display()
        )));
    }
    Ok(LabelledLog { messages, events })
}
