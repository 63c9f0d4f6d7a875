//! NAB timestamps: `YYYY-MM-DD HH:MM:SS` in the data files, with a
//! `.000000` suffix in the label files, and no time zone. Both forms parse to
//! the same [`NaiveDateTime`], which is how window ends are matched to rows.

use chrono::NaiveDateTime;

/// The format of NAB timestamps; the fractional part is optional.
const FORMAT: &str = "%Y-%m-%d %H:%M:%S%.f";

/// Parses a NAB timestamp such as `2014-04-01 00:00:00` or
/// `2014-10-30 15:30:00.000000`. Returns `None` when the text does not match.
pub fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text.trim(), FORMAT).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_label_forms_agree() {
        let data = parse_timestamp("2014-10-30 15:30:00").unwrap();
        let label = parse_timestamp("2014-10-30 15:30:00.000000").unwrap();
        assert_eq!(data, label);
        assert_eq!(data.and_utc().timestamp(), 1_414_683_000);
        assert_eq!(
            data.format("%Y-%m-%d %H:%M:%S").to_string(),
            "2014-10-30 15:30:00"
        );
    }

    #[test]
    fn rejects_other_text() {
        assert!(parse_timestamp("2014-10-30").is_none());
        assert!(parse_timestamp("yesterday").is_none());
    }
}
