//! Sockets, threads and channels around the engine. A [`Server`] runs three threads:
//! the network thread owns the socket and the engine and never calls host code; two
//! callback threads ("lanes", see [`Host`]) call the host. Host requests travel over a
//! channel and wake the network thread; no host thread ever holds an engine lock.

pub mod batch;
mod command;
mod config;
mod devices;
mod host;
pub mod interfaces;
mod lanes;
mod network;
mod port_claim;
pub mod socket;

#[cfg(test)]
mod tests;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{bounded, Sender, TrySendError};
use parking_lot::Mutex;

pub use config::{ServerConfig, ANY_FREE_PORT, DEFAULT_RECEIVE_BUFFER, SIP_PORT};
pub use devices::KnownDevice;
pub use host::{Decision, Host};
pub use lanes::DroppedKind;

use crate::engine::{Assignment, Engine, EngineError, Event, Mode, ResyncRequest, Selector, Stats, Transmit};
use crate::mac::Mac;
use command::{Command, Waker};
use network::{Network, Sockets};
use port_claim::PortClaim;
use socket::{OpenError, SipSocket};

/// Host requests waiting for the network thread; beyond this a request is refused
/// with [`RuntimeError::Busy`] rather than block the host.
const COMMAND_QUEUE: usize = 65_536;

/// The longest a read-back call waits for the network thread.
pub const REPLY_WAIT: Duration = Duration::from_secs(5);

/// What the host receives, by callback or from [`Server::next_event`].
#[derive(Debug, Clone)]
pub enum ServerEvent {
    /// An engine event.
    Event(Event),
    /// Feed mode: a datagram for the host to send.
    Transmit(Transmit),
    /// `count` events of `kind` were dropped because the host did not take them in
    /// time (only log lines ever are).
    EventsDropped {
        /// What was dropped.
        kind: DroppedKind,
        /// How many since the last report.
        count: u64,
    },
}

/// Why a server call failed; nothing was changed.
#[derive(Debug)]
pub enum RuntimeError {
    /// The unicast port is taken.
    AddressInUse(u16),
    /// The multicast port is held by a socket that does not share it (no SO_REUSEADDR).
    MulticastPortTaken(u16),
    /// Another server of this process listens on this multicast port (in this network
    /// namespace).
    AlreadyRunning(u16),
    /// An argument is not acceptable; the text says why.
    InvalidArgument(String),
    /// A configured interface does not exist or has no IPv4 address.
    NoSuchInterface(String),
    /// An OS call failed.
    Io(String),
    /// The engine refused the request (bad URL, unknown ticket, ...).
    Engine(EngineError),
    /// The server was stopped.
    Stopped,
    /// Not allowed from inside a host callback.
    CalledFromCallback,
    /// The request queue is full.
    Busy,
    /// [`Server::next_event`] waited in vain.
    Timeout,
    /// Only in feed mode / only with the pull API.
    WrongMode(&'static str),
    /// A gspnp thread panicked (a bug); the server was stopped.
    ThreadPanicked,
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeError::AddressInUse(port) => {
                write!(f, "UDP port {port} (the unicast port) is in use; choose another or 0 for a free one")
            }
            RuntimeError::MulticastPortTaken(port) => write!(
                f,
                "UDP port {port} is held by a socket without SO_REUSEADDR, so gspnp cannot bind the PnP group \
                 224.0.1.75:{port} beside it: let the PBX set SO_REUSEADDR on its SIP socket (or bind its own \
                 address instead of 0.0.0.0), or run gspnp in feed mode through the PBX's SIP stack"
            ),
            RuntimeError::AlreadyRunning(port) => {
                write!(f, "another gspnp server of this process already listens on multicast port {port}")
            }
            RuntimeError::InvalidArgument(why) => f.write_str(why),
            RuntimeError::NoSuchInterface(name) => {
                write!(f, "interface {name:?} does not exist or has no IPv4 address")
            }
            RuntimeError::Io(what) => f.write_str(what),
            RuntimeError::Engine(error) => write!(f, "{error}"),
            RuntimeError::Stopped => f.write_str("the server is stopped"),
            RuntimeError::CalledFromCallback => f.write_str("not allowed from inside a gspnp callback"),
            RuntimeError::Busy => f.write_str("too many requests queued for the network thread"),
            RuntimeError::Timeout => f.write_str("no event before the timeout"),
            RuntimeError::WrongMode(why) => f.write_str(why),
            RuntimeError::ThreadPanicked => f.write_str("a gspnp thread panicked"),
        }
    }
}

