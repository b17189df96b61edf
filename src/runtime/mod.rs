//! Sockets, threads and channels around the engine. A [`Server`] runs two threads:
//! the network thread owns the socket and the engine and never calls host code; the
//! callback thread calls the [`Host`]. Host requests travel over a channel and wake the
//! network thread; no host thread ever holds an engine lock.

pub mod batch;
mod command;
mod config;
mod host;
pub mod interfaces;
mod network;
pub mod socket;

#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddrV4;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use parking_lot::Mutex;

pub use config::{ServerConfig, DEFAULT_RECEIVE_BUFFER, SIP_PORT};
pub use host::Host;

use crate::engine::{Assignment, DeviceRecord, Engine, EngineError, Event, Mode, Selector, Stats, Transmit};
use crate::mac::Mac;
use command::{Command, Waker};
use network::Network;
use socket::{OpenError, SipSocket};

/// Host requests waiting for the network thread; beyond this a request is refused
/// with [`RuntimeError::Busy`] rather than block the host.
const COMMAND_QUEUE: usize = 65_536;

/// What the host receives, by callback or from [`Server::next_event`].
#[derive(Debug, Clone)]
pub enum ServerEvent {
    /// An engine event.
    Event(Event),
    /// Feed mode: a datagram for the host to send.
    Transmit(Transmit),
    /// This many events were dropped because the host did not take them in time.
    EventsDropped(u64),
}

/// Why a server call failed; nothing was changed.
#[derive(Debug)]
pub enum RuntimeError {
    /// The SIP port is taken and not shared.
    AddressInUse(u16),
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
                write!(f, "UDP port {port} is in use by a socket that does not share it")
            }
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
#[derive(Debug, Default)]
struct Shared {
    stopping: AtomicBool,
    engine_stats: Mutex<Stats>,
    events_dropped: AtomicU64,
    send_errors: AtomicU64,
    receive_errors: AtomicU64,
    host_panics: AtomicU64,
}

/// Counters of a running server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerStats {
    /// The engine's counters.
    pub engine: Stats,
    /// Events dropped because the host was slow.
    pub events_dropped: u64,
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
    callbacks: Option<JoinHandle<Box<dyn Host>>>,
}

/// A running PnP server. Every method takes `&self` and may be called from any thread,
/// including the host's callbacks (but `stop` not from a callback). Dropping it stops it.
pub struct Server {
    commands: Sender<Command>,
    waker: Waker,
    shared: Arc<Shared>,
    threads: Mutex<Threads>,
    pulled: Option<Receiver<ServerEvent>>,
    port: Option<u16>,
    feed_mode: bool,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server").field("port", &self.port).field("stopped", &self.is_stopped()).finish_non_exhaustive()
    }
}

impl Server {
    /// Opens the socket (unless in feed mode), starts the threads and returns. With a
    /// `host`, events go to its methods on the callback thread; without, they wait for
    /// [`Server::next_event`]. On error nothing is left running.
    pub fn start(config: ServerConfig, host: Option<Box<dyn Host>>) -> Result<Server, RuntimeError> {
        let engine = Engine::new(config.engine.clone()).map_err(RuntimeError::Engine)?;
        let socket = if config.feed_mode { None } else { Some(open_socket(&config)?) };
        let port = socket.as_ref().map(SipSocket::port);
        let (commands, command_receiver) = bounded(COMMAND_QUEUE);
        let (events, event_receiver) = bounded(config.event_queue.max(1));
        let (waker, wake) = command::waker().map_err(|e| RuntimeError::Io(format!("cannot create the waker: {e}")))?;
        let shared = Arc::new(Shared::default());
        let network = Network {
            engine,
            socket,
            commands: command_receiver,
            wake,
            events,
            shared: shared.clone(),
            dropped_unreported: 0,
        };
        let network = std::thread::Builder::new()
            .name("gspnp-network".into())
            .spawn(move || network.run())
            .map_err(|e| RuntimeError::Io(format!("cannot start the network thread: {e}")))?;
        let mut server = Server {
            commands: commands.clone(),
            waker: waker.clone(),
            shared: shared.clone(),
            threads: Mutex::new(Threads { network: Some(network), callbacks: None }),
            pulled: None,
            port,
            feed_mode: config.feed_mode,
        };
        match host {
            Some(host) => {
                let spawned = std::thread::Builder::new()
                    .name("gspnp-callbacks".into())
                    .spawn(move || host::deliver(host, event_receiver, commands, waker, shared));
                match spawned {
                    Ok(handle) => server.threads.lock().callbacks = Some(handle),
                    Err(e) => {
                        drop(server.stop());
                        return Err(RuntimeError::Io(format!("cannot start the callback thread: {e}")));
                    }
                }
            }
            None => server.pulled = Some(event_receiver),
        }
        Ok(server)
    }

