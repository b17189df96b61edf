//! One line per event on standard error: `TIME LEVEL TEXT`. Lines never carry a
//! password or a URL token (callers redact them); control characters from the network
//! are escaped so that nobody can forge a line.
//!
//! A line is written at once unless another was written less than [`FLUSH_EVERY`] ago;
//! then it waits (at most that long) to go out with others in one write, so that a
//! storm of phones costs a write per batch of lines, not per line.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gspnp::engine::LogLevel;

/// The longest a line waits in the buffer.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// A buffer this full is written at once.
const FLUSH_AT: usize = 64 * 1024;

/// Writes log lines at or above a level.
#[derive(Debug)]
pub struct Logger {
    level: LogLevel,
    pending: Mutex<Pending>,
}

struct Pending {
    lines: Vec<u8>,
    last_write: Option<Instant>,
    sink: Box<dyn std::io::Write + Send>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("bytes", &self.lines.len()).finish_non_exhaustive()
    }
}

impl Logger {
    /// A logger that writes lines of `level` and more severe, with a thread that writes
    /// what waits every [`FLUSH_EVERY`] (it ends with the last reference).
    pub fn new(level: LogLevel) -> Arc<Logger> {
        Logger::writing_to(level, Box::new(std::io::stderr()))
    }

    /// Like [`Logger::new`], writing to `sink`.
    fn writing_to(level: LogLevel, sink: Box<dyn std::io::Write + Send>) -> Arc<Logger> {
        let pending = Pending { lines: Vec::new(), last_write: None, sink };
        let logger = Arc::new(Logger { level, pending: Mutex::new(pending) });
        let weak = Arc::downgrade(&logger);
        // Without the thread lines are still written, only later (at the next line).
        let _ = std::thread::Builder::new().name("gspnpd-log".into()).spawn(move || flush_while_alive(&weak));
        logger
    }

    /// Writes every waiting line now.
    pub fn flush(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        pending.write_out(Instant::now());
    }

    /// Whether lines of `level` are written.
    pub fn enabled(&self, level: LogLevel) -> bool {
        level <= self.level
    }

    /// Writes one line, if `level` is enabled.
    pub fn log(&self, level: LogLevel, text: &str) {
        if !self.enabled(level) {
            return;
        }
        let line = format_line(SystemTime::now(), level, text);
        let now = Instant::now();
        let mut pending = self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        pending.lines.extend_from_slice(line.as_bytes());
        let quiet = pending.last_write.is_none_or(|last| now.duration_since(last) >= FLUSH_EVERY);
        if quiet || level <= LogLevel::Warn || pending.lines.len() >= FLUSH_AT {
            pending.write_out(now);
        }
    }

    /// [`Logger::log`] at info.
    pub fn info(&self, text: &str) {
        self.log(LogLevel::Info, text);
    }

    /// [`Logger::log`] at warn.
    pub fn warn(&self, text: &str) {
        self.log(LogLevel::Warn, text);
    }
}

impl Pending {
    fn write_out(&mut self, now: Instant) {
        if !self.lines.is_empty() {
            // A closed standard error is no reason to stop serving phones.
            let _ = self.sink.write_all(&self.lines);
            self.lines.clear();
        }
        self.last_write = Some(now);
    }
}

impl Drop for Logger {
    fn drop(&mut self) {
        self.flush();
    }
}

fn flush_while_alive(logger: &Weak<Logger>) {
    loop {
        std::thread::sleep(FLUSH_EVERY);
        match logger.upgrade() {
            Some(logger) => logger.flush(),
            None => return,
        }
    }
}

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

    /// A sink the test can read.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn lines(&self) -> Vec<String> {
            let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
            text.lines().map(|line| line.split_once(' ').unwrap().1.to_owned()).collect()
        }
    }

    #[test]
    fn a_burst_waits_at_most_flush_every_and_warnings_go_at_once() {
        let sink = Shared::default();
        let logger = Logger::writing_to(LogLevel::Info, Box::new(sink.clone()));
        logger.info("first");
        assert_eq!(sink.lines(), ["info first"], "a line after a quiet spell goes at once");
        logger.info("second");
        logger.log(LogLevel::Debug, "not enabled");
        assert_eq!(sink.lines().len(), 1, "a line right after another waits");
        logger.warn("third");
        assert_eq!(
            sink.lines(),
            ["info first", "info second", "warn third"],
            "a warning takes the waiting lines along"
        );
        logger.info("fourth");
        std::thread::sleep(FLUSH_EVERY * 4);
        assert_eq!(sink.lines().len(), 4, "the flusher wrote the waiting line");
        logger.info("fifth");
        logger.info("sixth");
        drop(logger);
        // The flusher may hold the last reference for a moment; then it writes them.
        let deadline = Instant::now() + Duration::from_secs(2);
        while sink.lines().len() < 6 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(sink.lines().len(), 6, "dropping the logger writes what waits");
    }

    #[test]
    fn a_line_cannot_be_split_by_what_it_quotes() {
        let line = format_line(UNIX_EPOCH, LogLevel::Warn, "UA \"x\r\n1970-01-01 info forged\"");
        assert_eq!(line, "1970-01-01T00:00:00.000Z warn UA \"x\\r\\n1970-01-01 info forged\"\n");
    }
}
