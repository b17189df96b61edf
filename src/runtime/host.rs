//! What a host implements to hear from a server, and the thread that calls it.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use crate::device::DeviceInfo;
use crate::engine::{ConfigFile, Event, LogLevel, NotifyResult, ResyncResult, Transmit};

use super::command::{Command, Waker};
use super::{ServerEvent, Shared};

/// The host's side of a server. Every method runs on the server's callback thread, one
/// call at a time, never while gspnp holds a lock; a slow method delays later events
/// but never the network. Calling [`super::Server::stop`] from inside one is refused.
pub trait Host: Send {
    /// A phone sent a SUBSCRIBE: `is_new` when the server had not seen it (or had
    /// forgotten it). The host may assign it something from here.
    fn device(&mut self, _info: &DeviceInfo, _is_new: bool) {}

    /// A file was rendered for a phone. Return true to send the NOTIFY (after storing
    /// the file where `file.url` serves it), false to leave the phone alone. Without an
    /// override every file is refused: nobody would serve it.
    fn config_ready(&mut self, _file: &ConfigFile) -> bool {
        false
    }

    /// A NOTIFY ended.
    fn notify_result(&mut self, _result: &NotifyResult) {}

    /// A re-provisioning ([`super::Server::resync`]) ended.
    fn resync_result(&mut self, _result: &ResyncResult) {}

    /// A log line; never contains a password or a URL token.
    fn log(&mut self, _level: LogLevel, _line: &str) {}

    /// Feed mode only: send this datagram from the host's own SIP socket.
    fn transmit(&mut self, _transmit: &Transmit) {}

    /// `count` events were dropped because the host was too slow to take them.
    fn events_dropped(&mut self, _count: u64) {}
}

thread_local! {
    /// On a callback thread: the address of its server's shared state; else 0.
    static CALLBACK_THREAD_OF: Cell<usize> = const { Cell::new(0) };
}

/// Which server's callback thread the caller is (the address of its shared state), or
/// 0. A plain thread-local: it allocates nothing, even on a host's own threads.
pub(super) fn callback_thread_of() -> usize {
    CALLBACK_THREAD_OF.with(Cell::get)
}

/// The callback thread's body: delivers events until the server stops, then returns
/// the host so that the stopping thread drops it after the join.
pub(super) fn deliver(
    mut host: Box<dyn Host>,
    events: Receiver<ServerEvent>,
    commands: Sender<Command>,
    waker: Waker,
    shared: Arc<Shared>,
) -> Box<dyn Host> {
    CALLBACK_THREAD_OF.with(|owner| owner.set(Arc::as_ptr(&shared) as usize));
    while let Ok(event) = events.recv() {
        if shared.stopping.load(Ordering::Acquire) {
            break;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| dispatch(host.as_mut(), &event)));
        let decision = match outcome {
            Ok(decision) => decision,
            Err(_) => {
                shared.host_panics.fetch_add(1, Ordering::Relaxed);
                // A panicking host refused whatever it was asked.
                match &event {
                    ServerEvent::Event(Event::ConfigReady(file)) => Some((file.ticket, false)),
                    _ => None,
                }
            }
        };
        if let Some((ticket, accept)) = decision {
            if commands.send(Command::Decide { ticket, accept }).is_ok() {
                waker.wake();
            }
        }
    }
    host
}

/// Calls the host method for `event`; returns the decision on a file.
fn dispatch(host: &mut dyn Host, event: &ServerEvent) -> Option<(u64, bool)> {
    match event {
        ServerEvent::Event(Event::Discovered(info)) => host.device(info, true),
        ServerEvent::Event(Event::Updated(info)) => host.device(info, false),
        ServerEvent::Event(Event::ConfigReady(file)) => return Some((file.ticket, host.config_ready(file))),
        ServerEvent::Event(Event::NotifyResult(result)) => host.notify_result(result),
        ServerEvent::Event(Event::ResyncResult(result)) => host.resync_result(result),
        ServerEvent::Event(Event::Log(level, line)) => host.log(*level, line),
        ServerEvent::Transmit(transmit) => host.transmit(transmit),
        ServerEvent::EventsDropped(count) => host.events_dropped(*count),
    }
    None
}
