//! Timestamps of history files, as epoch milliseconds (UTC). Text is RFC 3339
//! (the simulator's CSV: `2026-01-05T00:00:10Z`, any offset) or a naive
//! `YYYY-MM-DD HH:MM:SS[.fff]` (NAB's `2014-04-01 00:00:00`, with a space or
//! a `T`), read as UTC; a bare date is midnight UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// A timestamp in none of the accepted forms; its message says which
/// forms are accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot parse timestamp {0:?} (expected RFC 3339 such as 2026-01-05T00:00:10Z, \
     or YYYY-MM-DD HH:MM:SS in UTC)"
)]
pub(crate) struct BadTimestamp(String);

/// Parse one timestamp to epoch milliseconds.
pub(crate) fn parse_ms(text: &str) -> Result<i64, BadTimestamp> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(dt.and_utc().timestamp_millis());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp_millis());
    }
    Err(BadTimestamp(text.to_string()))
}

/// Epoch milliseconds as RFC 3339 UTC (`2026-01-05T00:00:00Z`).
pub(crate) fn rfc3339(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_simulator_and_nab_forms() {
        let base = 1_767_571_200_000; // 2026-01-05T00:00:00Z
        assert_eq!(parse_ms("2026-01-05T00:00:00Z"), Ok(base));
        assert_eq!(parse_ms("2026-01-05T01:00:00.5+01:00"), Ok(base + 500));
        assert_eq!(parse_ms("2026-01-05 00:00:10"), Ok(base + 10_000));
        assert_eq!(parse_ms("2026-01-05T00:00:10.250"), Ok(base + 10_250));
        assert_eq!(parse_ms("2026-01-05"), Ok(base));
        assert!(
            parse_ms("yesterday")
                .unwrap_err()
                .to_string()
                .contains("\"yesterday\"")
        );
        assert_eq!(rfc3339(base + 10_000), "2026-01-05T00:00:10Z");
    }
}
