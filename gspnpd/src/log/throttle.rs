//! Warnings that a hostile client can cause at will (a refused connection, a guessed
//! path) are rate-limited: the first few of an interval are logged, the rest counted
//! and reported as one line per interval.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gspnp::engine::LogLevel;

use super::Logger;

/// A kind of warning with a budget of lines per interval.
pub struct Throttled {
    log: Arc<Logger>,
    /// What the summary line calls these warnings (`refused HTTP connections`).
    what: &'static str,
    budget: u32,
    interval: Duration,
    window: Mutex<Window>,
}

struct Window {
    started: Instant,
    logged: u32,
    suppressed: u64,
}

impl Throttled {
    /// Up to `budget` lines per `interval` at warn; beyond it, counted.
    pub fn new(log: Arc<Logger>, what: &'static str, budget: u32, interval: Duration) -> Throttled {
        let window = Window { started: Instant::now(), logged: 0, suppressed: 0 };
        Throttled { log, what, budget, interval, window: Mutex::new(window) }
    }

    /// Logs `line()` at warn if the interval's budget allows, else counts it (and
    /// formats nothing). Lines past the budget still go out at debug level when enabled.
    pub fn warn(&self, line: impl FnOnce() -> String) {
        let now = Instant::now();
        let admitted = {
            let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
            self.roll(&mut window, now);
            if window.logged < self.budget {
                window.logged += 1;
                true
            } else {
                window.suppressed += 1;
                false
            }
        };
        if admitted {
            self.log.warn(&line());
        } else if self.log.enabled(LogLevel::Debug) {
            self.log.debug(&line());
        }
    }

    /// Reports what the last finished interval suppressed; call it about once an
    /// interval (the file server's ticker does) so that a count is not held back.
    pub fn report(&self) {
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        self.roll(&mut window, Instant::now());
    }

    /// Starts a new interval once the current one is over, logging its count.
    fn roll(&self, window: &mut Window, now: Instant) {
        if now.duration_since(window.started) < self.interval {
            return;
        }
        if window.suppressed > 0 {
            let seconds = now.duration_since(window.started).as_secs();
            self.log
                .warn(&format!("{} more {} in the last {seconds} s (not each logged)", window.suppressed, self.what));
        }
        *window = Window { started: now, logged: 0, suppressed: 0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_budget_warnings_are_counted_and_reported_once_an_interval() {
        let sink = crate::log::tests_support::Collect::default();
        let log = Logger::writing_to(LogLevel::Info, Box::new(sink.clone()));
        let throttled = Throttled::new(log.clone(), "refused connections", 3, Duration::from_millis(100));
        for index in 0..1000 {
            throttled.warn(|| format!("refused {index}"));
        }
        std::thread::sleep(Duration::from_millis(120));
        throttled.report();
        throttled.report();
        assert!(log.flush(Duration::from_secs(5)));
        let lines = sink.lines();
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines[3].starts_with("warn 997 more refused connections in the last 0 s"), "{lines:?}");
    }
}
