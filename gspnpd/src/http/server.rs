//! The listeners and one connection from accept to close, on a tokio runtime of its own:
//! each connection is a task bounded by the [`Limits`] of its [`ConnectionGate`], so a
//! client that drips bytes, idles or never finishes its TLS handshake holds one task
//! for a few seconds, never a worker.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::runtime::Runtime;
use tokio_rustls::TlsAcceptor;

use super::limits::{ConnectionGate, Limits, Permit};
use crate::log::{Logger, Throttled};

/// Connections the kernel may queue before they are accepted (a boot storm of phones).
const BACKLOG: u32 = 4096;
/// The most bytes of a request head; a longer one is answered 431.
const MAX_HEAD: usize = 16 * 1024;
/// Refusal warnings logged per interval before they are only counted.
const REFUSALS_LOGGED: u32 = 5;
/// The interval of rate-limited warnings.
pub const WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// One address to serve on, with TLS or without, and what answers there.
pub struct Binding {
    /// Where.
    pub address: SocketAddr,
    /// HTTPS when set.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The routes; each request carries its [`Peer`] as an extension.
    pub router: Router,
}

/// Who sent a request, and how: an extension of every request.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    /// The client's address and port.
    pub address: SocketAddr,
    /// Whether it came over TLS.
    pub secure: bool,
}

/// Running listeners; [`HttpServer::stop`] (or dropping it) ends every connection.
pub struct HttpServer {
    runtime: Option<Runtime>,
    addresses: Vec<SocketAddr>,
}

impl HttpServer {
    /// Binds every address (failing before anything is served if one cannot be bound)
    /// and serves them, every connection counted by `gate`.
    pub fn start(bindings: Vec<Binding>, gate: Arc<ConnectionGate>, log: Arc<Logger>) -> Result<HttpServer, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("gspnpd-http")
            .enable_all()
            .build()
            .map_err(|error| format!("cannot start the file server's runtime: {error}"))?;
        let refusals =
            Arc::new(Throttled::new(log.clone(), "refused HTTP connections", REFUSALS_LOGGED, WARNING_INTERVAL));
        let mut listeners = Vec::new();
        {
            let _inside = runtime.enter();
            for binding in bindings {
                let listener = bind(binding.address)
                    .map_err(|error| format!("cannot listen on TCP {}: {error}", binding.address))?;
                listeners.push((listener, binding));
            }
        }
        let mut addresses = Vec::new();
        for (listener, binding) in listeners {
            addresses.push(listener.local_addr().map_err(|error| error.to_string())?);
            let tls = binding.tls.map(TlsAcceptor::from);
            runtime.spawn(accept(listener, tls, binding.router, gate.clone(), refusals.clone()));
        }
        let server = HttpServer { runtime: Some(runtime), addresses };
        server.every(WARNING_INTERVAL, move || refusals.report());
        Ok(server)
    }

    /// The addresses actually bound (port 0 resolved).
    pub fn addresses(&self) -> &[SocketAddr] {
        &self.addresses
    }

    /// Calls `task` every `interval` on the server's runtime until it stops (for the
    /// reports of rate-limited warnings).
    pub fn every(&self, interval: Duration, task: impl Fn() + Send + 'static) {
        if let Some(runtime) = &self.runtime {
            runtime.spawn(async move {
                let mut ticks = tokio::time::interval(interval);
                ticks.tick().await;
                loop {
                    ticks.tick().await;
                    task();
                }
            });
        }
    }

    /// Stops accepting and drops every connection, waiting at most `limit` for the
    /// runtime's threads to end.
    pub fn stop(&mut self, limit: Duration) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(limit);
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(1));
    }
}

/// A listening socket with a backlog large enough for a boot storm.
fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(BACKLOG)
}

/// Accepts connections for ever, each admitted by `gate` or closed at once.
async fn accept(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    gate: Arc<ConnectionGate>,
    refusals: Arc<Throttled>,
) {
    loop {
        let (stream, address) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of descriptors or memory: wait rather than spin, then try again.
                refusals.warn(|| format!("http: cannot accept a connection: {error}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        match gate.admit(address.ip()) {
            Ok(permit) => {
                let peer = Peer { address, secure: tls.is_some() };
                let limits = *gate.limits();
                tokio::spawn(serve(stream, peer, tls.clone(), router.clone(), limits, permit));
            }
            Err(refusal) => refusals.warn(|| format!("http: closed a connection from {address}: {refusal}")),
        }
    }
}

/// One connection, TLS handshake included, within [`Limits::connection_time`].
async fn serve(
    stream: TcpStream,
    peer: Peer,
    tls: Option<TlsAcceptor>,
    router: Router,
    limits: Limits,
    permit: Permit,
) {
    let _held = permit;
    let connection = async move {
        match tls {
            None => exchange(TokioIo::new(stream), peer, router, limits.header_time).await,
            Some(acceptor) => {
                // The handshake is held to the header time too: a ClientHello dripped a
                // byte at a time ends with it.
                let handshake = tokio::time::timeout(limits.header_time, acceptor.accept(stream)).await;
                if let Ok(Ok(stream)) = handshake {
                    exchange(TokioIo::new(stream), peer, router, limits.header_time).await;
                }
            }
        }
    };
    let _ = tokio::time::timeout(limits.connection_time, connection).await;
}

/// HTTP/1.1 with keep-alive on `io` until the client closes or idles past `header_time`.
async fn exchange<I>(io: I, peer: Peer, router: Router, header_time: Duration)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(peer);
        let mut router = router.clone();
        async move {
            Ok::<_, Infallible>(
                tower_service::Service::call(&mut router, request).await.unwrap_or_else(|never| match never {}),
            )
        }
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_time)
        .keep_alive(true)
        .max_buf_size(MAX_HEAD)
        .serve_connection(io, service)
        .await;
}