impl std::error::Error for RuntimeError {}

/// State the threads share with the host's handle.
#[derive(Debug)]
struct Shared {
    stopping: AtomicBool,
    engine_stats: Mutex<Stats>,
    backlog: lanes::Backlog,
    log_drops: lanes::DropCounters,
    send_errors: AtomicU64,
    receive_errors: AtomicU64,
    host_panics: AtomicU64,
}

impl Shared {
    fn new(config: &ServerConfig) -> Shared {
        Shared {
            stopping: AtomicBool::new(false),
            engine_stats: Mutex::default(),
            backlog: lanes::Backlog::new(config.event_queue),
            log_drops: lanes::DropCounters::default(),
            send_errors: AtomicU64::new(0),
            receive_errors: AtomicU64::new(0),
            host_panics: AtomicU64::new(0),
        }
    }
}

/// Counters of a running server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// The engine's counters.
    pub engine: Stats,
    /// Events dropped because the host was slow: log lines only, so equal to
    /// `log_lines_dropped`.
    pub events_dropped: u64,
    /// Log lines dropped because the host was slow.
    pub log_lines_dropped: u64,
    /// Times new phones stopped being admitted because the host had `event_queue`
    /// must-deliver events undelivered (the engine counts the phones left unanswered).
    pub admission_pauses: u64,
    /// Must-deliver events (phones, file offers, results, feed-mode datagrams) queued
    /// for the host and not yet handled, now.
    pub host_backlog: u64,
    /// Datagrams the OS refused to send.
    pub send_errors: u64,
    /// Failed receive calls.
    pub receive_errors: u64,
    /// Host callbacks that panicked (Rust hosts).
    pub host_panics: u64,
}

/// The threads of a running server; taken (under the lock) by the one `stop` that
/// joins them.
#[derive(Default)]
struct Threads {
    network: Option<JoinHandle<()>>,
    lanes: Vec<JoinHandle<()>>,
    /// Dropped after the lanes are joined.
    host: Option<Arc<dyn Host>>,
}

/// A running PnP server. Every method takes `&self` and may be called from any thread,
/// including the host's callbacks (but `stop` not from a callback). Dropping it stops it.
pub struct Server {
    commands: Sender<Command>,
    waker: Waker,
    shared: Arc<Shared>,
    threads: Mutex<Threads>,
    pulled: Option<lanes::Inbox>,
    port: Option<u16>,
    feed_mode: bool,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server").field("port", &self.port).field("stopped", &self.is_stopped()).finish_non_exhaustive()
    }
}

impl Server {
    /// Opens the sockets (unless in feed mode; see [`ServerConfig::port`] and
    /// [`ServerConfig::unicast_port`]) in the calling thread's network namespace, starts
    /// the threads and returns. With a `host`, events go to its methods on the two callback
    /// threads; without, they wait for [`Server::next_event`]. On error nothing is left
    /// running: [`RuntimeError::AlreadyRunning`] when another server of this process
    /// holds the multicast port, [`RuntimeError::MulticastPortTaken`] when a socket
    /// holds it without sharing, [`RuntimeError::AddressInUse`] for the unicast port.
    pub fn start(config: ServerConfig, host: Option<Box<dyn Host>>) -> Result<Server, RuntimeError> {
        let engine = Engine::new(config.engine.clone()).map_err(RuntimeError::Engine)?;
        let sockets = if config.feed_mode { None } else { Some(open_sockets(&config)?) };
        let port = sockets.as_ref().map(|sockets| sockets.unicast.port());
        let host: Option<Arc<dyn Host>> = host.map(Arc::from);
        let takes_logs = host.as_ref().is_none_or(|host| host.takes_log_lines());
        let (commands, command_receiver) = bounded(COMMAND_QUEUE);
        let (outbox, inbox) = lanes::lanes(config.event_queue, takes_logs);
        let (waker, wake) = command::waker().map_err(|e| RuntimeError::Io(format!("cannot create the waker: {e}")))?;
        let shared = Arc::new(Shared::new(&config));
        let network = Network {
            engine,
            sockets,
            commands: command_receiver,
            wake,
            outbox,
            shared: shared.clone(),
            admitting: true,
        };
        let network = std::thread::Builder::new()
            .name("gspnp-network".into())
            .spawn(move || network.run())
            .map_err(|e| RuntimeError::Io(format!("cannot start the network thread: {e}")))?;
        let mut server = Server {
            commands: commands.clone(),
            waker: waker.clone(),
            shared: shared.clone(),
            threads: Mutex::new(Threads { network: Some(network), lanes: Vec::new(), host: None }),
            pulled: None,
            port,
            feed_mode: config.feed_mode,
        };
        match host {
            Some(host) => {
                let context = host::LaneContext { host: host.clone(), commands, waker, shared };
                server.threads.lock().host = Some(host);
                if let Err(e) = server.start_lanes(context, inbox) {
                    drop(server.stop());
                    return Err(RuntimeError::Io(format!("cannot start a callback thread: {e}")));
                }
            }
            None => server.pulled = Some(inbox),
        }
        Ok(server)
    }