    /// The bound UDP port; None in feed mode.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Stops the server: joins the network thread, then the callback thread, then drops
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
        let callback_result = threads.callbacks.map(JoinHandle::join);
        // The host (and its userdata) goes here, after both joins.
        let host_panicked = matches!(callback_result, Some(Err(_)));
        drop(callback_result);
        if network_result.is_err() || host_panicked {
            return Err(RuntimeError::ThreadPanicked);
        }
        Ok(())
    }

    /// Whether the caller is this server's callback thread (which `stop` would join).
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

    /// Answers a [`crate::engine::Event::ConfigReady`] taken with [`Server::next_event`].
    pub fn decide(&self, ticket: u64, accept: bool) -> Result<(), RuntimeError> {
        self.send(Command::Decide { ticket, accept })
    }

    /// Changes the mode.
    pub fn set_mode(&self, mode: Mode) -> Result<(), RuntimeError> {
        self.send(Command::SetMode(mode))
    }

    /// Feed mode: hands the engine a datagram the host's SIP stack received from
    /// `source` on our address `local`.
    pub fn feed(&self, datagram: &[u8], source: SocketAddrV4, local: SocketAddrV4) -> Result<(), RuntimeError> {
        if !self.feed_mode {
            return Err(RuntimeError::WrongMode("feed() needs a server started in feed mode"));
        }
        self.send(Command::Feed { datagram: datagram.to_vec(), source, local })
    }

    /// Pull API: the next event, waiting at most `timeout`. Only for a server started
    /// without a host.
    pub fn next_event(&self, timeout: Duration) -> Result<ServerEvent, RuntimeError> {
        let Some(events) = &self.pulled else {
            return Err(RuntimeError::WrongMode("events go to the host's callbacks"));
        };
        if self.is_stopped() {
            return Err(RuntimeError::Stopped);
        }
        events.recv_timeout(timeout).map_err(|e| match e {
            RecvTimeoutError::Timeout => RuntimeError::Timeout,
            RecvTimeoutError::Disconnected => RuntimeError::Stopped,
        })
    }

    /// A copy of every phone the engine knows.
    pub fn devices(&self) -> Result<Vec<DeviceRecord>, RuntimeError> {
        let (reply, answer) = bounded(1);
        self.send(Command::Devices(reply))?;
        answer.recv_timeout(Duration::from_secs(5)).map_err(|_| RuntimeError::Stopped)
    }

    /// The counters as of the network thread's last turn.
    pub fn stats(&self) -> ServerStats {
        ServerStats {
            engine: *self.shared.engine_stats.lock(),
            events_dropped: self.shared.events_dropped.load(Ordering::Relaxed),
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

fn open_socket(config: &ServerConfig) -> Result<SipSocket, RuntimeError> {
    let join = if config.multicast {
        interfaces::resolve(&config.interfaces).map_err(|e| RuntimeError::NoSuchInterface(e.0))?
    } else {
        Vec::new()
    };
    SipSocket::open(config.port, &join, config.receive_buffer).map_err(|error| match error {
        OpenError::AddressInUse(port) => RuntimeError::AddressInUse(port),
        OpenError::Io(call, e) => RuntimeError::Io(format!("{call} failed: {e}")),
    })
}
