//! The network thread: owns the engine and the socket, never calls host code.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use crate::engine::{Engine, Event};

use super::command::{Command, WakeReceiver};
use super::socket::SipSocket;
use super::{ServerEvent, Shared};

/// The largest UDP datagram; anything longer cannot arrive.
const MAX_DATAGRAM: usize = 65_535;
/// Datagrams taken per wake-up before timers and commands get their turn.
const RECEIVE_BATCH: usize = 256;
/// The longest poll() wait, so a lost wake-up can never stall the thread for long.
const MAX_WAIT: Duration = Duration::from_millis(500);

pub(super) struct Network {
    pub engine: Engine,
    pub socket: Option<SipSocket>,
    pub commands: Receiver<Command>,
    pub wake: WakeReceiver,
    pub events: Sender<ServerEvent>,
    pub shared: Arc<Shared>,
    pub dropped_unreported: u64,
}

impl Network {
    /// Runs until a Stop command (or every host handle is gone).
    pub fn run(mut self) {
        let mut buffer = vec![0u8; MAX_DATAGRAM];
        loop {
            let (wake_ready, socket_ready) = self.wait();
            if wake_ready {
                self.wake.drain();
            }
            if !self.take_commands() || self.shared.stopping.load(Ordering::Acquire) {
                break;
            }
            if socket_ready {
                self.receive(&mut buffer);
            }
            self.engine.handle_timeout(Instant::now());
            self.flush();
            // Also once per turn, for counters that changed without an event.
            self.publish_stats();
        }
        self.publish_stats();
    }

    /// Blocks until the waker or the socket is readable or the next deadline passes.
    fn wait(&self) -> (bool, bool) {
        let now = Instant::now();
        let wait = self
            .engine
            .poll_timeout()
            .map_or(MAX_WAIT, |deadline| deadline.saturating_duration_since(now).min(MAX_WAIT));
        let timeout = PollTimeout::try_from(wait.as_millis().max(u128::from(wait > Duration::ZERO)) as i64)
            .unwrap_or(PollTimeout::ZERO);
        let mut fds = vec![PollFd::new(self.wake.as_fd(), PollFlags::POLLIN)];
        if let Some(socket) = &self.socket {
            fds.push(PollFd::new(socket.as_fd(), PollFlags::POLLIN));
        }
        if poll(&mut fds, timeout).is_err() {
            return (true, self.socket.is_some());
        }
        let ready = |fd: &PollFd| fd.any().unwrap_or(false);
        (ready(&fds[0]), fds.get(1).is_some_and(ready))
    }

    /// Applies every queued command; false on Stop.
    fn take_commands(&mut self) -> bool {
        while let Ok(command) = self.commands.try_recv() {
            let now = Instant::now();
            match command {
                Command::Stop => return false,
                // Assignments were checked by the Server before they were queued.
                Command::Assign(mac, assignment) => drop(self.engine.assign(now, mac, assignment)),
                Command::Unassign(mac) => drop(self.engine.unassign(mac)),
                Command::SetDefault(selector, assignment) => drop(self.engine.set_default(now, &selector, assignment)),
                // A stale ticket (expired, or its phone forgotten) needs no answer.
                Command::Decide { ticket, accept } => drop(self.engine.decide(now, ticket, accept)),
                Command::SetMode(mode) => self.engine.set_mode(mode),
                Command::Feed { datagram, source, local } => self.engine.handle_datagram(now, source, local, &datagram),
                Command::Devices(reply) => drop(reply.send(self.engine.devices().cloned().collect())),
            }
            self.flush();
        }
        !matches!(self.commands.try_recv(), Err(crossbeam_channel::TryRecvError::Disconnected))
    }

    fn receive(&mut self, buffer: &mut [u8]) {
        for _ in 0..RECEIVE_BATCH {
            let Some(socket) = &self.socket else { return };
            match socket.receive(buffer) {
                Ok(Some(received)) => {
                    let datagram = &buffer[..received.len.min(buffer.len())];
                    self.engine.handle_datagram(Instant::now(), received.source, received.local, datagram);
                }
                Ok(None) => break,
                Err(_) => {
                    self.shared.receive_errors.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
            self.flush();
        }
    }

    /// Sends what the engine wants sent and queues its events for the host.
    fn flush(&mut self) {
        while let Some(transmit) = self.engine.poll_transmit() {
            match &self.socket {
                Some(socket) => {
                    if socket.send(&transmit).is_err() {
                        self.shared.send_errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                None => self.queue(ServerEvent::Transmit(transmit)),
            }
        }
        if let Some(first) = self.engine.poll_event() {
            // Counters first, so a host that reads them after an event sees its cause.
            self.publish_stats();
            self.queue(ServerEvent::Event(first));
            while let Some(event) = self.engine.poll_event() {
                self.queue(ServerEvent::Event(event));
            }
        }
        if self.dropped_unreported > 0
            && self.events.try_send(ServerEvent::EventsDropped(self.dropped_unreported)).is_ok()
        {
            self.dropped_unreported = 0;
        }
    }

    /// Queues an event without ever blocking; a full queue drops and counts it. A
    /// dropped file offer is refused at once so its phone is not left waiting.
    fn queue(&mut self, event: ServerEvent) {
        match self.events.try_send(event) {
            Ok(()) => {}
            Err(TrySendError::Full(event)) | Err(TrySendError::Disconnected(event)) => {
                self.shared.events_dropped.fetch_add(1, Ordering::Relaxed);
                self.dropped_unreported += 1;
                if let ServerEvent::Event(Event::ConfigReady(file)) = event {
                    drop(self.engine.decide(Instant::now(), file.ticket, false));
                }
            }
        }
    }

    fn publish_stats(&self) {
        *self.shared.engine_stats.lock() = self.engine.stats();
    }
}