    /// Starts the provisioning and devices lanes.
    fn start_lanes(&self, context: host::LaneContext, inbox: lanes::Inbox) -> std::io::Result<()> {
        let lanes::Inbox { provisioning, devices, logs } = inbox;
        let provisioning_context = context.clone();
        let provisioning = std::thread::Builder::new()
            .name("gspnp-provision".into())
            .spawn(move || provisioning_context.run_provisioning(provisioning))?;
        self.threads.lock().lanes.push(provisioning);
        let devices = std::thread::Builder::new()
            .name("gspnp-devices".into())
            .spawn(move || context.run_devices(devices, logs))?;
        self.threads.lock().lanes.push(devices);
        Ok(())
    }

    /// The unicast port (the one Via and Contact name, where unicast SUBSCRIBEs go);
    /// None in feed mode.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Stops the server: joins the network thread, then the callback threads, then drops
    /// the host. After it returns no host method runs. A second call returns Ok.
    /// Refused from inside a callback (it would wait for itself).
    pub fn stop(&self) -> Result<(), RuntimeError> {
        if self.on_own_callback_thread() {
            return Err(RuntimeError::CalledFromCallback);
        }
        self.shared.stopping.store(true, Ordering::Release);
        // Held until both joins are done: a concurrent second stop returns only then.
        let mut running = self.threads.lock();
        let threads = std::mem::take(&mut *running);
        let Some(network) = threads.network else { return Ok(()) };
        // The stopping flag ends the loop at its next turn; the command and the wake-up
        // make that turn come now. A full queue is no obstacle: the flag suffices.
        let _ = self.commands.try_send(Command::Stop);
        self.waker.wake();
        let network_result = network.join();
        // A lane panics only by a gspnp bug: host panics are caught.
        let lane_panicked = threads.lanes.into_iter().map(JoinHandle::join).any(|result| result.is_err());
        // The host (and its userdata) goes here, after every join.
        drop(threads.host);
        if network_result.is_err() || lane_panicked {
            return Err(RuntimeError::ThreadPanicked);
        }
        Ok(())
    }

    /// Whether the caller is one of this server's callback threads (which `stop` would join).
    fn on_own_callback_thread(&self) -> bool {
        host::callback_thread_of() == Arc::as_ptr(&self.shared) as usize
    }

    /// Whether `stop` was called.
    pub fn is_stopped(&self) -> bool {
        self.shared.stopping.load(Ordering::Acquire)
    }

    /// Sets what `mac` gets; see [`Engine::assign`]. The URL or token is checked here,
    /// so a bad one is refused before anything changes.
    pub fn assign(&self, mac: Mac, assignment: Assignment) -> Result<(), RuntimeError> {
        assignment.check().map_err(RuntimeError::Engine)?;
        self.send(Command::Assign(mac, assignment))
    }

    /// Forgets what `mac` was given.
    pub fn unassign(&self, mac: Mac) -> Result<(), RuntimeError> {
        self.send(Command::Unassign(mac))
    }

