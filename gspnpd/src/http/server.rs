//! Listener threads, the worker pool, and one connection from accept to close.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::message::{read_request, ReadError, Response};
use super::Handler;
use crate::log::Logger;

/// Worker threads serving connections.
const WORKERS: usize = 8;
/// Accepted connections waiting for a worker; beyond this they are closed.
const QUEUE: usize = 256;
/// How long one connection may take, TLS handshake included.
const CONNECTION_TIME: Duration = Duration::from_secs(10);
/// How often a listener looks at the stop flag.
const STOP_CHECK: u16 = 200;

/// One address to serve on, with TLS or without.
pub struct Binding {
    /// Where.
    pub address: SocketAddr,
    /// HTTPS when set.
    pub tls: Option<Arc<ServerConfig>>,
}

/// An accepted connection waiting for a worker.
struct Job {
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
}

/// A running server; [`HttpServer::stop`] (or dropping it) ends every thread.
pub struct HttpServer {
    stopping: Arc<AtomicBool>,
    /// The workers' queue; dropped (with the listeners' clones) to end them.
    jobs: Option<SyncSender<Job>>,
    listeners: Vec<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
    addresses: Vec<SocketAddr>,
}

impl HttpServer {
    /// Binds every address (failing before anything runs if one cannot be bound), then
    /// starts the listeners and the workers.
    pub fn start(bindings: Vec<Binding>, handler: Arc<dyn Handler>, log: Arc<Logger>) -> Result<HttpServer, String> {
        let mut bound = Vec::new();
        for binding in bindings {
            let listener = TcpListener::bind(binding.address)
                .map_err(|error| format!("cannot listen on TCP {}: {error}", binding.address))?;
            listener.set_nonblocking(true).map_err(|error| format!("cannot listen on {}: {error}", binding.address))?;
            bound.push((listener, binding.tls));
        }
        let stopping = Arc::new(AtomicBool::new(false));
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        let mut server = HttpServer {
            stopping: stopping.clone(),
            jobs: Some(jobs),
            listeners: Vec::new(),
            workers: Vec::new(),
            addresses: Vec::new(),
        };
        for index in 0..WORKERS {
            let (queue, handler, log) = (queue.clone(), handler.clone(), log.clone());
            let worker = std::thread::Builder::new()
                .name(format!("http-worker-{index}"))
                .spawn(move || work(&queue, handler.as_ref(), &log))
                .map_err(|error| format!("cannot start an HTTP worker: {error}"))?;
            server.workers.push(worker);
        }
        for (listener, tls) in bound {
            let address = listener.local_addr().map_err(|error| error.to_string())?;
            server.addresses.push(address);
            let jobs = server.jobs.clone().ok_or("the HTTP server is stopped")?;
            let (stopping, log) = (stopping.clone(), log.clone());
            let thread = std::thread::Builder::new()
                .name(format!("http-listen-{}", address.port()))
                .spawn(move || listen(&listener, tls, &jobs, &stopping, &log))
                .map_err(|error| format!("cannot start the HTTP listener: {error}"))?;
            server.listeners.push(thread);
        }
        Ok(server)
    }

    /// The addresses actually bound (port 0 resolved).
    pub fn addresses(&self) -> &[SocketAddr] {
        &self.addresses
    }

    /// Stops accepting, lets the workers finish what they hold, and joins every thread.
    pub fn stop(&mut self) {
        self.stopping.store(true, Ordering::Release);
        for thread in self.listeners.drain(..) {
            let _ = thread.join();
        }
        // With the listeners' senders gone, this last one closes the workers' queue.
        self.jobs = None;
        for thread in self.workers.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Accepts connections until `stopping`, handing each to the workers.
fn listen(
    listener: &TcpListener,
    tls: Option<Arc<ServerConfig>>,
    jobs: &SyncSender<Job>,
    stopping: &AtomicBool,
    log: &Logger,
) {
    while !stopping.load(Ordering::Acquire) {
        let mut fds = [PollFd::new(listener.as_fd(), PollFlags::POLLIN)];
        if !matches!(poll(&mut fds, PollTimeout::from(STOP_CHECK)), Ok(ready) if ready > 0) {
            continue;
        }
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of descriptors or memory: wait rather than spin, then try again.
                log.log(gspnp::engine::LogLevel::Debug, &format!("http: accept failed: {error}"));
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let job = Job { stream, peer, tls: tls.clone() };
        match jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(job)) => {
                log.warn(&format!("http: too many connections waiting; closed the one from {}", job.peer));
            }
            Err(TrySendError::Disconnected(_)) => return,
        }
    }
}

/// A worker: serves queued connections until the queue closes.
fn work(queue: &Mutex<Receiver<Job>>, handler: &dyn Handler, log: &Logger) {
    loop {
        let job = {
            let queue = queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            queue.recv()
        };
        let Ok(job) = job else { return };
        serve(job, handler, log);
    }
}

fn serve(job: Job, handler: &dyn Handler, log: &Logger) {
    let deadline = Instant::now() + CONNECTION_TIME;
    let setup = job.stream.set_nonblocking(false).and_then(|()| {
        job.stream.set_read_timeout(Some(CONNECTION_TIME))?;
        job.stream.set_write_timeout(Some(CONNECTION_TIME))
    });
    if setup.is_err() {
        return;
    }
    match job.tls {
        None => {
            let mut stream = job.stream;
            exchange(&mut stream, job.peer, false, deadline, handler);
        }
        Some(config) => {
            let connection = match ServerConnection::new(config) {
                Ok(connection) => connection,
                Err(error) => {
                    log.warn(&format!("https: cannot start TLS with {}: {error}", job.peer));
                    return;
                }
            };
            let mut stream = StreamOwned::new(connection, job.stream);
            exchange(&mut stream, job.peer, true, deadline, handler);
            stream.conn.send_close_notify();
            let _ = stream.flush();
        }
    }
}

/// Reads one request, answers it, and returns (the caller closes).
fn exchange(
    stream: &mut (impl Read + Write),
    peer: SocketAddr,
    secure: bool,
    deadline: Instant,
    handler: &dyn Handler,
) {
    let response = match read_request(stream, deadline) {
        Ok(request) => {
            let response = handler.handle(&request, peer, secure);
            let _ = response.write_to(stream, request.method == "HEAD");
            return;
        }
        Err(ReadError::TooLarge) => Response::plain(431),
        Err(ReadError::Malformed) => Response::plain(400),
        Err(ReadError::Closed) => return,
    };
    let _ = response.write_to(stream, false);
}
