//! Label windows (SCORING.md §3): inclusive `[start, end]` row ranges
//! resolved from the timestamp pairs of `labels/combined_windows.json`.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::timestamp::parse_timestamp;

/// One anomaly window of a data file, both ends inclusive, as row indices
/// in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Row of the window's first timestamp.
    pub start: usize,
    /// Row of the window's last timestamp (inclusive).
    pub end: usize,
    /// The start timestamp as written in the labels file.
    pub start_timestamp: String,
    /// The end timestamp as written in the labels file.
    pub end_timestamp: String,
}

impl Window {
    /// Width in rows, `W = end − start + 1`.
    pub fn width(&self) -> usize {
        self.end - self.start + 1
    }

    /// Whether row `i` lies inside the window.
    pub fn contains(&self, i: usize) -> bool {
        self.start <= i && i <= self.end
    }
}

/// Why label windows do not fit a file's rows (reported as
/// [`crate::Error::Label`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// A window bound is not a timestamp.
    #[error("bad window timestamp {0:?}")]
    BadTimestamp(String),
    /// A window bound is not the time of any row.
    #[error("window timestamp {0:?} matches no data row")]
    NoRow(String),
    /// A window bound is the time of several rows.
    #[error("window timestamp {text:?} matches several data rows ({first}, {second}, ...)")]
    SeveralRows {
        /// The bound.
        text: String,
        /// The first row it matches.
        first: usize,
        /// The second.
        second: usize,
    },
    /// A window ends before it starts.
    #[error("window [{start}, {end}] ends (row {end_row}) before it starts (row {start_row})")]
    Reversed {
        /// Its start bound.
        start: String,
        /// Its end bound.
        end: String,
        /// Row of the start.
        start_row: usize,
        /// Row of the end.
        end_row: usize,
    },
    /// Two windows share rows.
    #[error("windows [{0}, {1}] and [{2}, {3}] overlap")]
    Overlap(String, String, String, String),
}

/// Resolves `[start, end]` timestamp pairs against a file's row times.
/// Each end must match exactly one row; the windows are returned sorted by
/// start row and must neither be empty nor overlap.
pub(crate) fn resolve_windows(
    times: &[NaiveDateTime],
    bounds: &[(String, String)],
) -> Result<Vec<Window>, WindowError> {
    let mut windows = Vec::with_capacity(bounds.len());
    for (start_text, end_text) in bounds {
        let start = find_row(times, start_text)?;
        let end = find_row(times, end_text)?;
        if end < start {
            return Err(WindowError::Reversed {
                start: start_text.clone(),
                end: end_text.clone(),
                start_row: start,
                end_row: end,
            });
        }
        windows.push(Window {
            start,
            end,
            start_timestamp: start_text.clone(),
            end_timestamp: end_text.clone(),
        });
    }
    windows.sort_by_key(|w| w.start);
    for pair in windows.windows(2) {
        if pair[1].start <= pair[0].end {
            return Err(WindowError::Overlap(
                pair[0].start_timestamp.clone(),
                pair[0].end_timestamp.clone(),
                pair[1].start_timestamp.clone(),
                pair[1].end_timestamp.clone(),
            ));
        }
    }
    Ok(windows)
}

/// The single row whose time equals `text`.
fn find_row(times: &[NaiveDateTime], text: &str) -> Result<usize, WindowError> {
    let target = parse_timestamp(text).ok_or_else(|| WindowError::BadTimestamp(text.into()))?;
    let mut found = times.iter().enumerate().filter(|(_, t)| **t == target);
    match (found.next(), found.next()) {
        (Some((row, _)), None) => Ok(row),
        (None, _) => Err(WindowError::NoRow(text.into())),
        (Some((first, _)), Some((second, _))) => Err(WindowError::SeveralRows {
            text: text.into(),
            first,
            second,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(n: usize) -> Vec<NaiveDateTime> {
        let base = parse_timestamp("2014-01-01 00:00:00").unwrap();
        (0..n)
            .map(|i| base + chrono::Duration::minutes(5 * i as i64))
            .collect()
    }

    fn text(times: &[NaiveDateTime], i: usize) -> String {
        format!("{}.000000", times[i].format("%Y-%m-%d %H:%M:%S"))
    }

    #[test]
    fn resolves_and_sorts() {
        let t = times(100);
        let bounds = vec![(text(&t, 50), text(&t, 59)), (text(&t, 10), text(&t, 10))];
        let w = resolve_windows(&t, &bounds).unwrap();
        assert_eq!((w[0].start, w[0].end, w[0].width()), (10, 10, 1));
        assert_eq!((w[1].start, w[1].end, w[1].width()), (50, 59, 10));
        assert!(w[1].contains(50) && w[1].contains(59) && !w[1].contains(60));
    }

    #[test]
    fn rejects_missing_duplicate_reversed_and_overlapping() {
        let mut t = times(20);
        assert!(resolve_windows(&t, &[(text(&t, 3), "2020-01-01 00:00:00".into())]).is_err());
        assert!(resolve_windows(&t, &[(text(&t, 5), text(&t, 3))]).is_err());
        let overlapping = [(text(&t, 2), text(&t, 6)), (text(&t, 6), text(&t, 9))];
        assert!(resolve_windows(&t, &overlapping).is_err());
        let end = text(&t, 8);
        t[12] = t[8];
        assert!(resolve_windows(&t, &[(text(&t, 2), end)]).is_err());
    }
}