    /// Sets or removes a per-vendor/model default; see [`Engine::set_default`].
    pub fn set_default(&self, selector: Selector, assignment: Option<Assignment>) -> Result<(), RuntimeError> {
        if let Some(assignment) = &assignment {
            assignment.check().map_err(RuntimeError::Engine)?;
        }
        self.send(Command::SetDefault(selector, assignment))
    }

    /// Answers a [`crate::engine::Event::ConfigReady`]: taken with [`Server::next_event`],
    /// or offered to [`Host::config_ready`] which returned [`Decision::Later`]. From any
    /// thread, within the decision limit; a ticket no longer waiting is ignored.
    pub fn decide(&self, ticket: u64, accept: bool) -> Result<(), RuntimeError> {
        self.send(Command::Decide { ticket, accept })
    }

    /// Changes the mode.
    pub fn set_mode(&self, mode: Mode) -> Result<(), RuntimeError> {
        self.send(Command::SetMode(mode))
    }

    /// Feed mode: hands the engine a datagram the host's SIP stack received from
    /// `source` on the host's own unicast address `local` (the interface address and the
    /// SIP port the phone should answer to: Via, Contact and `{ip}` are written from
    /// it). A `local` that is not a unicast address (0.0.0.0, a multicast group such as
    /// the 224.0.1.75 the SUBSCRIBE was sent to, 255.255.255.255) or has port 0 is
    /// refused with [`RuntimeError::InvalidArgument`].
    pub fn feed(&self, datagram: &[u8], source: SocketAddrV4, local: SocketAddrV4) -> Result<(), RuntimeError> {
        if !self.feed_mode {
            return Err(RuntimeError::WrongMode("feed() needs a server started in feed mode"));
        }
        check_local(local)?;
        self.send(Command::Feed { datagram: datagram.to_vec(), source, local })
    }

    /// Pull API: the next event, waiting at most `timeout`. Only for a server started
    /// without a host. Takes file offers, results and datagrams first, then phones,
    /// then log lines; a report of dropped log lines comes before any of them.
    pub fn next_event(&self, timeout: Duration) -> Result<ServerEvent, RuntimeError> {
        let Some(inbox) = &self.pulled else {
            return Err(RuntimeError::WrongMode("events go to the host's callbacks"));
        };
        if self.is_stopped() {
            return Err(RuntimeError::Stopped);
        }
        if let Some(report) = self.shared.log_drops.take_report() {
            return Ok(report);
        }
        let (event, wake) = inbox.next(timeout, &self.shared.backlog)?;
        if wake {
            self.waker.wake();
        }
        Ok(event)
    }

    /// Re-provisions `mac` (see [`Engine::resync`]): the NOTIFY is sent before this
    /// returns, and its outcome arrives as [`crate::engine::Event::ResyncResult`] (never
    /// dropped). In socket mode, for a phone gspnp has not seen, the local address is
    /// the one the OS routes `request.destination` from. Errors: the phone was never seen
    /// and no destination was given ([`EngineError::UnknownDevice`]), a bad request, a
    /// stopped server.
    pub fn resync(&self, mac: Mac, mut request: ResyncRequest) -> Result<(), RuntimeError> {
        if request.local.is_none() {
            if let (Some(destination), Some(port)) = (request.destination, self.port) {
                request.local = route_source(destination).map(|ip| SocketAddrV4::new(ip, port));
            }
        }
        let (reply, answer) = bounded(1);
        self.send(Command::Resync(mac, request, reply))?;
        answer.recv_timeout(Duration::from_secs(5)).map_err(|_| RuntimeError::Stopped)?.map_err(RuntimeError::Engine)
    }

    /// A copy of every phone the server knows, in no particular order. Waits for the
    /// network thread (at most [`REPLY_WAIT`]); [`RuntimeError::Stopped`] once stopped.
    pub fn devices(&self) -> Result<Vec<KnownDevice>, RuntimeError> {
        self.ask(Command::Devices)
    }

    /// A copy of what the server knows of `mac`; None when it does not know it.
    pub fn device(&self, mac: Mac) -> Result<Option<KnownDevice>, RuntimeError> {
        self.ask(|reply| Command::Device(mac, reply))
    }

    /// Forgets `mac` and every exchange with it (a NOTIFY under way is abandoned
    /// unreported, a file waiting for a decision is refused); what is assigned to it
    /// stays. True when the phone was known.
    pub fn forget(&self, mac: Mac) -> Result<bool, RuntimeError> {
        self.ask(|reply| Command::Forget(mac, reply))
    }

