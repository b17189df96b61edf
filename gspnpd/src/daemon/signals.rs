//! SIGINT and SIGTERM, received synchronously: blocked in every thread and awaited with
//! sigwait(2) by the main thread, so no handler runs in signal context.

use nix::sys::signal::{SigSet, Signal};

/// The termination signals, blocked.
pub struct TerminationSignals(SigSet);

impl TerminationSignals {
    /// Blocks SIGINT and SIGTERM in the calling thread and so in every thread it starts
    /// afterwards. Call it before starting any thread.
    pub fn block() -> Result<TerminationSignals, String> {
        let mut set = SigSet::empty();
        set.add(Signal::SIGINT);
        set.add(Signal::SIGTERM);
        set.thread_block().map_err(|error| format!("cannot block SIGINT/SIGTERM: {error}"))?;
        Ok(TerminationSignals(set))
    }

    /// Waits for one of them; its name.
    pub fn wait(&self) -> &'static str {
        loop {
            match self.0.wait() {
                Ok(signal) => return signal.as_str(),
                Err(_) => continue,
            }
        }
    }
}
