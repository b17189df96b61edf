//! SIGINT, SIGTERM and SIGHUP, received synchronously: blocked in every thread and
//! awaited with sigwait(2) by the main thread, so no handler runs in signal context.

use nix::sys::signal::{SigSet, Signal};

/// What a signal asks of the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// SIGHUP: read the config file again.
    Reload,
    /// SIGINT or SIGTERM (its name): stop.
    Stop(&'static str),
}

/// The signals the daemon acts on, blocked.
pub struct DaemonSignals(SigSet);

impl DaemonSignals {
    /// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and so in every thread it
    /// starts afterwards. Call it before starting any thread.
    pub fn block() -> Result<DaemonSignals, String> {
        let mut set = SigSet::empty();
        set.add(Signal::SIGINT);
        set.add(Signal::SIGTERM);
        set.add(Signal::SIGHUP);
        set.thread_block().map_err(|error| format!("cannot block SIGINT/SIGTERM/SIGHUP: {error}"))?;
        Ok(DaemonSignals(set))
    }

    /// Waits for one of them.
    pub fn wait(&self) -> Request {
        loop {
            match self.0.wait() {
                Ok(Signal::SIGHUP) => return Request::Reload,
                Ok(signal) => return Request::Stop(signal.as_str()),
                Err(_) => continue,
            }
        }
    }
}