    /// Sends the command `make` builds around a reply channel and waits for the answer.
    fn ask<T>(&self, make: impl FnOnce(Sender<T>) -> Command) -> Result<T, RuntimeError> {
        let (reply, answer) = bounded(1);
        self.send(make(reply))?;
        answer.recv_timeout(REPLY_WAIT).map_err(|_| RuntimeError::Stopped)
    }

    /// The counters as of the network thread's last turn.
    pub fn stats(&self) -> ServerStats {
        ServerStats {
            engine: *self.shared.engine_stats.lock(),
            events_dropped: self.shared.log_drops.total(),
            log_lines_dropped: self.shared.log_drops.total(),
            admission_pauses: self.shared.backlog.pauses(),
            host_backlog: self.shared.backlog.undelivered() as u64,
            send_errors: self.shared.send_errors.load(Ordering::Relaxed),
            receive_errors: self.shared.receive_errors.load(Ordering::Relaxed),
            host_panics: self.shared.host_panics.load(Ordering::Relaxed),
        }
    }

    fn send(&self, command: Command) -> Result<(), RuntimeError> {
        if self.is_stopped() {
            return Err(RuntimeError::Stopped);
        }
        match self.commands.try_send(command) {
            Ok(()) => {
                self.waker.wake();
                Ok(())
            }
            Err(TrySendError::Full(_)) => Err(RuntimeError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(RuntimeError::Stopped),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.on_own_callback_thread() {
            // Dropped from its own callback: it cannot wait for itself. Signal the
            // threads to end; they own everything they use.
            self.shared.stopping.store(true, Ordering::Release);
            let _ = self.commands.try_send(Command::Stop);
            self.waker.wake();
            return;
        }
        let _ = self.stop();
    }
}

/// The address the OS would send from to reach `destination` (no datagram is sent).
fn route_source(destination: SocketAddrV4) -> Option<std::net::Ipv4Addr> {
    let probe = std::net::UdpSocket::bind((std::net::Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    probe.connect(destination).ok()?;
    match probe.local_addr().ok()? {
        std::net::SocketAddr::V4(local) => Some(*local.ip()),
        std::net::SocketAddr::V6(_) => None,
    }
}

/// Socket mode: the unicast socket, and with multicast on the group socket on the
/// multicast port this server claims in its process.
fn open_sockets(config: &ServerConfig) -> Result<Sockets, RuntimeError> {
    let group = if config.multicast {
        let join = interfaces::resolve(&config.interfaces).map_err(|e| RuntimeError::NoSuchInterface(e.0))?;
        let claim = PortClaim::take(config.port).ok_or(RuntimeError::AlreadyRunning(config.port))?;
        let socket = SipSocket::group(config.port, &join, config.receive_buffer)
            .map_err(open_failure(RuntimeError::MulticastPortTaken))?;
        Some((socket, claim))
    } else {
        None
    };
    let unicast = SipSocket::unicast(config.unicast_port, config.receive_buffer)
        .map_err(open_failure(RuntimeError::AddressInUse))?;
    Ok(Sockets::new(unicast, group))
}

/// An [`OpenError`] as a [`RuntimeError`], a taken port as `taken` says.
fn open_failure(taken: fn(u16) -> RuntimeError) -> impl Fn(OpenError) -> RuntimeError {
    move |error| match error {
        OpenError::AddressInUse(port) => taken(port),
        OpenError::Io(call, e) => RuntimeError::Io(format!("{call} failed: {e}")),
    }
}

/// Refuses a feed-mode `local` that no phone could answer to.
fn check_local(local: SocketAddrV4) -> Result<(), RuntimeError> {
    let ip = *local.ip();
    let not_unicast = ip.is_unspecified() || ip.is_multicast() || ip == Ipv4Addr::BROADCAST;
    if not_unicast || local.port() == 0 {
        return Err(RuntimeError::InvalidArgument(format!(
            "local {local} is not the host's unicast address and SIP port: pass the address the datagram \
             reached (IP_PKTINFO's ipi_spec_dst, not its destination 224.0.1.75) and the port of the PBX's SIP \
             socket"
        )));
    }
    Ok(())
}
