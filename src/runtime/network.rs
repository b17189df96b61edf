//! The network thread: owns the engine and the sockets, never calls host code.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use crate::engine::{Engine, Transmit};

use super::batch::{ReceiveBatch, SendBatch, BATCH};
use super::command::{Command, WakeReceiver};
use super::devices::WallClock;
use super::lanes::Outbox;
use super::port_claim::PortClaim;
use super::socket::SipSocket;
use super::{ServerEvent, Shared};

/// The longest datagram taken whole; a longer one is cut, so the engine counts it as
/// malformed (SIP over UDP stays under the path MTU, RFC 3261 §18.1.1).
const RECEIVE_SLOT: usize = 16 * 1024;
/// Receive calls (of up to [`BATCH`] datagrams each) per wake-up before timers and
/// commands get their turn.
const RECEIVE_CALLS: usize = 8;
/// The longest poll() wait, so a lost wake-up can never stall the thread for long.
const MAX_WAIT: Duration = Duration::from_millis(500);

/// A socket-mode server's sockets: everything is sent from the unicast one; both are
/// read.
pub(super) struct Sockets {
    pub unicast: SipSocket,
    /// With multicast on: the group socket, then the claim on its port, released after
    /// the socket is closed (fields drop in order).
    group: Option<(SipSocket, PortClaim)>,
}

impl Sockets {
    pub fn new(unicast: SipSocket, group: Option<(SipSocket, PortClaim)>) -> Sockets {
        Sockets { unicast, group }
    }

    fn group(&self) -> Option<&SipSocket> {
        self.group.as_ref().map(|(socket, _)| socket)
    }
}

/// Which socket to read.
#[derive(Clone, Copy)]
enum Reading {
    Unicast,
    Group,
}

/// What poll() found readable.
#[derive(Default)]
struct Ready {
    wake: bool,
    unicast: bool,
    group: bool,
}

pub(super) struct Network {
    pub engine: Engine,
    /// None in feed mode.
    pub sockets: Option<Sockets>,
    pub commands: Receiver<Command>,
    pub wake: WakeReceiver,
    pub outbox: Outbox,
    pub shared: Arc<Shared>,
    /// Whether the engine takes on new phones (see [`super::lanes::Backlog`]).
    pub admitting: bool,
}

impl Network {
    /// Runs until a Stop command (or every host handle is gone).
    pub fn run(mut self) {
        // Created here: the batches hold kernel headers and stay on this thread.
        let mut io = Io {
            receive: ReceiveBatch::new(RECEIVE_SLOT, true),
            send: SendBatch::default(),
            outgoing: Vec::with_capacity(BATCH),
        };
        loop {
            let ready = self.wait();
            if ready.wake {
                self.wake.drain();
            }
            if !self.take_commands(&mut io) || self.shared.stopping.load(Ordering::Acquire) {
                break;
            }
            if ready.group {
                self.receive(&mut io, Reading::Group);
            }
            if ready.unicast {
                self.receive(&mut io, Reading::Unicast);
            }
            self.engine.handle_timeout(Instant::now());
            self.flush(&mut io);
            // Also once per turn, for counters that changed without an event.
            self.publish_stats();
        }
        self.publish_stats();
    }

    /// Blocks until the waker or a socket is readable or the next deadline passes.
    fn wait(&self) -> Ready {
        let now = Instant::now();
        let wait = self
            .engine
            .poll_timeout()
            .map_or(MAX_WAIT, |deadline| deadline.saturating_duration_since(now).min(MAX_WAIT));
        let timeout = PollTimeout::try_from(wait.as_millis().max(u128::from(wait > Duration::ZERO)) as i64)
            .unwrap_or(PollTimeout::ZERO);
        // The waker, then the unicast and the group socket where there are some.
        let unicast = self.sockets.as_ref().map(|sockets| &sockets.unicast);
        let group = self.sockets.as_ref().and_then(Sockets::group);
        // (A group socket exists only beside a unicast one, so the indices hold.)
        let wake = self.wake.as_fd();
        let mut all = [wake, unicast.map_or(wake, SipSocket::as_fd), group.map_or(wake, SipSocket::as_fd)]
            .map(|fd| PollFd::new(fd, PollFlags::POLLIN));
        let watched = 1 + usize::from(unicast.is_some()) + usize::from(group.is_some());
        let fds = &mut all[..watched];
        if poll(fds, timeout).is_err() {
            return Ready { wake: true, unicast: unicast.is_some(), group: group.is_some() };
        }
        let ready = |index: usize| fds.get(index).and_then(|fd| fd.any()).unwrap_or(false);
        Ready { wake: ready(0), unicast: ready(1), group: ready(2) }
    }

