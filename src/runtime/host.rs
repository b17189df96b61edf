//! What a host implements to hear from a server, and the two threads (lanes) that call it.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};

use crate::device::DeviceInfo;
use crate::engine::{ConfigFile, Event, LogLevel, NotifyResult, ResyncResult, Transmit};

use super::command::{Command, Waker};
use super::lanes::{DroppedKind, Lane};
use super::{ServerEvent, Shared};

/// What the host answers to a file offer ([`Host::config_ready`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send the NOTIFY: the file is stored where its URL serves it.
    Accept,
    /// Leave the phone alone (it is reported failed: vetoed).
    Refuse,
    /// The host decides later, from any thread, with [`super::Server::decide`] and the
    /// file's ticket, within [`crate::engine::EngineConfig::decision_timeout`]; at the
    /// limit the file counts as refused (the phone failed: no decision).
    Later,
}

/// The host's side of a server. Its methods run on two callback threads ("lanes"),
/// never while gspnp holds a lock:
/// - the provisioning lane: [`Host::config_ready`], [`Host::notify_result`] and
///   [`Host::transmit`], one at a time in the order the engine raised them;
/// - the devices lane: [`Host::device`] in order, and [`Host::log`] /
///   [`Host::events_dropped`] between them.
///
/// Methods of different lanes may run at the same time (hence `Sync`): a slow `device`
/// never holds up another phone's file. A slow lane delays its own events; if the
/// host falls far behind, new phones are left unanswered (they retry) until it catches
/// up. Only log lines are ever dropped. Calling [`super::Server::stop`] from a method
/// is refused.
pub trait Host: Send + Sync {
    /// A phone sent a SUBSCRIBE: `is_new` when the server had not seen it (or had
    /// forgotten it). The host may assign it something from here.
    fn device(&self, _info: &DeviceInfo, _is_new: bool) {}

    /// A file was rendered for a phone: store it where `file.url` serves it and accept,
    /// refuse, or decide later. Without an override every file is refused: nobody
    /// would serve it.
    fn config_ready(&self, _file: &ConfigFile) -> Decision {
        Decision::Refuse
    }

    /// A NOTIFY ended.
    fn notify_result(&self, _result: &NotifyResult) {}

    /// A re-provisioning ([`super::Server::resync`]) ended.
    fn resync_result(&self, _result: &ResyncResult) {}

    /// A log line; never contains a password or a URL token. Lines above the
    /// configured level are never made; when the host lags they are dropped first.
    fn log(&self, _level: LogLevel, _line: &str) {}

    /// False when the host has no use for log lines: none is queued for it.
    fn takes_log_lines(&self) -> bool {
        true
    }

    /// Feed mode only: send this datagram from the host's own SIP socket.
    fn transmit(&self, _transmit: &Transmit) {}

    /// `count` events of `kind` were dropped because the host was too slow to take them.
    fn events_dropped(&self, _kind: DroppedKind, _count: u64) {}
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

/// What both callback threads of a server share.
#[derive(Clone)]
pub(super) struct LaneContext {
    pub host: Arc<dyn Host>,
    pub commands: Sender<Command>,
    pub waker: Waker,
    pub shared: Arc<Shared>,
}

impl LaneContext {
    /// The provisioning lane's body: delivers file offers, results and datagrams until
    /// the server stops.
    pub(super) fn run_provisioning(self, events: Receiver<ServerEvent>) {
        self.enter();
        while let Ok(event) = events.recv() {
            if self.stopping() {
                break;
            }
            self.deliver(&event);
        }
    }

    /// The devices lane's body: delivers phones first, then log lines and drop
    /// reports, until the server stops.
    pub(super) fn run_devices(self, devices: Receiver<ServerEvent>, logs: Receiver<ServerEvent>) {
        self.enter();
        loop {
            let event = crossbeam_channel::select_biased! {
                recv(devices) -> event => event,
                recv(logs) -> event => event,
            };
            let Ok(event) = event else { break };
            if self.stopping() {
                break;
            }
            self.deliver(&event);
            if let Some(report) = self.shared.log_drops.take_report() {
                self.deliver(&report);
            }
        }
    }

    fn enter(&self) {
        CALLBACK_THREAD_OF.with(|owner| owner.set(Arc::as_ptr(&self.shared) as usize));
    }

    fn stopping(&self) -> bool {
        self.shared.stopping.load(Ordering::Acquire)
    }

    /// Calls the host for `event`, sends its decision on a file, and counts a
    /// must-deliver event delivered.
    fn deliver(&self, event: &ServerEvent) {
        let outcome = catch_unwind(AssertUnwindSafe(|| dispatch(self.host.as_ref(), event)));
        let decision = outcome.unwrap_or_else(|_| {
            self.shared.host_panics.fetch_add(1, Ordering::Relaxed);
            // A panicking host refused whatever it was asked.
            match event {
                ServerEvent::Event(Event::ConfigReady(file)) => Some((file.ticket, Decision::Refuse)),
                _ => None,
            }
        });
        match decision {
            Some((ticket, Decision::Accept)) => self.decide(ticket, true),
            Some((ticket, Decision::Refuse)) => self.decide(ticket, false),
            Some((_, Decision::Later)) | None => {}
        }
        if Lane::of(event).must_deliver() && self.shared.backlog.delivered() {
            self.waker.wake();
        }
    }

    fn decide(&self, ticket: u64, accept: bool) {
        if self.commands.send(Command::Decide { ticket, accept }).is_ok() {
            self.waker.wake();
        }
    }
}

/// Calls the host method for `event`; returns the decision on a file.
fn dispatch(host: &dyn Host, event: &ServerEvent) -> Option<(u64, Decision)> {
    match event {
        ServerEvent::Event(Event::Discovered(info)) => host.device(info, true),
        ServerEvent::Event(Event::Updated(info)) => host.device(info, false),
        ServerEvent::Event(Event::ConfigReady(file)) => return Some((file.ticket, host.config_ready(file))),
        ServerEvent::Event(Event::NotifyResult(result)) => host.notify_result(result),
        ServerEvent::Event(Event::ResyncResult(result)) => host.resync_result(result),
        ServerEvent::Event(Event::Log(level, line)) => host.log(*level, line),
        ServerEvent::Transmit(transmit) => host.transmit(transmit),
        ServerEvent::EventsDropped { kind, count } => host.events_dropped(*kind, *count),
    }
    None
}
