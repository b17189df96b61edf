//! One line per event on standard error: `TIME LEVEL TEXT`. Lines never carry a
//! password or a URL token (callers redact them); control characters from the network
//! are escaped so that nobody can forge a line.
//!
//! Logging never blocks the caller: a line goes into a bounded queue that one writer
//! thread empties, in one write per batch. When the sink stalls (standard error a pipe
//! nobody reads) and the queue is full, the line is dropped and counted; the writer says
//! how many were lost once the sink takes bytes again. So a stalled log slows neither
//! the phones' answers nor the file server nor a stop.

mod line;
mod throttle;

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use gspnp::engine::LogLevel;

pub use line::format_line;
pub use throttle::Throttled;

/// Lines that may wait for the writer; beyond this they are dropped and counted.
pub const QUEUE_LINES: usize = 8192;
/// The writer joins up to this many bytes of waiting lines into one write.
const BATCH_BYTES: usize = 64 * 1024;

/// Writes log lines at or above a level, without ever blocking the caller.
pub struct Logger {
    level: AtomicU8,
    queue: SyncSender<String>,
    counts: Arc<Counts>,
}

/// What the callers and the writer count together.
#[derive(Default)]
struct Counts {
    queued: AtomicU64,
    written: AtomicU64,
    dropped: AtomicU64,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logger").field("dropped", &self.dropped()).finish_non_exhaustive()
    }
}

impl Logger {
    /// A logger that writes lines of `level` and more severe to standard error, through
    /// a descriptor of its own (so that no lock is shared with `eprintln!`).
    pub fn new(level: LogLevel) -> Arc<Logger> {
        Logger::writing_to(level, stderr_sink())
    }

    /// Like [`Logger::new`], writing to `sink` on a writer thread that ends with the
    /// logger (when the sink is stalled, it ends with the process).
    pub fn writing_to(level: LogLevel, sink: Box<dyn std::io::Write + Send>) -> Arc<Logger> {
        let (queue, lines) = sync_channel(QUEUE_LINES);
        let counts = Arc::new(Counts::default());
        let writer_counts = counts.clone();
        // Without the thread the queue fills and lines are dropped and counted: the
        // daemon still serves phones.
        let _ = std::thread::Builder::new()
            .name("gspnpd-log".into())
            .spawn(move || write_until_closed(&lines, sink, &writer_counts));
        Arc::new(Logger { level: AtomicU8::new(level as u8), queue, counts })
    }

    /// Writes lines of `level` and more severe from now on (SIGHUP).
    pub fn set_level(&self, level: LogLevel) {
        self.level.store(level as u8, Ordering::Relaxed);
    }

    /// Whether lines of `level` are written: callers test it before formatting a line.
    pub fn enabled(&self, level: LogLevel) -> bool {
        level as u8 <= self.level.load(Ordering::Relaxed)
    }