    /// Applies every queued command; false on Stop.
    fn take_commands(&mut self, io: &mut Io) -> bool {
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
                Command::Resync(mac, request, reply) => drop(reply.send(self.engine.resync(now, mac, request))),
                Command::Devices(reply) => {
                    let clock = WallClock::read();
                    drop(reply.send(self.engine.snapshots().into_iter().map(|s| clock.device(s)).collect()));
                }
                Command::Device(mac, reply) => {
                    drop(reply.send(self.engine.snapshot(&mac).map(|s| WallClock::read().device(s))))
                }
                Command::Forget(mac, reply) => drop(reply.send(self.engine.forget(mac))),
            }
            self.flush(io);
        }
        !matches!(self.commands.try_recv(), Err(crossbeam_channel::TryRecvError::Disconnected))
    }

    /// Hands what waits on one socket to the engine, a batch at a time, sending the
    /// answers of each batch together. Every datagram's `local` is the address it
    /// reached with the unicast port: the engine writes Via and Contact from it, so the
    /// phone answers to the unicast socket, even to a SUBSCRIBE it sent to the group.
    fn receive(&mut self, io: &mut Io, reading: Reading) {
        for _ in 0..RECEIVE_CALLS {
            let Some(sockets) = &self.sockets else { return };
            let port = sockets.unicast.port();
            let socket = match reading {
                Reading::Unicast => &sockets.unicast,
                Reading::Group => match sockets.group() {
                    Some(group) => group,
                    None => return,
                },
            };
            match io.receive.receive(socket.as_fd()) {
                Ok(0) => break,
                Ok(count) => {
                    let now = Instant::now();
                    for (datagram, arrival) in io.receive.datagrams() {
                        let local = SocketAddrV4::new(arrival.local_ip.unwrap_or(Ipv4Addr::UNSPECIFIED), port);
                        // A datagram cut at the slot's end is never read as if it ended
                        // there: the engine gets nothing, which it counts as malformed.
                        let datagram = if arrival.truncated { &[][..] } else { datagram };
                        self.engine.handle_datagram(now, arrival.source, local, datagram);
                    }
                    self.flush(io);
                    if count < BATCH {
                        break;
                    }
                }
                Err(_) => {
                    self.shared.receive_errors.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }
    }

    /// Queues the engine's events for the host, sends (or, in feed mode, queues) what it
    /// wants sent, then admits new phones or not by the host's backlog.
    fn flush(&mut self, io: &mut Io) {
        // Events first: by the time a phone sees what its datagram caused, the host's
        // events about it are queued (only a log line may be dropped).
        if let Some(first) = self.engine.poll_event() {
            // Counters first, so a host that reads them after an event sees its cause.
            self.publish_stats();
            self.queue(ServerEvent::Event(first));
            while let Some(event) = self.engine.poll_event() {
                self.queue(ServerEvent::Event(event));
            }
        }
        match &self.sockets {
            Some(sockets) => {
                io.outgoing.extend(std::iter::from_fn(|| self.engine.poll_transmit()));
                let failed = send_grouped(&mut io.send, &sockets.unicast, &io.outgoing);
                if failed > 0 {
                    self.shared.send_errors.fetch_add(failed as u64, Ordering::Relaxed);
                }
                for transmit in io.outgoing.drain(..) {
                    self.engine.recycle(transmit.payload);
                }
            }
            None => {
                while let Some(transmit) = self.engine.poll_transmit() {
                    self.queue(ServerEvent::Transmit(transmit));
                }
            }
        }
        self.regulate_admission();
    }

    /// Queues an event for the host without ever blocking: only a log line can be
    /// dropped (and counted); see [`Outbox::send`].
    fn queue(&mut self, event: ServerEvent) {
        self.outbox.send(event, &self.shared.backlog, &self.shared.log_drops);
    }

    /// Stops taking on new phones while the host has too many must-deliver events
    /// undelivered, and starts again once it has caught up.
    fn regulate_admission(&mut self) {
        let admit = self.shared.backlog.admit(self.admitting);
        if admit != self.admitting {
            self.admitting = admit;
            self.engine.set_admitting(admit);
        }
    }

    fn publish_stats(&self) {
        *self.shared.engine_stats.lock() = self.engine.stats();
    }
}

/// The network thread's batches and its reusable list of datagrams to send.
struct Io {
    receive: ReceiveBatch,
    send: SendBatch,
    outgoing: Vec<Transmit>,
}

/// Sends `transmits`, one batch per run of the same source address; how many failed.
fn send_grouped(batch: &mut SendBatch, socket: &SipSocket, transmits: &[Transmit]) -> usize {
    let mut failed = 0;
    let mut rest = transmits;
    while let Some(first) = rest.first() {
        let source = *first.source.ip();
        let run = rest.iter().take_while(|transmit| *transmit.source.ip() == source).count();
        let (group, after) = rest.split_at(run);
        failed +=
            batch.send(socket.as_fd(), source, group.iter().map(|t| (t.payload.as_slice(), t.destination))).failed;
        rest = after;
    }
    failed
}
