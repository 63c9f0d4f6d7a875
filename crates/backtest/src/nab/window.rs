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

/// Resolves `[start, end]` timestamp pairs against a file's row times.
/// Each end must match exactly one row; the windows are returned sorted by
/// start row and must neither be empty nor overlap. Errors are messages for
/// [`crate::Error::Label`].
pub(crate) fn resolve_windows(
    times: &[NaiveDateTime],
    bounds: &[(String, String)],
) -> Result<Vec<Window>, String> {
    let mut windows = Vec::with_capacity(bounds.len());
    for (start_text, end_text) in bounds {
        let start = find_row(times, start_text)?;
        let end = find_row(times, end_text)?;
        if end < start {
            return Err(format!(
                "window [{start_text}, {end_text}] ends (row {end}) before it starts (row {start})"
            ));
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
            return Err(format!(
                "windows [{}, {}] and [{}, {}] overlap",
                pair[0].start_timestamp,
                pair[0].end_timestamp,
                pair[1].start_timestamp,
                pair[1].end_timestamp
            ));
        }
    }
    Ok(windows)
}

/// The single row whose time equals `text`.
fn find_row(times: &[NaiveDateTime], text: &str) -> Result<usize, String> {
    let target = parse_timestamp(text).ok_or_else(|| format!("bad window timestamp {text:?}"))?;
    let mut found = times.iter().enumerate().filter(|(_, t)| **t == target);
    match (found.next(), found.next()) {
        (Some((row, _)), None) => Ok(row),
        (None, _) => Err(format!("window timestamp {text:?} matches no data row")),
        (Some((first, _)), Some((second, _))) => Err(format!(
            "window timestamp {text:?} matches several data rows ({first}, {second}, ...)"
        )),
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