    /// Queues one line if `level` is enabled; drops and counts it if the queue is full.
    pub fn log(&self, level: LogLevel, text: &str) {
        if !self.enabled(level) {
            return;
        }
        let line = format_line(SystemTime::now(), level, text);
        match self.queue.try_send(line) {
            Ok(()) => {
                self.counts.queued.fetch_add(1, Ordering::Release);
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.counts.dropped.fetch_add(1, Ordering::Relaxed);
            }
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

    /// [`Logger::log`] at debug.
    pub fn debug(&self, text: &str) {
        self.log(LogLevel::Debug, text);
    }

    /// Lines dropped so far because the sink was stalled.
    pub fn dropped(&self) -> u64 {
        self.counts.dropped.load(Ordering::Relaxed)
    }

    /// Waits until every queued line is written or `limit` has passed; whether all were.
    pub fn flush(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let queued = self.counts.queued.load(Ordering::Acquire);
            if self.counts.written.load(Ordering::Acquire) >= queued {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// Standard error through a duplicate descriptor; std's handle if it cannot be had.
fn stderr_sink() -> Box<dyn std::io::Write + Send> {
    use std::os::fd::AsFd;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(std::fs::File::from(fd)),
        Err(_) => Box::new(std::io::stderr()),
    }
}

/// The writer thread: takes a line, joins what else waits into one batch, writes it,
/// and reports lines dropped meanwhile; returns when every sender is gone.
fn write_until_closed(lines: &Receiver<String>, mut sink: Box<dyn std::io::Write + Send>, counts: &Counts) {
    let mut batch = Vec::with_capacity(BATCH_BYTES);
    let mut reported_dropped = 0;
    while let Ok(first) = lines.recv() {
        batch.extend_from_slice(first.as_bytes());
        let mut taken = 1;
        while batch.len() < BATCH_BYTES {
            let Ok(line) = lines.try_recv() else { break };
            batch.extend_from_slice(line.as_bytes());
            taken += 1;
        }
        let dropped = counts.dropped.load(Ordering::Relaxed);
        if dropped > reported_dropped {
            let text =
                format!("{} log lines were dropped: standard error was not taking them", dropped - reported_dropped);
            batch.extend_from_slice(format_line(SystemTime::now(), LogLevel::Warn, &text).as_bytes());
            reported_dropped = dropped;
        }
        // A closed standard error is no reason to stop serving phones.
        let _ = sink.write_all(&batch);
        batch.clear();
        counts.written.fetch_add(taken, Ordering::Release);
    }
}

#[cfg(test)]
pub mod tests_support {
    use std::sync::{Arc, Mutex};

    /// A sink the test can read, or hold stalled.
    #[derive(Clone, Default)]
    pub struct Collect {
        pub bytes: Arc<Mutex<Vec<u8>>>,
        pub stall: Arc<Mutex<()>>,
    }

    impl std::io::Write for Collect {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let _stalled = self.stall.lock().unwrap();
            self.bytes.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Collect {
        pub fn lines(&self) -> Vec<String> {
            let text = String::from_utf8(self.bytes.lock().unwrap().clone()).unwrap();
            text.lines().map(|line| line.split_once(' ').unwrap().1.to_owned()).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tests_support::Collect;

    #[test]
    fn lines_of_enabled_levels_are_written_in_order() {
        let sink = Collect::default();
        let logger = Logger::writing_to(LogLevel::Info, Box::new(sink.clone()));
        logger.info("first");
        logger.debug("not enabled");
        logger.warn("second");
        assert!(logger.flush(Duration::from_secs(5)));
        assert_eq!(sink.lines(), ["info first", "warn second"]);
        logger.set_level(LogLevel::Debug);
        logger.debug("now enabled");
        assert!(logger.flush(Duration::from_secs(5)));
        assert_eq!(sink.lines().len(), 3);
    }

    #[test]
    fn a_stalled_sink_never_blocks_the_caller_and_lost_lines_are_counted_and_reported() {
        let sink = Collect::default();
        let logger = Logger::writing_to(LogLevel::Info, Box::new(sink.clone()));
        let stalled = sink.stall.lock().unwrap();
        let started = Instant::now();
        for index in 0..QUEUE_LINES * 3 {
            logger.info(&format!("line {index}"));
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the caller was held by the stalled sink");
        assert!(logger.dropped() >= QUEUE_LINES as u64, "lines beyond the queue are dropped: {}", logger.dropped());
        assert!(!logger.flush(Duration::from_millis(50)), "nothing can be written while the sink stalls");
        drop(stalled);
        assert!(logger.flush(Duration::from_secs(10)), "the queue drains once the sink takes bytes");
        logger.info("after the stall");
        assert!(logger.flush(Duration::from_secs(10)));
        let lines = sink.lines();
        assert!(
            lines.iter().any(|line| line.starts_with("warn ") && line.contains("log lines were dropped")),
            "{lines:?}"
        );
        assert_eq!(lines.last().map(String::as_str), Some("info after the stall"));
    }
}
