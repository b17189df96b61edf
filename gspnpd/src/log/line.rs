//! The text of one log line: `TIME LEVEL TEXT`, control characters escaped so that
//! nothing quoted from the network can forge a line.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use gspnp::engine::LogLevel;

/// `2025-06-01T10:00:00.123Z info TEXT\n`, control characters in TEXT escaped.
pub fn format_line(time: SystemTime, level: LogLevel, text: &str) -> String {
    let mut line = utc_timestamp(time);
    line.push(' ');
    line.push_str(level_name(level));
    line.push(' ');
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(line, "{}", c.escape_default());
        } else {
            line.push(c);
        }
    }
    line.push('\n');
    line
}

/// `error`, `warn`, `info` or `debug`.
pub fn level_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Error => "error",
        LogLevel::Warn => "warn",
        LogLevel::Info => "info",
        LogLevel::Debug => "debug",
    }
}

/// RFC 3339 UTC time with milliseconds.
pub fn utc_timestamp(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (year, month, day) = civil_from_days(seconds / 86_400);
    let in_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60,
        since_epoch.subsec_millis()
    )
}

/// The date `days` after 1970-01-01 (H. Hinnant's civil_from_days, for days ≥ 0).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_rfc3339() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let time = UNIX_EPOCH + Duration::from_millis(1_709_251_199_042);
        assert_eq!(utc_timestamp(time), "2024-02-29T23:59:59.042Z");
        assert_eq!(utc_timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn a_line_cannot_be_split_by_what_it_quotes() {
        let line = format_line(UNIX_EPOCH, LogLevel::Warn, "UA \"x\r\n1970-01-01 info forged\"");
        assert_eq!(line, "1970-01-01T00:00:00.000Z warn UA \"x\\r\\n1970-01-01 info forged\"\n");
    }
}
